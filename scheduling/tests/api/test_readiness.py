"""The readiness board through the API (api.readiness)."""

import pytest

from cases.models import Case
from scheduling import services
from scheduling.tests.helpers import api_url, assert_bad_input, count_queries, ready_case
from tests.factories import BoardFactory, CaseFactory, LesionFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_readiness_board_groups_cases_by_state(cast, api, meeting):
    referred = CaseFactory(board=cast.board)
    ready = ready_case(cast.board)
    scheduled = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=scheduled, by=cast.coordinator)
    signed = ready_case(cast.board, status=Case.Status.PLAN_SIGNED)
    ready_case(cast.board, status=Case.Status.CLOSED)
    ready_case(cast.other_board)
    body = api(cast.surgeon).get(api_url("readiness-board")).json()
    columns = {column["state"]: [c["uuid"] for c in column["cases"]] for column in body}
    assert columns == {
        "referred": [str(referred.uuid)],
        "ready": [str(ready.uuid)],
        "scheduled": [str(scheduled.uuid)],
        "discussed": [],
        "follow_up": [str(signed.uuid)],
        "deferred": [],
    }
    scheduled_card = body[2]["cases"][0]
    assert scheduled_card["meeting"]["uuid"] == str(meeting.uuid)
    referred_card = body[0]["cases"][0]
    assert referred_card["readiness"]["ready"] is False
    assert "Spine MRI (no dated MRI on any lesion)" in referred_card["readiness"]["missing"]


def test_readiness_board_filters_by_board(cast, api):
    ready_case(cast.board)
    other = BoardFactory(name="Third board")
    MembershipFactory(board=other, user=cast.coordinator, role="coordinator")
    mine_there = ready_case(other)
    client = api(cast.coordinator)
    body = client.get(api_url("readiness-board"), {"board": str(other.uuid)}).json()
    assert [c["uuid"] for column in body for c in column["cases"]] == [str(mine_there.uuid)]
    assert_bad_input(client.get(api_url("readiness-board"), {"board": "x"}), "board")
    hidden = client.get(api_url("readiness-board"), {"board": str(cast.other_board.uuid)})
    assert_bad_input(hidden, "board")


def test_readiness_board_query_count_is_constant(cast, api, meeting):
    client = api(cast.coordinator)
    for _ in range(3):
        case = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    few = count_queries(client, api_url("readiness-board"))
    for i in range(9):
        case = ready_case(cast.board, status=Case.Status.REFERRED if i % 2 else Case.Status.READY)
        LesionFactory(case=case, level="L2")
    assert count_queries(client, api_url("readiness-board")) == few


def test_a_column_pages_by_cursor_through_every_case_once(cast, api):
    cases = [ready_case(cast.board) for _ in range(5)]
    urgent = ready_case(cast.board, urgency=Case.Urgency.URGENT)
    client = api(cast.coordinator)
    board = {c["state"]: c for c in client.get(api_url("readiness-board")).json()}
    assert board["ready"]["count"] == 6 and board["ready"]["next"] is None
    seen, url, params = [], api_url("readiness-column", "ready"), {"limit": 2}
    while url:
        body = client.get(url, params).json()
        assert body["count"] == 6 and len(body["cases"]) <= 2
        seen += [c["uuid"] for c in body["cases"]]
        url, params = body["next"], {}
    assert seen == [str(c.uuid) for c in [urgent, *cases]]


def test_a_column_refuses_bad_input(cast, api):
    client = api(cast.coordinator)
    assert client.get(api_url("readiness-column", "nowhere")).status_code == 404
    assert_bad_input(client.get(api_url("readiness-column", "ready"), {"cursor": "x"}), "cursor")
    assert_bad_input(client.get(api_url("readiness-column", "ready"), {"limit": 0}), "limit")
    hidden = {"board": str(cast.other_board.uuid)}
    assert_bad_input(client.get(api_url("readiness-column", "ready"), hidden), "board")


def test_a_column_query_count_is_constant_however_deep(cast, api):
    client = api(cast.coordinator)
    for _ in range(3):
        ready_case(cast.board)
    first = count_queries(client, api_url("readiness-column", "ready"), limit=1)
    body = client.get(api_url("readiness-column", "ready"), {"limit": 1}).json()
    deeper = client.get(body["next"]).json()
    assert deeper["next"]
    assert count_queries(client, deeper["next"]) == first
