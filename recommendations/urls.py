"""Pages of the recommendations app. Records are addressed by uuid only."""

from django.urls import path

from recommendations.opinions import views

urlpatterns = [
    path("my/cases/", views.my_cases, name="my-cases"),
    path(
        "opinions/<uuid:meeting_uuid>/<uuid:case_uuid>/",
        views.opinion_form,
        name="opinion-form",
    ),
]

# Pre-meeting summaries (recommendations.summaries.views).
from recommendations.summaries import views as summary_views  # noqa: E402 - appended section

urlpatterns += [
    path(
        "meetings/<uuid:meeting_uuid>/preparation/",
        summary_views.meeting_preparation,
        name="meeting-preparation",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/preparation/prepare/",
        summary_views.meeting_prepare,
        name="meeting-prepare",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/preparation/<uuid:case_uuid>/retry/",
        summary_views.preparation_retry,
        name="meeting-preparation-retry",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/packet/",
        summary_views.meeting_packet,
        name="meeting-packet",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/packet.pdf",
        summary_views.meeting_packet_pdf,
        name="meeting-packet-pdf",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/summaries/<uuid:case_uuid>/",
        summary_views.meeting_summary,
        name="meeting-summary",
    ),
]

# Meeting mode: the meeting screen and the plan page (recommendations.decisions.views).
from recommendations.decisions import views as meeting_views  # noqa: E402 - appended section

urlpatterns += [
    path("meetings/<uuid:meeting_uuid>/run/", meeting_views.meeting_run, name="meeting-run"),
    path(
        "meetings/<uuid:meeting_uuid>/run/attendance/",
        meeting_views.meeting_attendance,
        name="meeting-run-attendance",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/run/<int:position>/open/",
        meeting_views.meeting_open_record,
        name="meeting-run-open",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/run/<int:position>/record/",
        meeting_views.meeting_save_record,
        name="meeting-run-record",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/run/<int:position>/plan/",
        meeting_views.meeting_save_plan,
        name="meeting-run-plan",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/run/<int:position>/dissent/",
        meeting_views.meeting_add_dissent,
        name="meeting-run-dissent",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/run/<int:position>/sign/",
        meeting_views.meeting_sign,
        name="meeting-run-sign",
    ),
    path("plans/<uuid:plan_uuid>/", meeting_views.plan_page, name="plan-page"),
    path(
        "plans/<uuid:plan_uuid>/activities/<uuid:activity_uuid>/status/",
        meeting_views.plan_activity_status,
        name="plan-activity-status",
    ),
    path("plans/<uuid:plan_uuid>/amend/", meeting_views.plan_amend, name="plan-amend"),
]

# The patient's plain-language summary (recommendations.patient_summaries.views).
from recommendations.patient_summaries import views as patient_views  # noqa: E402 - appended section

urlpatterns += [
    path(
        "my/summaries/<uuid:summary_uuid>/",
        patient_views.my_summary_detail,
        name="my-summary-detail",
    ),
    path(
        "my/summaries/<uuid:summary_uuid>/pdf/",
        patient_views.my_summary_pdf,
        name="my-summary-pdf",
    ),
    path("s/<str:token>/", patient_views.link_open, name="patient-summary-link-open"),
    path(
        "plans/<uuid:plan_uuid>/patient-summary/",
        patient_views.plan_patient_summary,
        name="plan-patient-summary",
    ),
    path(
        "plans/<uuid:plan_uuid>/patient-summary/draft/",
        patient_views.patient_summary_draft,
        name="patient-summary-draft",
    ),
    path(
        "patient-summaries/<uuid:summary_uuid>/edit/",
        patient_views.patient_summary_edit,
        name="patient-summary-edit",
    ),
    path(
        "patient-summaries/<uuid:summary_uuid>/release/",
        patient_views.patient_summary_release,
        name="patient-summary-release",
    ),
    path(
        "patient-summaries/<uuid:summary_uuid>/links/",
        patient_views.patient_summary_link,
        name="patient-summary-link",
    ),
]
