"""The pre-filled decision record (services.prefill): exactly the options NOMS per lesion and the
submitted opinions raised, each with its origin, supportive measures apart; uncertainties and
information needed from the latest pre-meeting summary, else the opinions; goals."""

from __future__ import annotations

import pytest

from recommendations.decisions import selectors, services
from recommendations.decisions.services.prefill import UNCONFIRMED_NOTE, Prefill, _noms_options
from recommendations.models import ConsensusPlan, DecisionRecord, PreMeetingSummary
from recommendations.summaries.preparation import summary_prepare
from tests.factories import MeetingFactory
from tests.meeting_mode import give_opinion, started_agenda
from tumorboard.errors import ApplicationError

pytestmark = pytest.mark.django_db


SUMMARY_CONTENT = {
    "schema": 1,
    "noms": [
        {
            "level": "T10",
            "computable": True,
            "suggestion": "Separation surgery, then SRS/SBRT",
            "confirmed": True,
            "regimens": ["24 Gy/2", "27 Gy/3"],
        },
        {"level": "L2", "computable": False, "missing": ["ESCC (Bilsky) grade"]},
    ],
    "opinions": [
        {
            "discipline": "radiation_oncology",
            "options": [{"value": "sbrt", "label": "Stereotactic body radiotherapy (SBRT/SRS)"}],
            "regimen": "24 Gy/2",
            "questions_for_board": "Is the cord decompressed enough for SBRT?",
            "data_needed": "",
        },
        {
            "discipline": "spine_surgery",
            "options": [{"value": "no_surgery", "label": "No surgery"}],
            "regimen": "",
            "questions_for_board": "",
            "data_needed": "",
        },
    ],
    "questions_to_settle": [
        {"kind": "disagreement", "text": "Surgery or not: yes (NOMS); no (Spine surgery)."},
        {"kind": "missing_data", "text": "L2 NOMS: ESCC (Bilsky) grade."},
    ],
    "missing_data": [{"item": "L2 NOMS", "missing": ["ESCC (Bilsky) grade"]}],
}


def option_names(record) -> list[str]:
    return [option["option"] for option in record.options]


def who(user, discipline: str) -> str:
    return f"{user.get_full_name()} ({discipline})"


NOMS_T10 = (
    "NOMS at T10: Separation surgery, then Cement augmentation (vertebro-/kyphoplasty), "
    "then Stereotactic body radiotherapy (SBRT/SRS)"
)


def test_open_prefills_exactly_the_options_raised_each_with_its_origin(cast):
    meeting, (item,) = started_agenda(cast.board)
    give_opinion(item, cast.surgeon, ["separation_surgery"], questions_for_board="Fixation?")
    rad = cast.specialists["radiation_oncology"]
    give_opinion(item, rad, ["sbrt"], regimen="24 Gy/2", data_needed="Planning CT")

    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)

    assert record.prefilled_from is None
    # Exactly what was raised: NOMS's suggestion and the two opinions, not the catalogue.
    assert option_names(record) == [
        NOMS_T10,
        "Stereotactic body radiotherapy (SBRT/SRS): 24 Gy/2",
        "Separation surgery",
    ]
    assert [o["source"] for o in record.options] == ["noms", "opinion", "opinion"]
    assert record.options[0]["origin"].startswith("suggested by decision support: NOMS (rules ")
    assert record.options[0]["origin"].endswith(") at T10")
    assert [o["origin"] for o in record.options[1:]] == [
        f"raised by {who(rad, 'radiation oncology')}",
        f"raised by {who(cast.surgeon, 'spine surgery')}",
    ]
    assert record.supportive_care == []
    assert record.options[0]["benefits"] == {
        "neurological": "",
        "local_control": "",
        "pain_quality_of_life": "",
        "recovery_time": "",
    }
    assert record.options[0]["risks"] == record.options[0]["benefits"]
    assert record.patient_goals.splitlines()[:2] == [
        "Goals, most important first: 1. Walking; 2. Independence.",
        "In the patient's words: I want to keep walking my dog.",
    ]
    assert record.uncertainties == "Spine surgery: Fixation?"
    assert record.information_needed == "Radiation oncology: Planning CT"
    plan = ConsensusPlan.objects.get(decision=record)
    assert (plan.status, plan.version, plan.outcome) == ("draft", 1, "")


def test_supportive_measures_are_listed_apart_from_the_treatment_options(cast):
    meeting, (item,) = started_agenda(cast.board)
    pain = cast.specialists["pain_medicine"]
    rehab = cast.specialists["rehabilitation"]
    give_opinion(item, pain, ["analgesic_plan", "nerve_block"])
    give_opinion(item, rehab, ["therapy", "bracing"])
    give_opinion(item, cast.surgeon, ["no_surgery"])

    record = services.decision_record_open(agenda_item=item, by=cast.chair)

    assert option_names(record) == [NOMS_T10, "No surgery"]
    assert record.supportive_care == [
        {"measure": "Analgesic plan", "origin": f"raised by {who(pain, 'pain medicine')}"},
        {"measure": "Nerve block", "origin": f"raised by {who(pain, 'pain medicine')}"},
        {
            "measure": "Physiotherapy / occupational therapy",
            "origin": f"raised by {who(rehab, 'rehabilitation')}",
        },
        {"measure": "Bracing", "origin": f"raised by {who(rehab, 'rehabilitation')}"},
    ]


def test_an_option_two_specialists_raise_is_listed_once_naming_both(cast):
    meeting, (item,) = started_agenda(cast.board)
    rad = cast.specialists["radiation_oncology"]
    give_opinion(item, cast.surgeon, ["sbrt"], discipline="spine_surgery")
    give_opinion(item, rad, ["sbrt"], regimen="27 Gy/3")

    record = services.decision_record_open(agenda_item=item, by=cast.chair)

    (sbrt,) = [o for o in record.options if o["source"] == "opinion"]
    assert sbrt["option"] == "Stereotactic body radiotherapy (SBRT/SRS): 27 Gy/3"
    assert sbrt["origin"] == (
        f"raised by {who(rad, 'radiation oncology')} and {who(cast.surgeon, 'spine surgery')}"
    )


def test_noms_best_supportive_care_is_a_supportive_measure_not_an_option():
    prefill = Prefill(options=[], uncertainties=[], information_needed=[])
    result = {
        "radiation": "cebrt",
        "procedures": [],
        "supportive_care": True,
        "confirmed": False,
        "rules": ["m_unstable_unfit"],
        "regimens": [],
    }
    _noms_options(prefill, [("L1", result), ("L2", result)])
    assert [o["option"] for o in prefill.options] == [
        "NOMS at L1, L2: Conventional external-beam radiotherapy (cEBRT)" + UNCONFIRMED_NOTE
    ]
    assert prefill.supportive_care == [
        {
            "measure": "Best supportive care with bracing",
            "origin": "suggested by decision support: NOMS (rule m_unstable_unfit) at L1, L2",
        }
    ]


def test_options_come_from_the_opinions_now_and_the_questions_from_the_latest_summary(cast):
    meeting, (item,) = started_agenda(cast.board)
    old = {"questions_to_settle": [{"kind": "disagreement", "text": "Old question"}]}
    PreMeetingSummary.objects.create(
        agenda_item=item, version=1, content=old, inputs={}, inputs_fingerprint="a"
    )
    latest = PreMeetingSummary.objects.create(
        agenda_item=item, version=2, content=SUMMARY_CONTENT, inputs={}, inputs_fingerprint="b"
    )
    # Given after the summary was prepared: the record starts from the opinions as they are now,
    # not from the summary's copy (which lists SBRT and no surgery).
    give_opinion(item, cast.surgeon, ["separation_surgery"], questions_for_board="Fixation?")

    record = services.decision_record_open(agenda_item=item, by=cast.chair)

    assert record.prefilled_from == latest
    assert option_names(record) == [NOMS_T10, "Separation surgery"]
    assert record.uncertainties == "Surgery or not: yes (NOMS); no (Spine surgery)."
    assert record.information_needed == "L2 NOMS: ESCC (Bilsky) grade"


def test_a_summary_without_questions_leaves_the_opinions_questions(cast):
    meeting, (item,) = started_agenda(cast.board)
    PreMeetingSummary.objects.create(
        agenda_item=item, version=1, content={"noms": []}, inputs={}, inputs_fingerprint="a"
    )
    give_opinion(item, cast.surgeon, ["separation_surgery"], questions_for_board="Fixation?")
    record = services.decision_record_open(agenda_item=item, by=cast.chair)
    assert record.prefilled_from is None
    assert record.uncertainties == "Spine surgery: Fixation?"


def test_open_prefills_from_a_summary_the_summaries_module_prepared(cast):
    meeting, (item,) = started_agenda(cast.board)
    give_opinion(item, cast.surgeon, ["separation_surgery"])
    summary = summary_prepare(item.pk)

    record = services.decision_record_open(agenda_item=item, by=cast.chair)

    assert record.prefilled_from == summary
    assert record.options[0]["source"] == "noms"
    assert record.options[0]["option"].startswith("NOMS at T10: ")
    assert "Separation surgery" in option_names(record)


def test_an_unconfirmed_noms_row_is_labelled_in_the_option(cast):
    meeting, (item,) = started_agenda(cast.board)
    item.case.fit_for_surgery = False
    item.case.save()
    record = services.decision_record_open(agenda_item=item, by=cast.chair)
    assert "[unconfirmed NOMS row" in record.options[0]["option"]


def test_the_record_leaks_no_blind_opinion(cast):
    # A meeting that has not started, on a board that keeps opinions blind.
    meeting, (item,) = started_agenda(cast.board, meeting=MeetingFactory(board=cast.board))
    give_opinion(item, cast.surgeon, ["separation_surgery"])
    rad = cast.specialists["radiation_oncology"]

    # Who has not given their opinion cannot open the record (it would show the surgeon's).
    with pytest.raises(ApplicationError) as refused:
        services.decision_record_open(agenda_item=item, by=rad)
    assert "once you have given your own opinion" in refused.value.message
    assert not DecisionRecord.objects.filter(agenda_item=item).exists()

    # The coordinator may; the record then stays hidden from the specialist who has not given
    # theirs: on the meeting screen and by its uuid.
    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)
    assert "raised by" in record.options[-1]["origin"]
    (entry,) = selectors.meeting_board(meeting=meeting, user=rad).items
    assert (entry.decision, entry.plan, entry.opinions, entry.opinions_hidden) == (
        None,
        None,
        [],
        True,
    )
    with pytest.raises(DecisionRecord.DoesNotExist):
        selectors.decision_detail(user=rad, uuid=record.uuid)
    assert selectors.decision_detail(user=cast.surgeon, uuid=record.uuid) == record

    give_opinion(item, rad, ["sbrt"], regimen="24 Gy/2")
    (entry,) = selectors.meeting_board(meeting=meeting, user=rad).items
    assert entry.decision == record
    assert selectors.decision_detail(user=rad, uuid=record.uuid) == record
