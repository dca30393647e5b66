from django.urls import path

from . import views

app_name = "casework"
urlpatterns = [
    path("refer/", views.find_child_to_refer, name="find_child_to_refer"),
    path("refer/<int:child_id>/", views.refer, name="refer"),
    path("children/<int:child_id>/consent/", views.consent, name="consent"),
    path("referrals/mine/", views.my_referrals, name="my_referrals"),
    path("referrals/<int:referral_id>/", views.referral, name="referral"),
    path("referrals/<int:referral_id>/feedback/", views.referral_feedback, name="referral_feedback"),
    path("panels/", views.panels, name="panels"),
    path("panels/meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("cases/mine/", views.my_cases, name="my_cases"),
    path("caseloads/", views.caseloads, name="caseloads"),
    path("cases/<int:case_id>/", views.case, name="case"),
    path("cases/<int:case_id>/team/", views.invite, name="invite"),
    path("cases/<int:case_id>/lead-professional/", views.change_lead, name="change_lead"),
    path("cases/<int:case_id>/meetings/new/", views.new_tac_meeting, name="new_tac_meeting"),
    path("cases/<int:case_id>/outcomes/new/", views.new_outcome, name="new_outcome"),
    path("cases/<int:case_id>/actions/new/", views.new_action, name="new_action"),
    path("cases/<int:case_id>/reviews/new/", views.new_review, name="new_review"),
    path("cases/<int:case_id>/close/", views.close, name="close"),
    path("cases/<int:case_id>/family-access/", views.family_access, name="family_access"),
    path("cases/<int:case_id>/assessment/", views.start_assessment, name="start_assessment"),
    path("assessments/<int:assessment_id>/", views.assessment, name="assessment"),
    path("assessments/<int:assessment_id>/finish/", views.assessment_finish, name="assessment_finish"),
    path("assessments/<int:assessment_id>/<slug:domain>/", views.assessment_domain, name="assessment_domain"),
    path("notifications/", views.notifications, name="notifications"),
    path("family/", views.family, name="family"),
]
