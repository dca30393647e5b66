from django.urls import path

from . import views

app_name = "casework"
urlpatterns = [
    path("refer/", views.find_child_to_refer, name="find_child_to_refer"),
    path("refer/<int:child_id>/", views.refer, name="refer"),
    path("referrals/mine/", views.my_referrals, name="my_referrals"),
    path("referrals/<int:referral_id>/", views.referral, name="referral"),
    path("referrals/<int:referral_id>/feedback/", views.referral_feedback, name="referral_feedback"),
    path("panels/", views.panels, name="panels"),
    path("panels/meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("notifications/", views.notifications, name="notifications"),
]
urlpatterns += [
    path("cases/<int:case_id>/", views.case, name="case"),
]
