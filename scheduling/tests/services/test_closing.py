"""Starting a meeting, and closing one with the cases it did not discuss carried to the next
meeting or sent back to ready (services.meetings.meeting_start, services.closing)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from cases.models import Case
from scheduling import services
from scheduling.models import AgendaItem, Meeting, Notification
from scheduling.rules import CarryOver, undiscussed_items
from scheduling.services.common import local_start
from scheduling.tests.helpers import minutes_ago, ready_case
from tests.factories import AgendaItemFactory, MeetingFactory, in_days
from tumorboard.errors import ApplicationError

pytestmark = pytest.mark.django_db

NEXT, READY = CarryOver.NEXT_MEETING, CarryOver.READY


def running(cast, **fields) -> Meeting:
    defaults = {"starts_at": minutes_ago(30), "ends_at": minutes_ago(-30)}
    return MeetingFactory(board=cast.board, **(defaults | fields))


def on_agenda(meeting, position, *, status=Case.Status.SCHEDULED, **fields) -> AgendaItem:
    case = ready_case(meeting.board, status=status, **fields)
    return AgendaItemFactory(meeting=meeting, case=case, position=position, minutes_allotted=10)


# --- starting ---------------------------------------------------------------------------------


def test_meeting_start_shows_it_in_progress_with_history(cast):
    meeting = running(cast, starts_at=minutes_ago(-45), ends_at=minutes_ago(-105))
    started = services.meeting_start(meeting=meeting, by=cast.chair)
    meeting.refresh_from_db()
    assert started.status == meeting.status == Meeting.Status.IN_PROGRESS
    assert meeting.get_status_display() == "In progress"
    latest = meeting.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (cast.chair, "Meeting started")
    with pytest.raises(ApplicationError) as excinfo:
        services.meeting_start(meeting=meeting, by=cast.chair)
    assert excinfo.value.message == "This meeting is already in progress."


def test_meeting_start_refused_too_early_and_for_others(cast, meeting):
    with pytest.raises(ApplicationError) as excinfo:
        services.meeting_start(meeting=meeting, by=cast.coordinator)
    assert excinfo.value.fields == {
        "meeting": ["A meeting can be started from an hour before its start."]
    }
    now = running(cast)
    with pytest.raises(PermissionDenied):
        services.meeting_start(meeting=now, by=cast.surgeon)
    now.refresh_from_db()
    meeting.refresh_from_db()
    assert now.status == meeting.status == Meeting.Status.PLANNED


# --- closing with undiscussed cases -----------------------------------------------------------


def test_close_refuses_undiscussed_cases_without_a_choice_and_lists_them(cast, meeting):
    closing = running(cast, status=Meeting.Status.IN_PROGRESS)
    first, second = on_agenda(closing, 1), on_agenda(closing, 2)
    discussed = on_agenda(closing, 3, status=Case.Status.PLAN_SIGNED)
    assert list(undiscussed_items(closing)) == [first, second]
    with pytest.raises(ApplicationError) as excinfo:
        services.meeting_close(meeting=closing, by=cast.coordinator, carry_over={})
    problems = excinfo.value.fields["carry_over"]
    assert excinfo.value.code == "undiscussed"
    assert [p.split(":")[0] for p in problems] == [str(first.case), str(second.case)]
    assert "2 case(s) on the agenda were not discussed" in excinfo.value.message
    closing.refresh_from_db()
    discussed.refresh_from_db()
    assert closing.status == Meeting.Status.IN_PROGRESS
    assert discussed.is_open is True
    assert not Notification.objects.exists()


def test_close_refuses_unknown_cases_bad_choices_and_a_missing_next_meeting(cast):
    closing = running(cast)
    item = on_agenda(closing, 1)
    other = on_agenda(closing, 2)
    with pytest.raises(ApplicationError) as excinfo:
        services.meeting_close(
            meeting=closing,
            by=cast.coordinator,
            carry_over={"not-a-uuid": READY, str(item.case.uuid): "later", other.case.uuid: NEXT},
        )
    assert excinfo.value.fields["carry_over"] == [
        "not-a-uuid: not a case left undiscussed on this agenda.",
        f"{item.case}: choose next_meeting or ready.",
        f"{other.case}: the board has no later planned meeting; plan one, or send the case "
        "back to ready.",
    ]
    assert AgendaItem.objects.filter(is_open=True).count() == 2


def test_close_carries_one_case_to_the_next_meeting_and_one_back_to_ready(cast, meeting):
    closing = running(cast, status=Meeting.Status.IN_PROGRESS)
    carried = on_agenda(closing, 1, created_by=cast.surgeon, urgency=Case.Urgency.ROUTINE)
    back = on_agenda(closing, 2, created_by=cast.specialists["pain_medicine"])
    discussed = on_agenda(closing, 3, status=Case.Status.DISCUSSED)
    later = MeetingFactory(board=cast.board, starts_at=in_days(9), ends_at=in_days(9, 8, 30))

    services.meeting_close(
        meeting=closing,
        by=cast.coordinator,
        carry_over={str(carried.case.uuid): NEXT, back.case.uuid: READY},
    )

    closing.refresh_from_db()
    assert closing.status == Meeting.Status.CLOSED
    assert closing.history.latest().history_change_reason == (
        "Meeting closed; not discussed: 1 carried over, 1 to ready"
    )
    assert not closing.agenda_items.filter(is_open=True).exists()
    # Carried to the next meeting of the board (the earliest), with its minutes, still scheduled.
    moved = AgendaItem.objects.get(case=carried.case, is_open=True)
    assert (moved.meeting, moved.position, moved.minutes_allotted) == (meeting, 1, 10)
    assert not AgendaItem.objects.filter(meeting=later).exists()
    carried.refresh_from_db()
    assert carried.history.latest().history_change_reason == (
        f"Not discussed; carried to the meeting on {local_start(meeting)}"
    )
    assert Case.objects.get(pk=carried.case.pk).status == Case.Status.SCHEDULED
    # Back to ready, on no agenda, with the reason in the case's history.
    case = Case.objects.get(pk=back.case.pk)
    assert case.status == Case.Status.READY
    assert not AgendaItem.objects.filter(case=case, is_open=True).exists()
    assert (
        case.status_reason
        == f"Not discussed at the meeting on {local_start(closing)}; back to ready"
    )
    assert case.history.latest().history_user == cast.coordinator
    # The discussed case keeps its status and its (closed) place.
    assert Case.objects.get(pk=discussed.case.pk).status == Case.Status.DISCUSSED
    # The person responsible for each case is told where it went.
    to_surgeon = Notification.objects.get(recipient=cast.surgeon)
    assert to_surgeon.subject == f"{carried.case} not discussed on {local_start(closing)}"
    assert f"now on the agenda of the meeting on {local_start(meeting)}" in to_surgeon.body
    assert to_surgeon.link == f"/cases/{carried.case.uuid}/"
    to_pain = Notification.objects.get(recipient=cast.specialists["pain_medicine"])
    assert "back to ready for review" in to_pain.body
    assert Notification.objects.count() == 2


def test_close_keeps_long_reasons_in_full(cast, meeting, monkeypatch):
    # History keeps a change's reason in a text column: a reason longer than simple_history's
    # old 100-character default is kept whole, not cut (the meeting's start stands in for any
    # long part of a reason).
    when = "Tue 03 Nov 2026 07:30, " + "in the large lecture theatre of the north wing, " * 2
    when = when.rstrip(", ")
    monkeypatch.setattr("scheduling.services.closing.local_start", lambda _meeting: when)
    closing = running(cast, status=Meeting.Status.IN_PROGRESS)
    carried = on_agenda(closing, 1)
    back = on_agenda(closing, 2)

    services.meeting_close(
        meeting=closing,
        by=cast.coordinator,
        carry_over={carried.case.uuid: NEXT, back.case.uuid: READY},
    )

    moved = f"Not discussed; carried to the meeting on {when}"
    returned = f"Not discussed at the meeting on {when}; back to ready"
    assert min(len(moved), len(returned)) > 100
    carried.refresh_from_db()
    back.refresh_from_db()
    assert carried.history.latest().history_change_reason == moved
    assert back.history.latest().history_change_reason == returned
    case = Case.objects.get(pk=back.case.pk)
    assert (case.status, case.status_reason) == (Case.Status.READY, returned)


def test_a_case_without_an_active_registrar_notifies_the_coordinators(cast, meeting):
    closing = running(cast)
    item = on_agenda(closing, 1, created_by=None)
    services.meeting_close(meeting=closing, by=cast.chair, carry_over={str(item.case.uuid): READY})
    assert list(Notification.objects.values_list("recipient", flat=True)) == [cast.coordinator.pk]


def test_a_full_next_agenda_refuses_the_close_and_names_the_case(cast, meeting):
    closing = running(cast)
    item = on_agenda(closing, 1)
    item.minutes_allotted = 70  # the next meeting lasts 60 minutes
    item.save()
    with pytest.raises(ApplicationError) as excinfo:
        services.meeting_close(
            meeting=closing, by=cast.coordinator, carry_over={str(item.case.uuid): NEXT}
        )
    (problem,) = excinfo.value.fields["carry_over"]
    assert problem.startswith(f"{item.case}: The agenda would need 70 minutes")
    assert problem.endswith("Send it back to ready instead.")
    closing.refresh_from_db()
    assert closing.status == Meeting.Status.PLANNED
    assert AgendaItem.objects.get(case=item.case).is_open is True
    assert not Notification.objects.exists()


def test_a_referred_case_sent_back_stays_referred(cast):
    closing = running(cast)
    item = on_agenda(closing, 1, status=Case.Status.REFERRED)
    services.meeting_close(
        meeting=closing, by=cast.coordinator, carry_over={str(item.case.uuid): READY}
    )
    assert Case.objects.get(pk=item.case.pk).status == Case.Status.REFERRED
    assert not AgendaItem.objects.filter(is_open=True).exists()


def test_next_meeting_is_one_that_has_not_started(cast):
    closing = running(cast)
    item = on_agenda(closing, 1)
    started = running(
        cast, starts_at=minutes_ago(-60 * 24), ends_at=minutes_ago(-60 * 25)
    )  # tomorrow, but already in progress
    started.status = Meeting.Status.IN_PROGRESS
    started.save()
    planned = MeetingFactory(
        board=cast.board, starts_at=in_days(3), ends_at=in_days(3) + dt.timedelta(hours=1)
    )
    services.meeting_close(
        meeting=closing, by=cast.coordinator, carry_over={str(item.case.uuid): NEXT}
    )
    assert AgendaItem.objects.get(case=item.case, is_open=True).meeting == planned
