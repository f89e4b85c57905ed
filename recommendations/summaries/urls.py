"""Pages of recommendations.summaries. Records are addressed by uuid only."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "meetings/<uuid:meeting_uuid>/preparation/",
        views.meeting_preparation,
        name="meeting-preparation",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/preparation/prepare/",
        views.meeting_prepare,
        name="meeting-prepare",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/preparation/<uuid:case_uuid>/retry/",
        views.preparation_retry,
        name="meeting-preparation-retry",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/packet/",
        views.meeting_packet,
        name="meeting-packet",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/packet.pdf",
        views.meeting_packet_pdf,
        name="meeting-packet-pdf",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/summaries/<uuid:case_uuid>/",
        views.meeting_summary,
        name="meeting-summary",
    ),
]
