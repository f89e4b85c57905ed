"""The pre-filled decision record (services.prefill): options from the latest pre-meeting
summary, else NOMS per lesion and the opinions; uncertainties, information needed, goals."""

from __future__ import annotations

import pytest

from recommendations.decisions import services
from recommendations.models import (
    ConsensusPlan,
    PreMeetingSummary,
)
from recommendations.summaries.preparation import summary_prepare
from tests.meeting_mode import give_opinion, started_agenda

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


def test_open_prefills_from_noms_and_the_opinions_without_a_summary(cast):
    meeting, (item,) = started_agenda(cast.board)
    give_opinion(item, cast.surgeon, ["separation_surgery"], questions_for_board="Fixation?")
    rad = cast.specialists["radiation_oncology"]
    give_opinion(item, rad, ["sbrt"], regimen="24 Gy/2", data_needed="Planning CT")

    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)

    assert record.prefilled_from is None
    assert option_names(record) == [
        "NOMS at T10: Separation surgery, then Cement augmentation (vertebro-/kyphoplasty), "
        "then Stereotactic body radiotherapy (SBRT/SRS)",
        "Stereotactic body radiotherapy (SBRT/SRS): 24 Gy/2",
        "Separation surgery",
    ]
    assert [o["source"] for o in record.options] == ["noms", "opinion", "opinion"]
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


def test_open_prefills_from_the_latest_summary(cast):
    meeting, (item,) = started_agenda(cast.board)
    old = {"noms": [{"level": "T10", "computable": True, "suggestion": "cEBRT"}]}
    PreMeetingSummary.objects.create(
        agenda_item=item, version=1, content=old, inputs={}, inputs_fingerprint="a"
    )
    latest = PreMeetingSummary.objects.create(
        agenda_item=item, version=2, content=SUMMARY_CONTENT, inputs={}, inputs_fingerprint="b"
    )

    record = services.decision_record_open(agenda_item=item, by=cast.chair)

    assert record.prefilled_from == latest
    assert option_names(record) == [
        "NOMS at T10: Separation surgery, then SRS/SBRT",
        "Stereotactic body radiotherapy (SBRT/SRS): 24 Gy/2",
        "No surgery",
    ]
    assert record.uncertainties == "Surgery or not: yes (NOMS); no (Spine surgery)."
    assert record.information_needed == "L2 NOMS: ESCC (Bilsky) grade"


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
