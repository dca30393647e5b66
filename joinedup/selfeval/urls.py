from django.urls import path

from . import views

app_name = "selfeval"
urlpatterns = [
    path("", views.home, name="home"),
    path("rounds/new", views.round_new, name="round_new"),
    path("rounds/<int:round_id>", views.round_detail, name="round"),
    path("rounds/<int:round_id>/join", views.round_join, name="round_join"),
    path("authorities/<int:participant_id>", views.participant_detail, name="participant"),
    path("authorities/<int:participant_id>/links", views.issue_links, name="issue_links"),
    path("authorities/<int:participant_id>/links/extend", views.extend_links, name="extend_links"),
    path("authorities/<int:participant_id>/interviews", views.interview_new, name="interview_new"),
    path("authorities/<int:participant_id>/report", views.report, name="report"),
    path("authorities/<int:participant_id>/report.pdf", views.report_pdf, name="report_pdf"),
    path("authorities/<int:participant_id>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("authorities/<int:participant_id>/trends", views.trends, name="trends"),
    path("rounds/<int:round_id>/coding", views.coding_queue, name="coding_queue"),
    path("rounds/<int:round_id>/coding/next", views.code_next, name="code_next"),
    path("rounds/<int:round_id>/coding/agreement", views.agreement, name="agreement"),
    path("answers/<int:answer_id>/code", views.code_answer, name="code_answer"),
    path("rounds/<int:round_id>/report", views.consortium, name="consortium"),
    path("rounds/<int:round_id>/report.pdf", views.consortium_pdf, name="consortium_pdf"),
    path("rounds/<int:round_id>/report.xlsx", views.consortium_xlsx, name="consortium_xlsx"),
    # Anonymous, by link: no sign-in
    path("q/<str:token>", views.link_start, name="link_start"),
    path("q/<str:token>/section/<slug:section>", views.link_section, name="link_section"),
    path("q/<str:token>/saved", views.link_saved, name="link_saved"),
    path("q/<str:token>/check", views.link_check, name="link_check"),
    path("answers-sent", views.sent, name="sent"),
    # Interviews a researcher records
    path("interviews/<int:response_id>", views.interview_start, name="interview_start"),
    path("interviews/<int:response_id>/section/<slug:section>", views.interview_section, name="interview_section"),
    path("interviews/<int:response_id>/saved", views.interview_saved, name="interview_saved"),
    path("interviews/<int:response_id>/check", views.interview_check, name="interview_check"),
]
