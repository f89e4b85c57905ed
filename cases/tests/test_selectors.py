"""Reads scoped to the user: which boards, cases and patients each person may see."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import selectors
from cases.models import Case
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    MeetingFactory,
    MembershipFactory,
    PatientFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_related_model_follows_the_case_relations(cast):
    board_model = selectors.related_model("board")
    assert board_model is type(cast.board)
    item = AgendaItemFactory(case=CaseFactory(board=cast.board))
    assert selectors.related_model("agenda_items") is type(item)
    assert selectors.related_model("agenda_items__meeting") is type(item.meeting)


def test_boards_of_a_member_an_outsider_a_superuser_and_a_patient(cast):
    assert list(selectors.boards_of(cast.surgeon)) == [cast.board]
    assert list(selectors.boards_of(cast.outsider)) == [cast.other_board]
    superuser = UserFactory(username="root", is_superuser=True)
    assert set(selectors.boards_of(superuser)) == {cast.board, cast.other_board}
    assert not selectors.boards_of(cast.patient_user).exists()
    assert not selectors.boards_of(cast.stranger).exists()


def test_a_user_with_two_roles_on_a_board_sees_it_once(cast):
    # The chair is also given the coordinator role: a join would list the board twice.
    MembershipFactory(board=cast.board, user=cast.chair, role="coordinator")
    assert list(selectors.boards_of(cast.chair)) == [cast.board]
    CaseFactory(board=cast.board)
    assert selectors.cases_visible_to(cast.chair).count() == 1


def test_case_scope_is_a_subquery_without_distinct(cast):
    CaseFactory(board=cast.board)
    with CaptureQueriesContext(connection) as queries:
        list(selectors.cases_visible_to(cast.surgeon))
    sql = queries.captured_queries[-1]["sql"].upper()
    assert "DISTINCT" not in sql
    assert " IN (SELECT" in sql


def test_cases_visible_to_each_role(cast):
    ours = CaseFactory(board=cast.board)
    theirs = CaseFactory(board=cast.other_board)
    assert list(selectors.cases_visible_to(cast.coordinator)) == [ours]
    assert list(selectors.cases_visible_to(cast.outsider)) == [theirs]
    assert not selectors.cases_visible_to(cast.patient_user).exists()
    assert not selectors.cases_visible_to(cast.stranger).exists()


def test_patients_visible_to_includes_one_just_registered(cast):
    on_our_board = CaseFactory(board=cast.board).patient
    just_registered = PatientFactory(created_by=cast.surgeon)
    elsewhere = CaseFactory(board=cast.other_board).patient
    assert set(selectors.patients_visible_to(cast.surgeon)) == {on_our_board, just_registered}
    assert set(selectors.patients_visible_to(cast.outsider)) == {elsewhere}
    assert not selectors.patients_visible_to(cast.patient_user).exists()


def test_case_list_orders_by_urgency_then_newest_and_filters(cast):
    routine = CaseFactory(board=cast.board, urgency="routine")
    emergency = CaseFactory(board=cast.board, urgency="emergency")
    urgent = CaseFactory(board=cast.board, urgency="urgent", status="ready")
    assert list(selectors.case_list(user=cast.chair)) == [emergency, urgent, routine]
    assert list(selectors.case_list(user=cast.chair, filters={"status": "ready"})) == [urgent]
    filtered = selectors.case_list(user=cast.chair, filters={"board": cast.other_board.uuid})
    assert not filtered.exists()


def test_case_detail_leaves_cancelled_meetings_out_of_the_agenda(cast):
    case = CaseFactory(board=cast.board)
    planned = AgendaItemFactory(case=case, meeting=MeetingFactory(board=cast.board))
    cancelled = MeetingFactory(board=cast.board, status="cancelled")
    AgendaItemFactory(case=case, meeting=cancelled, is_open=False)
    detail = selectors.case_detail(user=cast.surgeon, uuid=case.uuid)
    assert list(detail.agenda_items.all()) == [planned]
    with pytest.raises(Case.DoesNotExist):
        selectors.case_detail(user=cast.outsider, uuid=case.uuid)
