"""Two coordinators editing one agenda at once (services.agenda), on PostgreSQL: each thread has
its own connection.

A short pause is slipped into the renumbering so the transactions really overlap: the second
must wait for the first's lock on the meeting row, then see its result.
"""

import datetime as dt

import pytest
from django.utils import timezone

from scheduling import services
from scheduling.models import AgendaItem
from scheduling.tests.helpers import ready_case, run_concurrently
from tests.factories import MeetingFactory
from tumorboard.errors import ConflictError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agenda(cast):
    start = timezone.now() + dt.timedelta(days=5)
    meeting = MeetingFactory(
        board=cast.board, starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    items = [
        services.agenda_item_add(meeting=meeting, case=ready_case(cast.board), by=cast.coordinator)
        for _ in range(5)
    ]
    return meeting, items


def final_positions(meeting):
    return list(meeting.agenda_items.order_by("position").values_list("pk", "position"))


def test_concurrent_reorders_never_duplicate_or_lose_a_position(cast, agenda, slow_renumbering):
    meeting, items = agenda
    ids = [item.pk for item in items]
    # Each order leaves one case where it was (ids[2], ids[0]) and the other moves it: working
    # from a stale view, the later transaction would put two cases on one position.
    first, second = list(reversed(ids)), [ids[0], ids[2], ids[1], ids[4], ids[3]]

    outcomes = run_concurrently(
        lambda: services.agenda_reorder(meeting=meeting, order=first, by=cast.coordinator),
        lambda: services.agenda_reorder(meeting=meeting, order=second, by=cast.chair),
    )

    assert [o[0] for o in outcomes] == ["ok", "ok"]  # same items: both apply, one after the other
    rows = final_positions(meeting)
    assert [pos for _, pos in rows] == [1, 2, 3, 4, 5]
    assert sorted(pk for pk, _ in rows) == sorted(ids)
    assert [pk for pk, _ in rows] in (first, second)
    # Whichever committed last wins, and its result is exactly what it returned.
    last = max(AgendaItem.objects.filter(pk__in=ids), key=lambda i: i.updated_at).updated_by
    assert [pk for pk, _ in rows] == (first if last == cast.coordinator else second)


def test_reorder_racing_an_addition_is_refused_or_keeps_the_new_case(
    cast, agenda, slow_renumbering
):
    meeting, items = agenda
    ids = [item.pk for item in items]
    wanted = list(reversed(ids))
    newcomer = ready_case(cast.board)

    reorder, add = run_concurrently(
        lambda: services.agenda_reorder(meeting=meeting, order=wanted, by=cast.chair),
        lambda: services.agenda_item_add(meeting=meeting, case=newcomer, by=cast.coordinator),
    )

    assert add[0] == "ok"
    rows = final_positions(meeting)
    assert [pos for _, pos in rows] == [1, 2, 3, 4, 5, 6]
    assert sorted(pk for pk, _ in rows) == sorted([*ids, add[1].pk])
    if reorder[0] == "ok":  # the reorder went first; the addition went to the end
        assert [pk for pk, _ in rows] == [*wanted, add[1].pk]
    else:  # the addition went first; the stale order was refused, nothing lost
        assert isinstance(reorder[1], ConflictError)
        assert [pk for pk, _ in rows] == [*ids, add[1].pk]


def test_concurrent_additions_take_distinct_positions(cast, agenda, slow_renumbering):
    meeting, items = agenda
    newcomers = [ready_case(cast.board) for _ in range(3)]
    outcomes = run_concurrently(
        *[
            (
                lambda case=case: services.agenda_item_add(
                    meeting=meeting, case=case, by=cast.coordinator
                )
            )
            for case in newcomers
        ]
    )
    assert [o[0] for o in outcomes] == ["ok"] * 3
    assert [pos for _, pos in final_positions(meeting)] == [1, 2, 3, 4, 5, 6, 7, 8]


def test_one_case_cannot_go_on_two_agendas_at_once(cast, agenda):
    meeting, _ = agenda
    start = meeting.starts_at + dt.timedelta(days=7)
    later = MeetingFactory(board=cast.board, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    case = ready_case(cast.board)
    outcomes = run_concurrently(
        lambda: services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator),
        lambda: services.agenda_item_add(meeting=later, case=case, by=cast.chair),
    )
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert AgendaItem.objects.filter(case=case).count() == 1
