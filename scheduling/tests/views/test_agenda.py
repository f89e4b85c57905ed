"""The agenda editor of the meeting page (views.agenda)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from recommendations.models import DecisionRecord
from scheduling import services
from scheduling.models import AgendaItem
from scheduling.tests.helpers import (
    add_to_agenda,
    agenda_order,
    page,
    ready_case,
    row_of,
    run_concurrently,
)
from tests.factories import CaseFactory, MeetingFactory, in_days

pytestmark = pytest.mark.django_db


def test_add_a_case_from_the_candidates(cast, coordinator, meeting):
    case = ready_case(cast.board)
    elsewhere = ready_case(cast.other_board)
    html = page(coordinator, reverse("meeting-detail", args=[meeting.uuid]))
    assert f'value="{case.uuid}"' in html
    assert f'value="{elsewhere.uuid}"' not in html
    response = add_to_agenda(coordinator, meeting, case, 15)
    assert response.status_code == 302
    assert AgendaItem.objects.get().minutes_allotted == 15
    html = page(coordinator, reverse("meeting-detail", args=[meeting.uuid]))
    assert f'value="{case.uuid}"' not in html.split('class="add-case"')[-1]  # no longer offered


def test_add_an_unknown_case_is_a_form_error(cast, coordinator, meeting):
    response = coordinator.post(reverse("agenda-add", args=[meeting.uuid]), {"add-case": "x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "Case: “x” is not a valid UUID." in html
    assert not AgendaItem.objects.exists()


def test_move_up_and_down_and_remove(cast, coordinator, meeting):
    a, b, c = (ready_case(cast.board) for _ in range(3))
    for case in (a, b, c):
        assert add_to_agenda(coordinator, meeting, case).status_code == 302
    move = lambda case, direction: coordinator.post(  # noqa: E731
        reverse("agenda-move", args=[meeting.uuid, case.uuid]), {"direction": direction}
    )
    assert move(c, "up").status_code == 302
    assert agenda_order(meeting) == [a.pk, c.pk, b.pk]
    move(a, "down")
    assert agenda_order(meeting) == [c.pk, a.pk, b.pk]
    move(c, "up")  # already first: stays
    assert agenda_order(meeting) == [c.pk, a.pk, b.pk]
    assert move(a, "sideways").status_code == 302
    assert agenda_order(meeting) == [c.pk, a.pk, b.pk]
    response = coordinator.post(reverse("agenda-remove", args=[meeting.uuid, a.uuid]))
    assert response.status_code == 302
    assert agenda_order(meeting) == [c.pk, b.pk]
    assert list(AgendaItem.objects.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
    ]
    a.refresh_from_db()
    assert a.status == Case.Status.READY
    html = page(coordinator, reverse("meeting-detail", args=[meeting.uuid]))
    first = row_of(html, c)
    assert 'value="up" class="button button--small" disabled' in first
    assert "Move case 1 down" in first


def test_badges_urgent_late_and_readiness(cast, coordinator, meeting):
    routine = ready_case(cast.board)
    not_ready = CaseFactory(board=cast.board, status=Case.Status.REFERRED)
    compression = ready_case(cast.board, neuro_progression=Case.Progression.DAYS)
    add_to_agenda(coordinator, meeting, routine)
    coordinator.post(reverse("meeting-circulate", args=[meeting.uuid]))
    add_to_agenda(coordinator, meeting, not_ready)
    add_to_agenda(coordinator, meeting, compression)
    assert agenda_order(meeting) == [compression.pk, routine.pk, not_ready.pk]
    html = page(coordinator, reverse("meeting-detail", args=[meeting.uuid]))
    urgent_row = row_of(html, compression)
    assert "placed first" in urgent_row
    assert "badge--" not in urgent_row  # routine: no urgency word, only the flag
    assert "Cord compression" in urgent_row
    assert "Late addition" in urgent_row
    assert ">Ready<" in row_of(html, routine)
    assert "Late addition" not in row_of(html, routine)
    late_row = row_of(html, not_ready)
    assert "Late addition" in late_row
    assert "Not ready: " in late_row
    assert "Performance status (KPS or ECOG)" in late_row
    assert "Spine MRI (no dated MRI on any lesion)" in late_row
    assert "1 case is not ready" in html
    assert "Agenda circulated" in html


def test_minutes_change_and_overbooking_override(cast, coordinator, meeting):
    a, b = ready_case(cast.board), ready_case(cast.board)
    add_to_agenda(coordinator, meeting, a, 40)
    add_to_agenda(coordinator, meeting, b, 20)
    minutes = reverse("agenda-minutes", args=[meeting.uuid, b.uuid])
    field = f"min-{b.uuid.hex[:12]}-minutes_allotted"
    response = coordinator.post(minutes, {field: 30})
    assert response.status_code == 400
    assert "0 minutes are left on this agenda." in response.content.decode()
    assert AgendaItem.objects.get(case=b).minutes_allotted == 20
    response = coordinator.post(minutes, {field: 0})
    assert response.status_code == 400
    assert AgendaItem.objects.get(case=b).minutes_allotted == 20

    response = coordinator.post(
        reverse("meeting-overbooking", args=[meeting.uuid]), {"overbook-reason": ""}
    )
    assert response.status_code == 400
    response = coordinator.post(
        reverse("meeting-overbooking", args=[meeting.uuid]),
        {"overbook-reason": "Two urgent referrals"},
    )
    assert response.status_code == 302
    assert coordinator.post(minutes, {field: 30}).status_code == 302
    assert AgendaItem.objects.get(case=b).minutes_allotted == 30
    html = page(coordinator, reverse("meeting-detail", args=[meeting.uuid]))
    assert "overbooked by 10 min" in html
    assert "Two urgent referrals" in html


def test_defer_with_a_reason(cast, coordinator, meeting):
    later = MeetingFactory(board=cast.board, starts_at=in_days(12), ends_at=in_days(12, 8, 30))
    case = ready_case(cast.board)
    add_to_agenda(coordinator, meeting, case)
    defer = reverse("agenda-defer", args=[meeting.uuid, case.uuid])
    field = f"defer-{case.uuid.hex[:12]}-reason"
    response = coordinator.post(defer, {field: ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert agenda_order(meeting) == [case.pk]
    response = coordinator.post(defer, {field: "Awaiting MRI"}, follow=True)
    assert "Case deferred to the meeting on" in response.content.decode()
    assert agenda_order(meeting) == []
    assert agenda_order(later) == [case.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_moving_at_once_lose_nothing(cast, slow_renumbering):
    start = timezone.now() + dt.timedelta(days=5)
    meeting = MeetingFactory(
        board=cast.board, starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    a, b, c, d, e = (ready_case(cast.board) for _ in range(5))
    for case in (a, b, c, d, e):
        services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    clients = []
    for user in (cast.coordinator, cast.chair):
        client = Client()
        client.force_login(user)
        clients.append(client)

    def move(client, case, direction):
        return lambda: (
            client.post(
                reverse("agenda-move", args=[meeting.uuid, case.uuid]), {"direction": direction}
            ).status_code
        )

    outcomes = run_concurrently(move(clients[0], e, "up"), move(clients[1], a, "down"))
    assert outcomes == [("ok", 302), ("ok", 302)]
    assert agenda_order(meeting) == [b.pk, a.pk, c.pk, e.pk, d.pk]
    positions = AgendaItem.objects.filter(meeting=meeting).order_by("position")
    assert list(positions.values_list("position", flat=True)) == [1, 2, 3, 4, 5]


def test_the_search_button_finds_a_case_without_javascript(cast, coordinator, meeting):
    wanted = ready_case(cast.board)
    other = ready_case(cast.board)
    url = reverse("agenda-add", args=[meeting.uuid])
    response = coordinator.post(
        url, {"add-search": "1", "add-q": wanted.patient.mrn.lower(), "add-minutes_allotted": "12"}
    )
    assert response.status_code == 200
    form = response.content.decode().split('class="add-case')[1].split("</form>")[0]
    assert f'value="{wanted.uuid}"' in form and f'value="{other.uuid}"' not in form
    assert "Cases matching your search, most urgent first." in form
    assert 'value="12"' in form  # what was typed is kept
    assert not meeting.agenda_items.exists()
    response = coordinator.post(url, {"add-search": "1", "add-q": "nobody-by-this-name"})
    assert "No case waiting for an agenda matches your search." in response.content.decode()


def test_remove_or_defer_of_a_case_with_a_decision_record_is_refused(cast, coordinator, meeting):
    case = ready_case(cast.board)
    add_to_agenda(coordinator, meeting, case)
    item = AgendaItem.objects.get(meeting=meeting, case=case)
    DecisionRecord.objects.create(agenda_item=item, created_by=cast.chair)
    response = coordinator.post(
        reverse("agenda-remove", args=[meeting.uuid, case.uuid]), follow=True
    )
    assert response.status_code == 200
    assert "cannot be taken off this agenda" in response.content.decode()
    field = f"defer-{case.uuid.hex[:12]}-reason"
    response = coordinator.post(
        reverse("agenda-defer", args=[meeting.uuid, case.uuid]), {field: "Awaiting MRI"}
    )
    assert response.status_code == 409
    assert "cannot be taken off this agenda" in response.content.decode()
    assert agenda_order(meeting) == [case.pk]
