"""iCalendar (RFC 5545) files for board meetings: one meeting's .ics and a user's feed.

Times are written in the board's time zone (DTSTART;TZID=Europe/London:…) with a VTIMEZONE
describing that zone, so calendar clients show 07:30 where the board meets, whatever their own zone;
the instant is the one stored in UTC. The files carry no patient data: no names, MRNs or case
details, only how many cases are on the agenda and a link to the meeting's page (which needs a
login). The UID is stable (meeting uuid), SEQUENCE grows with every recorded change, and a
cancelled meeting stays in the feed with STATUS:CANCELLED so subscribed calendars drop it.

One meeting whose times cannot be written (a date far outside any plausible range, written
straight to the table; an unknown zone) is left out with a warning naming only its id: it never
takes the whole feed down with it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event

from .models import Meeting

PRODID = "-//Spine Tumour Board//tumorboard scheduling//EN"
UID_DOMAIN = "tumorboard"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# How often a subscribed client should fetch the feed again.
FEED_REFRESH = dt.timedelta(hours=1)
# A VTIMEZONE only needs to describe the zone around the events it serves.
ZONE_MARGIN = dt.timedelta(days=366)
# The span a calendar file may describe. The services keep meetings far inside it
# (tumorboard.bounds); a row outside it (year 9999 overflowed the VTIMEZONE margin) is skipped.
WRITABLE_FROM = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
WRITABLE_UNTIL = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)

logger = logging.getLogger(__name__)


def meeting_uid(meeting: Meeting) -> str:
    return f"{meeting.uuid}@{UID_DOMAIN}"


def meeting_summary(meeting: Meeting) -> str:
    """The event title: the board's name, never anything about a patient."""
    if meeting.kind == Meeting.Kind.AD_HOC:
        return f"{meeting.board.name} meeting (ad hoc)"
    return f"{meeting.board.name} meeting"


def _description(meeting: Meeting, *, n_cases: int, link: str) -> str:
    lines = []
    if meeting.status == Meeting.Status.CANCELLED:
        lines.append("This meeting is cancelled.")
    lines.append("1 case on the agenda." if n_cases == 1 else f"{n_cases} cases on the agenda.")
    if meeting.video_link:
        lines.append(f"Join online: {meeting.video_link}")
    if link:
        lines.append(f"Agenda and details (login needed): {link}")
    return "\n".join(lines)


def meeting_event(
    meeting: Meeting, *, link: str = "", n_cases: int = 0, sequence: int = 0
) -> Event:
    """One VEVENT. `link` is the absolute URL of the meeting's page; `sequence` the number of
    changes recorded since the meeting was created."""
    zone = ZoneInfo(meeting.board.time_zone)
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", meeting.updated_at.astimezone(dt.UTC))
    event.add("created", meeting.created_at.astimezone(dt.UTC))
    event.add("last-modified", meeting.updated_at.astimezone(dt.UTC))
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", meeting_summary(meeting))
    event.add("sequence", max(sequence, 0))
    event.add("status", "CANCELLED" if meeting.status == Meeting.Status.CANCELLED else "CONFIRMED")
    event.add("transp", "OPAQUE")
    location = meeting.location or ("Online" if meeting.video_link else "")
    if location:
        event.add("location", location)
    if link:
        event.add("url", link)
    event.add("description", _description(meeting, n_cases=n_cases, link=link))
    return event


def _event_or_none(meeting: Meeting, link_for: Callable[[Meeting], str]) -> Event | None:
    """The meeting's VEVENT, or None (with a warning naming only its id) if it cannot be written."""
    writable = all(
        WRITABLE_FROM <= moment <= WRITABLE_UNTIL for moment in (meeting.starts_at, meeting.ends_at)
    )
    try:
        if writable:
            return meeting_event(
                meeting,
                link=link_for(meeting),
                n_cases=getattr(meeting, "n_cases", 0) or 0,
                sequence=(getattr(meeting, "n_versions", 1) or 1) - 1,
            )
    except (OverflowError, ValueError, ZoneInfoNotFoundError):
        pass
    logger.warning("Meeting %s left out of a calendar: its times cannot be written.", meeting.uuid)
    return None


def build_calendar(
    meetings: Iterable[Meeting],
    *,
    link_for: Callable[[Meeting], str],
    name: str = "",
    feed: bool = False,
) -> bytes:
    """A VCALENDAR with one VEVENT per meeting and the VTIMEZONEs they use.

    Each meeting may carry `n_cases` and `n_versions` annotations
    (`selectors.meeting_for_calendar`, `selectors.calendar_feed_meetings`).
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
    if feed:
        calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
    starts = []
    for meeting in meetings:
        event = _event_or_none(meeting, link_for)
        if event is not None:
            calendar.add_component(event)
            starts.append(meeting.starts_at)
    if starts:
        calendar.add_missing_timezones(
            first_date=(min(starts) - ZONE_MARGIN).date(),
            last_date=(max(starts) + ZONE_MARGIN).date(),
        )
    return calendar.to_ical()


def ics_filename(meeting: Meeting) -> str:
    """e.g. "board-meeting-20261103.ics" (the date in the board's zone; no names)."""
    local = meeting.starts_at.astimezone(ZoneInfo(meeting.board.time_zone))
    return f"board-meeting-{local:%Y%m%d-%H%M}.ics"
