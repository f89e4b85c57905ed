"""Page forms: the choices each user is offered and how input is parsed."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.forms import (
    CaseEditForm,
    CaseFilterForm,
    CaseForm,
    PatientChoiceForm,
    RankedGoalsField,
)
from tests.factories import BoardFactory, CaseFactory, MeetingFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_board_picker_offers_the_user_boards_by_name_without_a_blank(cast):
    zebra = BoardFactory(name="Zebra Board")
    MembershipFactory(board=zebra, user=cast.surgeon)
    field = CaseForm(user=cast.surgeon).fields["board"]
    assert list(field.queryset) == [cast.board, zebra]
    assert field.empty_label is None
    assert list(CaseForm(user=cast.outsider).fields["board"].queryset) == [cast.other_board]


def test_the_edit_form_cannot_move_a_case_to_another_board(cast):
    assert "board" not in CaseEditForm(user=cast.surgeon).fields


def test_the_meeting_filter_offers_the_user_meetings_newest_first_without_cancelled(cast):
    soon = MeetingFactory(board=cast.board, starts_at=timezone.now() + dt.timedelta(days=1))
    later = MeetingFactory(board=cast.board, starts_at=timezone.now() + dt.timedelta(days=8))
    MeetingFactory(board=cast.board, status="cancelled")
    MeetingFactory(board=cast.other_board)
    field = CaseFilterForm(user=cast.surgeon).fields["meeting"]
    assert list(field.queryset) == [later, soon]
    label = field.label_from_instance(soon)
    assert cast.board.name in label
    assert label.endswith("(Regular)")


def test_the_meeting_filter_gives_the_meeting_uuid(cast):
    meeting = MeetingFactory(board=cast.board)
    form = CaseFilterForm({"meeting": str(meeting.uuid), "status": ""}, user=cast.surgeon)
    assert form.filters() == {"meeting": meeting.uuid}


def test_an_invalid_filter_is_dropped_and_shown(cast):
    form = CaseFilterForm({"status": "bogus", "urgency": "urgent"}, user=cast.surgeon)
    assert form.filters() == {"urgency": "urgent"}
    assert "status" in form.errors


def test_an_existing_patient_is_found_only_on_the_user_boards(cast):
    ours = CaseFactory(board=cast.board).patient
    theirs = CaseFactory(board=cast.other_board).patient

    def choose(mrn):
        form = PatientChoiceForm({"source": "existing", "existing_mrn": mrn}, user=cast.surgeon)
        return form.is_valid(), form.cleaned_data.get("patient"), form.errors

    assert choose(ours.mrn)[:2] == (True, ours)
    valid, _patient, errors = choose(theirs.mrn)
    assert not valid
    assert errors["existing_mrn"] == ["No patient with this MRN is registered on your boards."]


def test_a_new_patient_needs_no_mrn_lookup(cast):
    form = PatientChoiceForm({"source": "new"}, user=cast.surgeon)
    assert form.is_valid()
    assert form.wants_new_patient
    assert form.cleaned_data["patient"] is None


def test_ranked_goals_keep_their_order_and_skip_blank_ranks():
    field = RankedGoalsField()
    assert field.clean(["walking", "", "pain_relief", "", ""]) == ["walking", "pain_relief"]
    assert field.has_changed(["walking"], ["walking", "pain_relief", "", "", ""])
    assert not field.has_changed(["walking"], ["walking", "", "", "", ""])
