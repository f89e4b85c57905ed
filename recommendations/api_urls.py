"""/api/v1/ routes for opinions and summaries. Records are addressed by uuid only."""

from django.urls import path

from recommendations.opinions import api

urlpatterns = [
    path("opinions/", api.OpinionListCreateApi.as_view(), name="opinion-list"),
    path("opinions/<uuid:uuid>/", api.OpinionDetailApi.as_view(), name="opinion-detail"),
    path("opinions/<uuid:uuid>/history/", api.OpinionHistoryApi.as_view(), name="opinion-history"),
    path("options/", api.OptionCatalogueApi.as_view(), name="opinion-options"),
]

# Pre-meeting summaries (recommendations.summaries.api).
from recommendations.summaries import api as summary_api  # noqa: E402 - appended section

urlpatterns += [
    path(
        "meetings/<uuid:uuid>/prepare/",
        summary_api.MeetingPrepareApi.as_view(),
        name="meeting-prepare",
    ),
    path(
        "meetings/<uuid:uuid>/preparation/",
        summary_api.MeetingPreparationApi.as_view(),
        name="meeting-preparation",
    ),
    path(
        "meetings/<uuid:uuid>/preparation/<uuid:case_uuid>/retry/",
        summary_api.PreparationRetryApi.as_view(),
        name="meeting-preparation-retry",
    ),
    path(
        "meetings/<uuid:uuid>/packet/",
        summary_api.MeetingPacketApi.as_view(),
        name="meeting-packet",
    ),
    path(
        "meetings/<uuid:uuid>/summaries/<uuid:case_uuid>/",
        summary_api.MeetingSummaryApi.as_view(),
        name="meeting-summary",
    ),
]

# Meeting mode: decision records, consensus plans (recommendations.decisions.api).
from recommendations.decisions import api as decision_api  # noqa: E402 - appended section

urlpatterns += [
    path(
        "meetings/<uuid:uuid>/board/",
        decision_api.MeetingBoardApi.as_view(),
        name="meeting-board",
    ),
    path(
        "meetings/<uuid:uuid>/items/<uuid:case_uuid>/decision/",
        decision_api.DecisionOpenApi.as_view(),
        name="decision-open",
    ),
    path(
        "decisions/<uuid:uuid>/", decision_api.DecisionDetailApi.as_view(), name="decision-detail"
    ),
    path("plans/<uuid:uuid>/", decision_api.PlanDetailApi.as_view(), name="plan-detail"),
    path(
        "plans/<uuid:uuid>/activities/",
        decision_api.PlanActivitiesApi.as_view(),
        name="plan-activities",
    ),
    path(
        "plans/<uuid:uuid>/dissents/", decision_api.PlanDissentsApi.as_view(), name="plan-dissents"
    ),
    path("plans/<uuid:uuid>/sign/", decision_api.PlanSignApi.as_view(), name="plan-sign"),
    path(
        "plans/<uuid:uuid>/amendments/",
        decision_api.PlanAmendmentsApi.as_view(),
        name="plan-amendments",
    ),
    path("plans/<uuid:uuid>/history/", decision_api.PlanHistoryApi.as_view(), name="plan-history"),
    path(
        "activities/<uuid:uuid>/", decision_api.ActivityDetailApi.as_view(), name="activity-detail"
    ),
    path(
        "activities/<uuid:uuid>/status/",
        decision_api.ActivityStatusApi.as_view(),
        name="activity-status",
    ),
]

# The patient's plain-language summary (recommendations.patient_summaries.api).
from recommendations.patient_summaries import api as patient_api  # noqa: E402 - appended section

urlpatterns += [
    path("my/summaries/", patient_api.MySummaryListApi.as_view(), name="my-summary-list"),
    path(
        "my/summaries/<uuid:uuid>/",
        patient_api.MySummaryDetailApi.as_view(),
        name="my-summary-detail",
    ),
    path(
        "plans/<uuid:uuid>/patient-summaries/",
        patient_api.PlanPatientSummariesApi.as_view(),
        name="plan-patient-summaries",
    ),
    path(
        "patient-summaries/<uuid:uuid>/",
        patient_api.PatientSummaryDetailApi.as_view(),
        name="patient-summary-detail",
    ),
    path(
        "patient-summaries/<uuid:uuid>/history/",
        patient_api.PatientSummaryHistoryApi.as_view(),
        name="patient-summary-history",
    ),
    path(
        "patient-summaries/<uuid:uuid>/release/",
        patient_api.PatientSummaryReleaseApi.as_view(),
        name="patient-summary-release",
    ),
    path(
        "patient-summaries/<uuid:uuid>/links/",
        patient_api.PatientSummaryLinksApi.as_view(),
        name="patient-summary-links",
    ),
]
