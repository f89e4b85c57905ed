"""A board's people and their duties (services.members)."""

import pytest
from django.core.exceptions import PermissionDenied

from scheduling import services
from scheduling.access import board_roles
from scheduling.models import BoardMembership
from tests.factories import UserFactory
from tumorboard import roles
from tumorboard.errors import ApplicationError

pytestmark = pytest.mark.django_db
Role = BoardMembership.Role


def duties(board) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for username, role in BoardMembership.objects.filter(board=board).values_list(
        "user__username", "role"
    ):
        found.setdefault(username, []).append(role)
    return found


@pytest.fixture
def newcomer(cast):
    """A specialist on no board yet."""
    return UserFactory(username="newcomer", roles=[roles.SPECIALIST])


@pytest.mark.parametrize("who", ["coordinator", "chair"])
def test_coordinator_and_chair_add_a_member_with_a_duty(cast, person, newcomer, who):
    membership = services.board_member_add(
        board=cast.board, user=newcomer, role=Role.COORDINATOR, by=person(who)
    )
    assert duties(cast.board)["newcomer"] == ["coordinator"]
    assert membership.history.get().history_user == person(who)
    assert board_roles(newcomer, cast.board).coordinates is True


@pytest.mark.parametrize("who", ["surgeon", "other_coordinator", "patient_user"])
def test_others_cannot_add_change_or_remove_members(cast, person, newcomer, who):
    before = duties(cast.board)
    with pytest.raises(PermissionDenied):
        services.board_member_add(board=cast.board, user=newcomer, role="member", by=person(who))
    with pytest.raises(PermissionDenied):
        services.board_member_set_role(
            board=cast.board, user=cast.surgeon, role="chair", by=person(who)
        )
    with pytest.raises(PermissionDenied):
        services.board_member_remove(board=cast.board, user=cast.surgeon, by=person(who))
    assert duties(cast.board) == before


def test_only_active_clinical_staff_not_yet_on_the_board_can_be_added(cast, newcomer):
    for user, message in [
        (cast.patient_user, "Choose an active member of the clinical staff."),
        (cast.stranger, "Choose an active member of the clinical staff."),
        (cast.surgeon, "is already on the board: change their duty."),
    ]:
        with pytest.raises(ApplicationError) as excinfo:
            services.board_member_add(
                board=cast.board, user=user, role="member", by=cast.coordinator
            )
        assert message in excinfo.value.fields["user"][0]
    with pytest.raises(ApplicationError) as excinfo:
        services.board_member_add(
            board=cast.board, user=newcomer, role="secretary", by=cast.coordinator
        )
    assert list(excinfo.value.fields) == ["role"]
    assert "newcomer" not in duties(cast.board)


def test_a_duty_changes_in_place_and_is_attributed(cast):
    services.board_member_set_role(
        board=cast.board, user=cast.surgeon, role=Role.CHAIR, by=cast.coordinator
    )
    assert duties(cast.board)["spec_spine_surgery"] == ["chair"]
    row = BoardMembership.objects.get(board=cast.board, user=cast.surgeon)
    assert row.history.first().history_user == cast.coordinator
    assert row.history.first().prev_record.role == "member"


def test_several_duties_become_one(cast):
    BoardMembership.objects.create(board=cast.board, user=cast.chair, role=Role.MEMBER)
    services.board_member_set_role(
        board=cast.board, user=cast.chair, role=Role.MEMBER, by=cast.coordinator
    )
    assert duties(cast.board)["chair"] == ["member"]


def test_the_last_coordinator_is_neither_removed_nor_demoted(cast, newcomer):
    with pytest.raises(ApplicationError) as excinfo:
        services.board_member_remove(board=cast.board, user=cast.coordinator, by=cast.chair)
    assert "at least one coordinator" in excinfo.value.fields["role"][0]
    with pytest.raises(ApplicationError):
        services.board_member_set_role(
            board=cast.board, user=cast.coordinator, role=Role.MEMBER, by=cast.coordinator
        )
    assert duties(cast.board)["coord"] == ["coordinator"]
    # With a second coordinator, the first may go.
    services.board_member_add(
        board=cast.board, user=newcomer, role=Role.COORDINATOR, by=cast.coordinator
    )
    services.board_member_remove(board=cast.board, user=cast.coordinator, by=cast.coordinator)
    assert "coord" not in duties(cast.board)
    assert board_roles(cast.coordinator, cast.board).coordinates is False


def test_removal_is_attributed_and_refused_for_someone_not_on_the_board(cast, newcomer):
    services.board_member_remove(board=cast.board, user=cast.surgeon, by=cast.chair)
    deleted = BoardMembership.history.filter(history_type="-").get()
    assert (deleted.user_id, deleted.history_user) == (cast.surgeon.pk, cast.chair)
    with pytest.raises(ApplicationError) as excinfo:
        services.board_member_remove(board=cast.board, user=newcomer, by=cast.chair)
    assert "is not on this board" in excinfo.value.fields["user"][0]
