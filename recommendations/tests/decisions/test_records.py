"""The decision record (services.records): opened once by members of the board, then changed
from the version read; stale and unversioned changes refused; options validated."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from recommendations.decisions import services
from recommendations.models import (
    ConsensusPlan,
    DecisionRecord,
)
from scheduling.models import Meeting
from tests.meeting_mode import started_agenda
from tumorboard.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_open_is_idempotent_and_for_board_members_only(cast):
    meeting, (item,) = started_agenda(cast.board)
    with pytest.raises(PermissionDenied):
        services.decision_record_open(agenda_item=item, by=cast.outsider)
    first = services.decision_record_open(agenda_item=item, by=cast.surgeon)
    again = services.decision_record_open(agenda_item=item, by=cast.chair)
    assert again.pk == first.pk
    assert DecisionRecord.objects.filter(agenda_item=item).count() == 1
    assert ConsensusPlan.objects.filter(decision=first).count() == 1


def test_a_cancelled_meeting_records_no_decision(cast):
    meeting, (item,) = started_agenda(cast.board)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    with pytest.raises(ApplicationError):
        services.decision_record_open(agenda_item=item, by=cast.chair)
    assert not DecisionRecord.objects.exists()


def test_update_moves_the_version_and_keeps_an_attributed_history(cast):
    meeting, (item,) = started_agenda(cast.board)
    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)
    options = [*record.options, {"option": "Radiotherapy alone", "source": "board"}]
    options[0]["benefits"]["neurological"] = "Decompression protects the cord."
    record = services.decision_record_update(
        record=record, expected_version=1, by=cast.surgeon, options=options
    )
    assert record.version == 2
    assert record.options[-1]["source"] == "board"
    assert record.options[-1]["risks"]["recovery_time"] == ""
    assert record.options[0]["benefits"]["neurological"] == "Decompression protects the cord."
    rows = list(record.history.order_by("history_id"))
    assert [(r.history_type, r.version, r.history_user) for r in rows] == [
        ("+", 1, cast.coordinator),
        ("~", 2, cast.surgeon),
    ]


def test_a_stale_update_is_refused_with_the_current_record_and_nothing_is_lost(cast):
    meeting, (item,) = started_agenda(cast.board)
    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)
    services.decision_record_update(
        record=record, expected_version=1, by=cast.surgeon, uncertainties="Cord margin?"
    )
    with pytest.raises(services.StaleVersionError) as caught:
        services.decision_record_update(
            record=record, expected_version=1, by=cast.chair, uncertainties="Overwrite"
        )
    assert caught.value.current.version == 2
    assert caught.value.current.uncertainties == "Cord margin?"
    record.refresh_from_db()
    assert (record.version, record.uncertainties) == (2, "Cord margin?")


def test_an_update_must_name_its_version(cast):
    meeting, (item,) = started_agenda(cast.board)
    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)
    with pytest.raises(services.VersionRequiredError):
        services.decision_record_update(
            record=record, expected_version=None, by=cast.chair, uncertainties="x"
        )


def test_a_save_that_changes_nothing_keeps_the_version(cast):
    meeting, (item,) = started_agenda(cast.board)
    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)
    same = services.decision_record_update(
        record=record, expected_version=1, by=cast.chair, uncertainties=record.uncertainties
    )
    assert same.version == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([{"option": ""}], "Option 1: name the option."),
        ([{"option": "A"}, {"option": "a"}], "Option 2: “a” is listed twice."),
        ([{"option": "A", "benefits": {"mood": "x"}}], "Option 1 benefits: unknown heading"),
        ([{"option": "A", "source": "guess"}], "Option 1: source must be one of"),
        ([{"option": "A", "colour": "red"}], "Option 1: colour cannot be set on an option."),
        ("A", "Give a list of options."),
    ],
)
def test_bad_options_are_refused_with_a_message(cast, options, message):
    meeting, (item,) = started_agenda(cast.board)
    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)
    with pytest.raises(ApplicationError) as caught:
        services.decision_record_update(
            record=record, expected_version=1, by=cast.chair, options=options
        )
    assert any(m.startswith(message) for m in caught.value.fields["options"])
    record.refresh_from_db()
    assert record.version == 1


def test_not_involving_the_patient_needs_a_reason(cast):
    meeting, (item,) = started_agenda(cast.board)
    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)
    with pytest.raises(ApplicationError) as caught:
        services.decision_record_update(
            record=record, expected_version=1, by=cast.chair, patient_involvement="not_involved"
        )
    assert "involvement_note" in caught.value.fields
    record = services.decision_record_update(
        record=record,
        expected_version=1,
        by=cast.chair,
        patient_involvement="not_involved",
        involvement_note="Sedated in intensive care; family to be seen tomorrow.",
    )
    assert record.version == 2


@pytest.mark.parametrize(
    ("measures", "message"),
    [
        ([{"measure": ""}], "Supportive measure 1: name the measure."),
        ([{"measure": "x" * 301}], "Supportive measure 1: keep the measure to 300"),
        ([{"measure": "Bracing"}, {"measure": "bracing"}], "Supportive measure 2: “bracing”"),
        ([{"measure": "A", "dose": "1"}], "Supportive measure 1: dose cannot be set"),
        ([{"measure": "A", "origin": 3}], "Supportive measure 1: origin is text."),
        ([{"measure": "A", "origin": "x" * 301}], "Supportive measure 1: keep the origin"),
        (["Bracing"], "Supportive measure 1: give an object"),
        ([{"measure": str(n)} for n in range(21)], "List at most 20 supportive measures."),
        ("Bracing", "Give a list of supportive measures."),
    ],
)
def test_bad_supportive_measures_are_refused_with_a_message(cast, measures, message):
    meeting, (item,) = started_agenda(cast.board)
    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)
    with pytest.raises(ApplicationError) as caught:
        services.decision_record_update(
            record=record, expected_version=1, by=cast.chair, supportive_care=measures
        )
    assert any(m.startswith(message) for m in caught.value.fields["supportive_care"])


def test_supportive_measures_are_saved_apart_from_the_options(cast):
    meeting, (item,) = started_agenda(cast.board)
    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)
    options = list(record.options)
    record = services.decision_record_update(
        record=record,
        expected_version=1,
        by=cast.chair,
        supportive_care=[{"measure": " Dexamethasone 16 mg daily "}],
    )
    assert record.supportive_care == [{"measure": "Dexamethasone 16 mg daily", "origin": ""}]
    assert (record.options, record.version) == (options, 2)
