"""A board's settings, people and duties through the API (api.members)."""

import pytest

from scheduling.models import Board, BoardMembership
from scheduling.tests.helpers import api_url, assert_bad_input, count_queries
from tests.factories import MembershipFactory, SpecialistProfileFactory, UserFactory
from tumorboard import roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(cast):
    return UserFactory(
        username="newcomer", first_name="Nora", last_name="Quill", roles=[roles.SPECIALIST]
    )


@pytest.mark.parametrize("who", ["coordinator", "surgeon"])
def test_members_read_the_board(cast, api, who):
    response = api(getattr(cast, who)).get(api_url("board-detail", cast.board.uuid))
    assert response.status_code == 200
    body = response.json()
    assert body["opinion_deadline_hours"] == 24
    assert body["quorum_min_present"] == 1
    assert body["can_change"] is (who == "coordinator")


def test_coordinator_changes_the_board_and_bad_input_is_a_400(cast, api):
    client = api(cast.chair)
    response = client.patch(
        api_url("board-detail", cast.board.uuid),
        {
            "opinion_deadline_hours": 48,
            "opinions_blind": False,
            "required_disciplines": ["radiation_oncology"],
            "quorum_min_present": 3,
            "time_zone": "America/New_York",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    board = Board.objects.get(pk=cast.board.pk)
    assert (board.opinion_deadline_hours, board.opinions_blind) == (48, False)
    assert (board.required_disciplines, board.quorum_min_present) == (["radiation_oncology"], 3)
    assert board.history.first().history_user == cast.chair
    for body, field in [
        ({"opinion_deadline_hours": -1}, "opinion_deadline_hours"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"required_disciplines": ["cardiology"]}, "required_disciplines"),
        ({"escc_1c_high_grade": True}, "escc_1c_high_grade"),  # at .../settings/
    ]:
        assert_bad_input(
            client.patch(api_url("board-detail", cast.board.uuid), body, format="json"), field
        )
    assert Board.objects.get(pk=cast.board.pk).history.count() == board.history.count()


@pytest.mark.parametrize(("who", "code"), [("surgeon", 403), ("outsider", 404)])
def test_others_cannot_change_the_board_or_its_members(cast, api, newcomer, who, code):
    client = api(getattr(cast, who))
    board = cast.board.uuid
    assert (
        client.patch(
            api_url("board-detail", board), {"opinion_deadline_hours": 1}, format="json"
        ).status_code
        == code
    )
    assert (
        client.post(
            api_url("board-members", board), {"user": newcomer.pk}, format="json"
        ).status_code
        == code
    )
    assert (
        client.patch(
            api_url("board-member", board, cast.surgeon.pk), {"role": "chair"}, format="json"
        ).status_code
        == code
    )
    assert client.delete(api_url("board-member", board, cast.surgeon.pk)).status_code == code
    assert (
        client.post(api_url("board-staff-search", board), {"q": "quill"}, format="json").status_code
        == code
    )
    assert Board.objects.get(pk=cast.board.pk).opinion_deadline_hours == 24
    assert BoardMembership.objects.get(board=cast.board, user=cast.surgeon).role == "member"
    assert not BoardMembership.objects.filter(user=newcomer).exists()


def test_coordinator_searches_adds_changes_and_removes_a_member(cast, api, newcomer):
    client = api(cast.coordinator)
    board = cast.board.uuid
    found = client.post(api_url("board-staff-search", board), {"q": "quill"}, format="json")
    assert found.status_code == 200
    assert found.json() == {
        "results": [{"id": newcomer.pk, "name": "Nora Quill", "discipline": ""}],
        "more": False,
    }
    added = client.post(
        api_url("board-members", board), {"user": newcomer.pk, "role": "member"}, format="json"
    )
    assert added.status_code == 201, added.json()
    assert added.json()["role"] == "member"
    changed = client.patch(
        api_url("board-member", board, newcomer.pk), {"role": "coordinator"}, format="json"
    )
    assert changed.json()["role"] == "coordinator"
    listed = client.get(api_url("board-members", board)).json()
    assert {row["name"]: row["role"] for row in listed}["Nora Quill"] == "coordinator"
    assert client.delete(api_url("board-member", board, newcomer.pk)).status_code == 204
    assert client.delete(api_url("board-member", board, newcomer.pk)).status_code == 404


def test_member_refusals_are_400s_with_field_errors(cast, api, newcomer):
    client = api(cast.coordinator)
    board = cast.board.uuid
    assert_bad_input(
        client.post(api_url("board-members", board), {"user": 999999}, format="json"), "user"
    )
    assert_bad_input(
        client.post(api_url("board-members", board), {"user": cast.surgeon.pk}, format="json"),
        "user",
    )
    assert_bad_input(
        client.post(
            api_url("board-members", board), {"user": newcomer.pk, "role": "boss"}, format="json"
        ),
        "role",
    )
    body = assert_bad_input(
        client.delete(api_url("board-member", board, cast.coordinator.pk)), "role"
    )
    assert "at least one coordinator" in body["role"][0]
    assert_bad_input(client.post(api_url("board-staff-search", board), {}, format="json"), "q")


def test_the_member_list_costs_the_same_however_many_members(cast, api):
    client = api(cast.coordinator)
    path = api_url("board-members", cast.board.uuid)
    few = count_queries(client, path)
    for n in range(5):
        user = UserFactory(username=f"extra{n}", roles=[roles.SPECIALIST])
        SpecialistProfileFactory(user=user)
        MembershipFactory(board=cast.board, user=user)
    assert count_queries(client, path) == few
