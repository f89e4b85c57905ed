"""A meeting as an iCalendar file, and the user's calendar subscription URL."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from tumorboard.api import StaffApiMixin, error_responses

from .. import calendar, services
from ..models import Meeting
from ..selectors import meeting_for_calendar
from ..serializers import CalendarFeedSerializer

_errors = error_responses()


class ICalendarRenderer(BaseRenderer):
    """text/calendar, so calendar clients asking for it are served (errors come out as JSON)."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data)


def ics_response(body: bytes, *, filename: str = "") -> HttpResponse:
    response = HttpResponse(body, content_type=calendar.CONTENT_TYPE)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def meeting_page_link(request, meeting: Meeting) -> str:
    return request.build_absolute_uri(
        reverse("meeting-detail", kwargs={"meeting_uuid": meeting.uuid})
    )


@extend_schema(tags=["calendar"])
class MeetingCalendarApi(StaffApiMixin, APIView):
    renderer_classes = [ICalendarRenderer, JSONRenderer]

    @extend_schema(
        summary="The meeting as an iCalendar (.ics) file, in the board's time zone",
        responses={
            (200, "text/calendar"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="An RFC 5545 VCALENDAR."
            ),
            **_errors(403, 404),
        },
    )
    def get(self, request, uuid):
        try:
            meeting = meeting_for_calendar(user=request.user, uuid=uuid)
        except Meeting.DoesNotExist:
            raise Http404 from None
        body = calendar.build_calendar([meeting], link_for=lambda m: meeting_page_link(request, m))
        return ics_response(body, filename=calendar.ics_filename(meeting))


def feed_data(request, feed) -> dict:
    url = request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": feed.token}))
    return {"url": url, "created_at": feed.created_at}


@extend_schema(tags=["calendar"])
class MyCalendarFeedApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Your calendar subscription URL (made on first use)",
        responses={200: CalendarFeedSerializer, **_errors(403)},
    )
    def get(self, request):
        feed = services.calendar_feed_token(user=request.user)
        return Response(CalendarFeedSerializer(feed_data(request, feed)).data)

    @extend_schema(
        summary="A new subscription URL; the old one stops working",
        request=None,
        responses={200: CalendarFeedSerializer, **_errors(403)},
    )
    def post(self, request):
        feed = services.calendar_feed_rotate(user=request.user)
        return Response(CalendarFeedSerializer(feed_data(request, feed)).data)
