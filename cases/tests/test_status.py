"""Status changes follow one rule by hand and by the services (cases.status, issue 14)."""

import datetime as dt
import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case
from cases.status import manual_status_changes, status_change
from scheduling.models import Meeting
from scheduling.rules import CarryOver
from scheduling.services import agenda_item_add, agenda_item_remove, meeting_close
from scheduling.tests.helpers import ready_case
from tests.factories import CaseFactory, LesionFactory, MeetingFactory, in_days
from tumorboard.errors import ApplicationError

pytestmark = pytest.mark.django_db


def start(meeting: Meeting) -> None:
    """The meeting's start has come (agenda_item_add refuses a meeting that has started)."""
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=now - dt.timedelta(minutes=10), ends_at=now + dt.timedelta(minutes=50)
    )


def refused(case: Case, to: str, by, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as excinfo:
        services.case_transition(case=case, to=to, by=by, **kwargs)
    return excinfo.value


# ready: readiness, or an override with a reason --------------------------------------------------


def test_ready_is_refused_for_a_case_that_is_not_ready_without_an_override(cast):
    case = CaseFactory(board=cast.board)
    error = refused(case, "ready", cast.coordinator)
    assert error.message.startswith("The case is not ready: Spine MRI")
    assert error.fields["override"] == [
        "Override readiness, with a reason, to mark it ready anyway."
    ]
    assert refused(case, "ready", cast.coordinator, override=True).fields["reason"] == [
        "A reason is required to mark a case ready that is not."
    ]
    case.refresh_from_db()
    assert (case.status, case.readiness_overridden) == ("referred", False)


def test_an_override_with_a_reason_marks_it_ready_and_is_recorded(cast):
    case = CaseFactory(board=cast.board)
    case = services.case_transition(
        case=case, to="ready", by=cast.coordinator, override=True, reason="MRI booked for Monday"
    )
    case.refresh_from_db()
    assert (case.status, case.readiness_overridden) == ("ready", True)
    assert case.status_reason == "MRI booked for Monday"
    assert case.history.latest().history_user == cast.coordinator


def test_a_ready_case_needs_no_override(cast):
    case = ready_case(cast.board, status=Case.Status.REFERRED)
    case = services.case_transition(case=case, to="ready", by=cast.coordinator)
    assert (case.status, case.readiness_overridden) == ("ready", False)


# scheduled: only through an agenda ---------------------------------------------------------------


def test_scheduled_by_hand_is_refused(cast):
    case = ready_case(cast.board)
    error = refused(case, "scheduled", cast.coordinator)
    assert error.message == "A case is scheduled by putting it on a meeting's agenda."
    case.refresh_from_db()
    assert case.status == "ready"


def test_a_referred_case_put_on_an_agenda_becomes_scheduled(cast, meeting):
    case = CaseFactory(board=cast.board)
    agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    case.refresh_from_db()
    assert case.status == "scheduled"


def test_a_case_taken_off_the_agenda_goes_back_by_its_readiness(cast, meeting):
    unready = CaseFactory(board=cast.board)
    ready = ready_case(cast.board)
    items = [
        agenda_item_add(meeting=meeting, case=c, by=cast.coordinator) for c in (unready, ready)
    ]
    for item in items:
        agenda_item_remove(item=item, by=cast.coordinator)
    unready.refresh_from_db()
    ready.refresh_from_db()
    assert (unready.status, ready.status) == ("referred", "ready")


def test_a_case_on_an_upcoming_agenda_leaves_it_instead_of_changing_status(cast, meeting):
    case = ready_case(cast.board)
    agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    error = refused(case, "ready", cast.coordinator)
    assert "take it off that agenda" in error.message
    assert "withdrawn" not in {c.to for c in manual_status_changes(case)}


# discussed: only in a started meeting -------------------------------------------------------------


def test_discussed_only_once_the_meeting_has_started(cast, meeting):
    case = ready_case(cast.board)
    agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    error = refused(case, "discussed", cast.chair)
    assert error.message.startswith("A case is discussed in a meeting that has started")
    start(meeting)
    for to in ("discussed", "plan_signed", "closed"):
        case = services.case_transition(case=case, to=to, by=cast.chair)
    assert case.status == "closed"
    assert case.history.filter(history_user=cast.chair).count() == 3


def test_a_signed_case_goes_back_to_the_queue_only_by_a_rediscussion(cast):
    case = ready_case(cast.board)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.PLAN_SIGNED)
    case.refresh_from_db()
    assert [c.to for c in manual_status_changes(case)] == [Case.Status.CLOSED]
    error = refused(case, "ready", cast.coordinator)
    assert "re-discussion" in error.message
    case = services.case_transition(case=case, to="ready", by=cast.coordinator, rediscussion=True)
    assert case.status == "ready"


def test_a_cancelled_meeting_does_not_count_as_a_place(cast, meeting):
    case = ready_case(cast.board)
    agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    assert status_change(case, "discussed").allowed is False


# what the page offers ----------------------------------------------------------------------------


def test_the_page_offers_only_the_changes_allowed_now(cast):
    case = CaseFactory(board=cast.board)
    changes = {c.to: c for c in manual_status_changes(case)}
    assert set(changes) == {"ready", "deferred", "withdrawn"}
    assert changes["ready"].override and changes["ready"].needs_reason
    assert changes["ready"].missing[0].startswith("Spine MRI")
    ready = {c.to: c for c in manual_status_changes(ready_case(cast.board))}
    assert set(ready) == {"referred", "deferred", "withdrawn"}  # never "scheduled" by hand


# the database keeps the same rules ----------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "referred", "readiness_overridden": True, "status_reason": "x"},
        {"status": "ready", "readiness_overridden": True, "status_reason": ""},
        {"status": "deferred", "status_reason": ""},
        {"status": "withdrawn", "status_reason": ""},
    ],
)
def test_the_database_refuses_a_contradictory_status(cast, fields):
    case = LesionFactory(case__board=cast.board).case
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(**fields)


# no "Scheduled / not scheduled" --------------------------------------------------------------


def rows(page: str) -> list[str]:
    return re.findall(r"<tr class=\"row--.*?</tr>", page, flags=re.S)


def test_a_scheduled_case_always_shows_its_meeting_on_the_list(cast, client_for, meeting):
    """Manual scheduling is refused (above); here the meeting runs past its end without being
    closed, and another is closed without discussing its case: each row still names a meeting
    beside "Scheduled", and a case off every agenda is never "Scheduled"."""
    running, closed, waiting = (
        ready_case(cast.board),
        ready_case(cast.board),
        ready_case(cast.board),
    )
    agenda_item_add(meeting=meeting, case=running, by=cast.coordinator)
    other = MeetingFactory(board=cast.board, starts_at=in_days(9), ends_at=in_days(9, 8, 30))
    agenda_item_add(meeting=other, case=closed, by=cast.coordinator)
    past = timezone.now() - dt.timedelta(hours=3)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=past, ends_at=past + dt.timedelta(hours=1)
    )
    earlier = past - dt.timedelta(hours=2)
    Meeting.objects.filter(pk=other.pk).update(
        starts_at=earlier, ends_at=earlier + dt.timedelta(hours=1)
    )
    # Closing asks where each undiscussed case goes (issue 14): this one goes back to ready.
    meeting_close(
        meeting=Meeting.objects.get(pk=other.pk),
        by=cast.coordinator,
        carry_over={closed.uuid: CarryOver.READY},
    )

    page = client_for(cast.coordinator).get(reverse("case-list")).content.decode()
    found = rows(page)
    assert len(found) == 3
    for row in found:
        scheduled = ">Scheduled<" in row
        assert scheduled != ("not scheduled" in row), row
    assert sum(">Scheduled<" in row for row in found) == 1  # the unclosed meeting's case
    closed.refresh_from_db()
    assert closed.status == "ready"
    assert waiting.status == "ready"
