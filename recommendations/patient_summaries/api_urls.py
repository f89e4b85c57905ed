"""/api/v1/ routes of recommendations.patient_summaries. Records are addressed by uuid only."""

from django.urls import path

from . import api

urlpatterns = [
    path("my/summaries/", api.MySummaryListApi.as_view(), name="my-summary-list"),
    path(
        "my/summaries/<uuid:uuid>/",
        api.MySummaryDetailApi.as_view(),
        name="my-summary-detail",
    ),
    path(
        "plans/<uuid:uuid>/patient-summaries/",
        api.PlanPatientSummariesApi.as_view(),
        name="plan-patient-summaries",
    ),
    path(
        "patient-summaries/<uuid:uuid>/",
        api.PatientSummaryDetailApi.as_view(),
        name="patient-summary-detail",
    ),
    path(
        "patient-summaries/<uuid:uuid>/history/",
        api.PatientSummaryHistoryApi.as_view(),
        name="patient-summary-history",
    ),
    path(
        "patient-summaries/<uuid:uuid>/release/",
        api.PatientSummaryReleaseApi.as_view(),
        name="patient-summary-release",
    ),
    path(
        "patient-summaries/<uuid:uuid>/links/",
        api.PatientSummaryLinksApi.as_view(),
        name="patient-summary-links",
    ),
]
