from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("imports/new", views.new_import, name="new_import"),
    path("linkage/new", views.start_linkage, name="start_linkage"),
    path("measures/new", views.start_measures_build, name="start_measures_build"),
    path("returns/new", views.start_return, name="start_return"),
    path("research-extracts/new", views.start_research_extract, name="start_research_extract"),
    path("<int:job_id>", views.job_detail, name="job"),
    path("<int:job_id>/progress", views.job_progress, name="progress"),
    path("<int:job_id>/confirm", views.confirm_held_import, name="confirm"),
    path("<int:job_id>/rejects.csv", views.job_rejects, name="rejects"),
    path("<int:export_id>/download", views.job_download, name="download"),
]
