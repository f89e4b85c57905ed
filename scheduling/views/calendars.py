"""Calendars: a meeting as an .ics file, the user's subscription page and the feed itself."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tumorboard.pages import staff_required

from .. import calendar, services
from ..models import Meeting
from ..selectors import calendar_feed_meetings, calendar_feed_owner, meeting_for_calendar


def _page_link(request, meeting: Meeting) -> str:
    return request.build_absolute_uri(
        reverse("meeting-detail", kwargs={"meeting_uuid": meeting.uuid})
    )


def _ics(body: bytes, *, filename: str = "", cache: str = "private, no-store") -> HttpResponse:
    response = HttpResponse(body, content_type=calendar.CONTENT_TYPE)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = cache
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
@staff_required
def meeting_ics(request, meeting_uuid):
    try:
        meeting = meeting_for_calendar(user=request.user, uuid=meeting_uuid)
    except Meeting.DoesNotExist:
        raise Http404("No such meeting.") from None
    body = calendar.build_calendar([meeting], link_for=lambda m: _page_link(request, m))
    return _ics(body, filename=calendar.ics_filename(meeting))


@staff_required
def my_calendar(request):
    if request.method == "POST":
        services.calendar_feed_rotate(user=request.user)
        messages.success(request, _("New subscription address made; the old one no longer works."))
        return redirect("my-calendar")
    feed = services.calendar_feed_token(user=request.user)
    url = request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": feed.token}))
    return render(request, "scheduling/my_calendar.html", {"feed": feed, "feed_url": url})


@require_GET
def calendar_feed(request, token):
    """The subscription feed: no login, the secret token in the URL is the credential."""
    user = calendar_feed_owner(token)
    if user is None:
        raise Http404("No such calendar.")
    meetings = calendar_feed_meetings(user)
    body = calendar.build_calendar(
        meetings,
        link_for=lambda m: _page_link(request, m),
        name=_("Tumour board meetings"),
        feed=True,
    )
    return _ics(body, cache="private, max-age=300")
