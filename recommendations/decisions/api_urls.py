"""/api/v1/ routes of recommendations.decisions. Records are addressed by uuid only."""

from django.urls import path

from . import api

urlpatterns = [
    path(
        "meetings/<uuid:uuid>/board/",
        api.MeetingBoardApi.as_view(),
        name="meeting-board",
    ),
    path(
        "meetings/<uuid:uuid>/items/<uuid:case_uuid>/decision/",
        api.DecisionOpenApi.as_view(),
        name="decision-open",
    ),
    path("decisions/<uuid:uuid>/", api.DecisionDetailApi.as_view(), name="decision-detail"),
    path("plans/<uuid:uuid>/", api.PlanDetailApi.as_view(), name="plan-detail"),
    path(
        "plans/<uuid:uuid>/activities/",
        api.PlanActivitiesApi.as_view(),
        name="plan-activities",
    ),
    path("plans/<uuid:uuid>/dissents/", api.PlanDissentsApi.as_view(), name="plan-dissents"),
    path("plans/<uuid:uuid>/sign/", api.PlanSignApi.as_view(), name="plan-sign"),
    path("plans/<uuid:uuid>/send-back/", api.PlanSendBackApi.as_view(), name="plan-send-back"),
    path(
        "plans/<uuid:uuid>/amendments/",
        api.PlanAmendmentsApi.as_view(),
        name="plan-amendments",
    ),
    path("plans/<uuid:uuid>/history/", api.PlanHistoryApi.as_view(), name="plan-history"),
    path("activities/<uuid:uuid>/", api.ActivityDetailApi.as_view(), name="activity-detail"),
    path(
        "activities/<uuid:uuid>/status/",
        api.ActivityStatusApi.as_view(),
        name="activity-status",
    ),
]
