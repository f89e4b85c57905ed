"""The case picker: POST /api/v1/boards/{uuid}/schedulable-cases/ (api.boards)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from scheduling import services
from scheduling.selectors import PICKER_MAX_LIMIT
from scheduling.tests.helpers import api_url, assert_bad_input, ready_case
from tests.factories import AgendaItemFactory, CaseFactory, MeetingFactory, PatientFactory, in_days

pytestmark = pytest.mark.django_db


def _pick(client, board, **body):
    return client.post(api_url("board-schedulable-cases", board.uuid), body, format="json")


def _uuids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["uuid"] for item in response.json()["results"]]


def test_empty_search_lists_the_most_urgent_first(cast, api, meeting):
    routine = ready_case(cast.board)
    emergency = ready_case(cast.board, urgency=Case.Urgency.EMERGENCY)
    urgent = ready_case(cast.board, urgency=Case.Urgency.URGENT)
    on_agenda = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=on_agenda, by=cast.coordinator)
    ready_case(cast.board, status=Case.Status.CLOSED)
    ready_case(cast.other_board)
    response = _pick(api(cast.surgeon), cast.board)
    assert _uuids(response) == [str(c.uuid) for c in (emergency, urgent, routine)]
    body = response.json()
    assert body["more"] is False and body["searched"] is False
    assert body["results"][0]["label"].startswith(emergency.patient.family_name.upper())


def test_search_by_mrn_exactly_and_by_name_prefix(cast, api):
    ada = CaseFactory(
        board=cast.board,
        patient=PatientFactory(mrn="MRN-0042", given_name="Ada", family_name="Lovelace"),
    )
    CaseFactory(
        board=cast.board,
        patient=PatientFactory(mrn="MRN-00421", given_name="Bob", family_name="Loveday"),
    )
    client = api(cast.coordinator)
    assert _uuids(_pick(client, cast.board, q="mrn-0042")) == [str(ada.uuid)]
    assert len(_uuids(_pick(client, cast.board, q="love"))) == 2
    assert _uuids(_pick(client, cast.board, q="ada")) == [str(ada.uuid)]
    assert _uuids(_pick(client, cast.board, q="Lovelace, A")) == [str(ada.uuid)]
    assert _uuids(_pick(client, cast.board, q="Ada Love")) == [str(ada.uuid)]
    assert _uuids(_pick(client, cast.board, q="MRN-004")) == []  # an MRN matches whole only
    body = _pick(client, cast.board, q="zzz").json()
    assert body == {"results": [], "more": False, "searched": True}


def test_limit_is_capped_and_more_is_said(cast, api):
    for _ in range(4):
        CaseFactory(board=cast.board)
    client = api(cast.coordinator)
    body = _pick(client, cast.board, limit=3).json()
    assert len(body["results"]) == 3 and body["more"] is True
    assert _pick(client, cast.board, limit=10**30).status_code == 200
    assert PICKER_MAX_LIMIT == 50
    assert_bad_input(_pick(client, cast.board, limit=0), "limit")
    assert_bad_input(_pick(client, cast.board, q="x" * 201), "q")
    assert_bad_input(_pick(client, cast.board, sort="name"), "sort")


def test_with_a_meeting_its_own_cases_are_left_out(cast, api, meeting):
    closed_item = ready_case(cast.board)  # its item on the meeting is closed: not held
    AgendaItemFactory(meeting=meeting, case=closed_item, is_open=False)
    other = ready_case(cast.board)
    client = api(cast.coordinator)
    assert _uuids(_pick(client, cast.board)) == [str(closed_item.uuid), str(other.uuid)]
    assert _uuids(_pick(client, cast.board, meeting=str(meeting.uuid))) == [str(other.uuid)]
    elsewhere = MeetingFactory(board=cast.other_board, starts_at=in_days(3), ends_at=in_days(3, 9))
    assert_bad_input(_pick(client, cast.board, meeting=str(elsewhere.uuid)), "meeting")
    assert_bad_input(_pick(client, cast.board, meeting="nope"), "meeting")


def test_scope_and_refusals(cast, api):
    ready_case(cast.board)
    assert _pick(api(cast.outsider), cast.board).status_code == 404
    assert _pick(api(cast.patient_user), cast.board).status_code == 403
    assert _pick(api(None), cast.board).status_code in (401, 403)


def test_query_count_is_constant(cast, api, meeting):
    client = api(cast.coordinator)
    ready_case(cast.board)

    def queries():
        _pick(client, cast.board, q="fam", meeting=str(meeting.uuid))
        with CaptureQueriesContext(connection) as ctx:
            assert _pick(client, cast.board, q="fam", meeting=str(meeting.uuid)).status_code == 200
        return len(ctx)

    few = queries()
    for _ in range(30):
        CaseFactory(board=cast.board)
        CaseFactory(board=cast.other_board)
    assert queries() == few
