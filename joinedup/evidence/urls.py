from django.urls import path

from . import views

app_name = "evidence"
urlpatterns = [
    path("", views.impact, name="impact"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("families/", views.families, name="families"),
    path("comparison/", views.comparison, name="comparison"),
    path("returns/", views.returns, name="returns"),
    path("extracts/new/", views.research_extract, name="research_extract"),
    path("cohorts/", views.cohorts, name="cohorts"),
    path("cohorts/new/", views.new_cohort, name="new_cohort"),
    path("cohorts/<int:cohort_id>/", views.cohort, name="cohort"),
]
