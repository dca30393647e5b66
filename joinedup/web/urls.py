from django.contrib.auth import views as auth_views
from django.urls import path

from . import accounts, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in", views.SignInView.as_view(), name="sign_in"),
    path("sign-out", views.sign_out, name="sign_out"),
    path("two-factor", views.two_factor, name="two_factor"),
    path("password", views.PasswordChangeView.as_view(), name="password_change"),
    path("sign-in/forgotten-password", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "sign-in/forgotten-password/sent",
        auth_views.PasswordResetDoneView.as_view(template_name="web/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "sign-in/new-password/<uidb64>/<token>",
        views.NewPasswordView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts", accounts.account_list, name="accounts"),
    path("accounts/new", accounts.account_new, name="account_new"),
    path("accounts/<int:account_id>", accounts.account_change, name="account_change"),
    path(
        "accounts/<int:account_id>/reset-two-factor", accounts.account_reset_two_factor, name="account_reset_two_factor"
    ),
    path("accounts/<int:account_id>/unlock", accounts.account_unlock, name="account_unlock"),
    path("children/search", views.child_search, name="child_search"),
    path("children/<int:child_id>", views.child_summary, name="child_summary"),
    path("children/<int:child_id>/edit", views.child_edit, name="child_edit"),
    path("children/<int:child_id>/audit", views.child_audit, name="child_audit"),
]
