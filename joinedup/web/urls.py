from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in", views.SignInView.as_view(), name="sign_in"),
    path("sign-out", views.sign_out, name="sign_out"),
    path("two-factor", views.two_factor, name="two_factor"),
    path("children/search", views.child_search, name="child_search"),
    path("children/<int:child_id>", views.child_summary, name="child_summary"),
    path("children/<int:child_id>/edit", views.child_edit, name="child_edit"),
    path("children/<int:child_id>/audit", views.child_audit, name="child_audit"),
]
