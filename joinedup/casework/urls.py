from django.urls import path

from .views import assessments, cases, family, front_door, panels, sharing

app_name = "casework"
urlpatterns = [
    path("refer/", front_door.find_child_to_refer, name="find_child_to_refer"),
    # A child is named by a reference from the search results, for this user only: never an id.
    path("refer/<str:reference>/", front_door.refer, name="refer"),
    path("assess/", front_door.find_child_to_refer, {"purpose": "assess"}, name="find_child_to_assess"),
    path("assess/<str:reference>/", assessments.start_child_assessment, name="start_child_assessment"),
    path("children/<int:child_id>/consent/", front_door.consent, name="consent"),
    path("sharing/<int:sharing_id>/review/", sharing.review_sharing, name="review_sharing"),
    path("referrals/mine/", front_door.my_referrals, name="my_referrals"),
    path("referrals/<int:referral_id>/", front_door.referral, name="referral"),
    path("referrals/<int:referral_id>/feedback/", front_door.referral_feedback, name="referral_feedback"),
    path("panels/", panels.panels, name="panels"),
    path("panels/meetings/<int:meeting_id>/", panels.meeting, name="meeting"),
    path("panels/setup/", panels.panel_setup, name="panel_setup"),
    path("panels/setup/<int:locality_id>/new/", panels.new_panel, name="new_panel"),
    path("panels/<int:panel_id>/change/", panels.change_panel, name="change_panel"),
    path("cases/mine/", cases.my_cases, name="my_cases"),
    path("caseloads/", cases.caseloads, name="caseloads"),
    path("cases/<int:case_id>/", cases.case, name="case"),
    path("cases/<int:case_id>/team/", cases.invite, name="invite"),
    path("cases/<int:case_id>/lead-professional/", cases.change_lead, name="change_lead"),
    path("cases/<int:case_id>/meetings/new/", cases.new_tac_meeting, name="new_tac_meeting"),
    path("cases/<int:case_id>/outcomes/new/", cases.new_outcome, name="new_outcome"),
    path("cases/<int:case_id>/actions/new/", cases.new_action, name="new_action"),
    path("cases/<int:case_id>/actions/<int:action_id>/done/", cases.complete_action, name="complete_action"),
    path("cases/<int:case_id>/reviews/new/", cases.new_review, name="new_review"),
    path("cases/<int:case_id>/close/", cases.close, name="close"),
    path("cases/<int:case_id>/family-access/", cases.family_access, name="family_access"),
    path("cases/<int:case_id>/assessment/", assessments.start_assessment, name="start_assessment"),
    path("assessments/<int:assessment_id>/", assessments.assessment, name="assessment"),
    path("assessments/<int:assessment_id>/finish/", assessments.assessment_finish, name="assessment_finish"),
    path("assessments/<int:assessment_id>/send/", assessments.send_to_panel, name="send_to_panel"),
    path("assessments/<int:assessment_id>/<slug:domain>/", assessments.assessment_domain, name="assessment_domain"),
    path("notifications/", family.notifications, name="notifications"),
    path("family/", family.family, name="family"),
]
