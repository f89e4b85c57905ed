"""/api/v1/ routes of recommendations.summaries. Records are addressed by uuid only."""

from django.urls import path

from . import api

urlpatterns = [
    path(
        "meetings/<uuid:uuid>/prepare/",
        api.MeetingPrepareApi.as_view(),
        name="meeting-prepare",
    ),
    path(
        "meetings/<uuid:uuid>/preparation/",
        api.MeetingPreparationApi.as_view(),
        name="meeting-preparation",
    ),
    path(
        "meetings/<uuid:uuid>/preparation/<uuid:case_uuid>/retry/",
        api.PreparationRetryApi.as_view(),
        name="meeting-preparation-retry",
    ),
    path(
        "meetings/<uuid:uuid>/packet/",
        api.MeetingPacketApi.as_view(),
        name="meeting-packet",
    ),
    path(
        "meetings/<uuid:uuid>/summaries/<uuid:case_uuid>/",
        api.MeetingSummaryApi.as_view(),
        name="meeting-summary",
    ),
]
