"""Deferring a case to the next meeting (services.deferral)."""

import pytest
from django.core.exceptions import PermissionDenied

from cases.models import Case
from scheduling import services
from scheduling.models import AgendaItem, Notification
from scheduling.tests.helpers import agenda_positions, minutes_ago, ready_case
from tests.factories import AgendaItemFactory, MeetingFactory, in_days
from tumorboard.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_defer_moves_the_case_to_the_next_meeting_and_tells_the_responsible(cast, meeting):
    not_ready = ready_case(cast.board, kps=None, created_by=cast.surgeon)
    other = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=not_ready, by=cast.coordinator)
    services.agenda_item_add(meeting=meeting, case=other, by=cast.coordinator)
    next_meeting = MeetingFactory(
        board=cast.board, starts_at=in_days(12), ends_at=in_days(12, 8, 30)
    )

    result = services.case_defer(
        case=not_ready, reason="Performance status not recorded", by=cast.coordinator
    )

    assert result.from_meeting == meeting
    assert result.to_meeting == next_meeting
    assert result.item.meeting == next_meeting and result.item.position == 1
    assert agenda_positions(meeting) == [(other.pk, 1)]
    not_ready.refresh_from_db()
    assert not_ready.status == Case.Status.SCHEDULED
    statuses = list(not_ready.history.order_by("history_id").values_list("status", flat=True))
    assert statuses[-2:] == [Case.Status.DEFERRED, Case.Status.SCHEDULED]
    told = Notification.objects.filter(kind=Notification.Kind.CASE_DEFERRED)
    assert sorted(n.recipient.username for n in told) == ["coord", cast.surgeon.username]
    body = told.get(recipient=cast.surgeon).body
    assert "Reason: Performance status not recorded" in body
    assert "It is now on the agenda of the meeting on" in body
    assert "Performance status (KPS or ECOG)" in body
    assert str(not_ready.patient.family_name) not in body


def test_defer_without_a_next_meeting_leaves_the_case_unscheduled(cast, meeting):
    case = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    result = services.case_defer(case=case, reason="Awaiting biopsy", by=cast.coordinator)
    assert result.item is None and result.to_meeting is None
    assert result.not_placed == "The board has no later planned meeting yet."
    case.refresh_from_db()
    assert case.status == Case.Status.DEFERRED
    assert case.status_reason == "Awaiting biopsy"
    assert AgendaItem.objects.filter(case=case).count() == 0
    assert (
        "It is not on any agenda yet." in Notification.objects.get(recipient=cast.coordinator).body
    )


def test_defer_needs_a_reason_and_changes_nothing_without_one(cast, meeting):
    case = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    with pytest.raises(ApplicationError) as excinfo:
        services.case_defer(case=case, reason=" ", by=cast.coordinator)
    assert excinfo.value.fields == {"reason": ["A reason is required."]}
    case.refresh_from_db()
    assert case.status == Case.Status.SCHEDULED
    assert agenda_positions(meeting) == [(case.pk, 1)]
    assert Notification.objects.count() == 0


def test_defer_during_a_running_meeting_keeps_the_item_as_a_record(cast):
    running = MeetingFactory(board=cast.board, starts_at=minutes_ago(10), ends_at=minutes_ago(-50))
    case = ready_case(cast.board, status=Case.Status.SCHEDULED)
    item = AgendaItemFactory(meeting=running, case=case, position=1)
    later = MeetingFactory(board=cast.board, starts_at=in_days(7), ends_at=in_days(7, 8, 30))
    result = services.case_defer(case=case, reason="Needs a new MRI", by=cast.chair)
    item.refresh_from_db()
    assert item.is_open is False and item.position == 1
    assert result.to_meeting == later


# --- who may: the board's coordinators and chair (allowed/refused pairs) ----------------------


@pytest.mark.parametrize("who", ["coordinator", "chair"])
def test_coordinator_and_chair_defer_a_case(cast, meeting, person, who):
    case = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    deferral = services.case_defer(case=case, reason="MRI pending", by=person(who))
    assert deferral.case.status == Case.Status.DEFERRED


@pytest.mark.parametrize("who", ["surgeon", "other_coordinator", "patient_user"])
def test_others_cannot_defer_a_case(cast, meeting, person, who):
    case = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    with pytest.raises(PermissionDenied):
        services.case_defer(case=case, reason="MRI pending", by=person(who))
    case.refresh_from_db()
    assert case.status == Case.Status.SCHEDULED
    assert meeting.agenda_items.filter(case=case, is_open=True).exists()
