from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("imports/new", views.new_import, name="new_import"),
    path("linkage/new", views.start_linkage, name="start_linkage"),
    path("measures/new", views.start_measures_build, name="start_measures_build"),
    path("<int:job_id>", views.job_detail, name="job"),
    path("<int:job_id>/progress", views.job_progress, name="progress"),
    path("<int:job_id>/rejects.csv", views.job_rejects, name="rejects"),
]
