"""Who reads which summary, and who may release one (selectors): allowed/refused pairs."""

from __future__ import annotations

import pytest

from recommendations.models import ConsensusPlan, PatientSummary
from recommendations.patient_summaries import selectors
from tests.factories import MembershipFactory, UserFactory
from tumorboard import roles

pytestmark = pytest.mark.django_db


def test_a_patient_sees_only_their_own_released_summaries_newest_first(cast, summaries, release):
    released, draft, other = summaries
    assert list(selectors.released_summaries_for_patient(cast.patient_user)) == [released]
    newer = release(draft)
    assert list(selectors.released_summaries_for_patient(cast.patient_user)) == [newer, released]
    assert other not in selectors.released_summaries_for_patient(cast.patient_user)


@pytest.mark.parametrize("who", ["chair", "coordinator", "outsider", "stranger"])
def test_only_patients_have_released_summaries_of_their_own(cast, summaries, who):
    assert not selectors.released_summaries_for_patient(getattr(cast, who)).exists()


def test_the_newest_released_summary_of_a_case_is_current(cast, summaries, release):
    released, draft, _other = summaries
    assert selectors.is_newest_released(released)
    newer = release(draft)
    released.refresh_from_db()
    assert not selectors.is_newest_released(released)
    assert selectors.is_newest_released(newer)


def test_staff_of_the_board_see_every_version_others_none(cast, summaries):
    released, draft, other = summaries
    mine = {released.pk, draft.pk, other.pk}
    assert set(selectors.summaries_for_staff(cast.coordinator).values_list("pk", flat=True)) == mine
    for who in ("outsider", "patient_user", "stranger"):
        assert not selectors.summaries_for_staff(getattr(cast, who)).exists(), who
    assert selectors.staff_summary(user=cast.chair, uuid=draft.uuid) == draft
    with pytest.raises(PatientSummary.DoesNotExist):
        selectors.staff_summary(user=cast.outsider, uuid=draft.uuid)


def test_a_plan_is_found_for_staff_of_its_board_only(cast, plan):
    assert selectors.plan_for_staff(user=cast.coordinator, uuid=plan.uuid) == plan
    for who in ("outsider", "patient_user"):
        with pytest.raises(ConsensusPlan.DoesNotExist):
            selectors.plan_for_staff(user=getattr(cast, who), uuid=plan.uuid)


def test_a_plans_summaries_are_listed_newest_first(cast, summaries):
    released, draft, _other = summaries
    assert list(selectors.plan_summaries(draft.plan)) == [draft, released]


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("chair", True), ("surgeon", True), ("coordinator", False), ("outsider", False)],
)
def test_can_release_is_for_the_chair_and_specialist_members(draft, cast, who, allowed):
    assert selectors.can_release(getattr(cast, who), draft) is allowed


def test_a_specialist_who_is_only_a_coordinator_of_the_board_may_not_release(draft, cast):
    user = UserFactory(username="spec-coord", roles=[roles.SPECIALIST])
    MembershipFactory(board=cast.board, user=user, role="coordinator")
    assert not selectors.can_release(user, draft)
    assert selectors.can_release(cast.surgeon, draft)


def test_the_patients_contact_is_the_boards_first_active_coordinator(cast, plan):
    board = plan.decision.agenda_item.meeting.board
    assert selectors.coordinator_name(board) == cast.coordinator.get_full_name()
    type(cast.coordinator).objects.filter(pk=cast.coordinator.pk).update(is_active=False)
    assert selectors.coordinator_name(board) == ""


def test_the_patient_of_a_summary(cast, draft):
    assert selectors.patient_of(draft) == cast.patient
