"""What a summary says: the case in brief, scores and NOMS, opinions compared, questions to settle.

`summary_build` reads only the prefetched item, so these tests build the content without storing it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cases.models import PriorTreatment
from recommendations.summaries.build import summary_build
from recommendations.summaries.selectors import load_agenda_items
from scheduling.models import Invitation
from tests.agendas import agenda, extra_specialist, give_opinion

pytestmark = pytest.mark.django_db


def build(item) -> dict:
    """The content a summary of `item` would have if prepared now."""
    (loaded,) = load_agenda_items([item.pk])
    return summary_build(loaded)


# --- content ------------------------------------------------------------------------------------


def test_summary_has_the_case_in_brief_scores_and_noms(cast):
    meeting, (item,) = agenda(cast.board)
    give_opinion(item, cast.surgeon, ["separation_surgery"], urgency="urgent")

    content = build(item)

    case = content["case"]
    assert case["uuid"] == str(item.case.uuid)
    assert case["primary"]["label"] == "Renal cell (kidney)"
    assert case["primary"]["histology_confirmed"] is True
    assert case["extent"]["visceral_mets"] == "Present, removable"
    assert case["extent"]["lesions"][0]["level"] == "T10"
    assert case["neuro"]["frankel_grade"] == "D"
    assert case["neuro"]["progression_label"] == "Progressing over days"
    assert case["performance"]["kps"] == 70
    assert case["pain"] == {"score": 7, "analgesics": "Oxycodone", "mechanical_levels": ["T10"]}
    assert case["goals"]["ranked"] == ["Walking", "Independence"]
    assert case["goals"]["notes"] == "I want to keep walking my dog."
    (noms,) = content["noms"]
    assert noms["level"] == "T10"
    assert noms["procedures"] == ["separation_surgery", "cement_augmentation"]
    assert noms["radiation"] == "srs"
    assert noms["suggestion"] == "Separation surgery + cement augmentation, then SRS/SBRT"
    assert noms["confirmed"] is True
    assert content["assessment"]["tokuhashi_revised"]["result"]["total"] == 9
    assert [f["code"] for f in content["flags"]] == ["cord_compression"]
    (opinion,) = content["opinions"]
    assert opinion["discipline"] == "spine_surgery"
    assert opinion["options"] == [{"value": "separation_surgery", "label": "Separation surgery"}]
    assert opinion["urgency"] == "urgent"


def test_summary_content_names_no_patient(cast):
    meeting, (item,) = agenda(cast.board)
    patient = item.case.patient
    text = str(build(item))
    assert patient.mrn not in text
    assert patient.family_name not in text


def test_prior_treatment_is_summarised(cast):
    meeting, (item,) = agenda(cast.board)
    PriorTreatment.objects.create(
        case=item.case,
        kind="radiation",
        level_from="T9",
        level_to="T11",
        treated_on=dt.date(2025, 3, 1),
        dose_gy=20,
        fractions=5,
    )
    content = build(item)
    (treatment,) = content["case"]["prior_treatments"]
    assert treatment["label"] == "Radiation"
    assert treatment["levels"] == "T9–T11"
    assert treatment["fractions"] == 5


# --- comparing opinions -----------------------------------------------------------------------


def test_disagreement_on_surgery_and_urgency_is_detected(cast):
    meeting, (item,) = agenda(cast.board)
    second_surgeon = extra_specialist(cast.board, "spine_surgery", "surgeon2")
    give_opinion(item, cast.surgeon, ["separation_surgery"], urgency="urgent")
    give_opinion(item, second_surgeon, ["no_surgery"], urgency="routine")
    give_opinion(
        item,
        cast.specialists["radiation_oncology"],
        ["sbrt"],
        regimen="24 Gy/2",
        urgency="urgent",
    )

    content = build(item)

    by_question = {entry["question"]: entry for entry in content["disagreements"]}
    assert set(by_question) == {"surgery", "urgency"}
    surgery = by_question["surgery"]
    assert {p["answer"]: len(p["opinions"]) for p in surgery["positions"]} == {"yes": 1, "no": 1}
    assert surgery["noms"] == ["yes"]
    urgency = by_question["urgency"]
    assert {p["answer"]: len(p["opinions"]) for p in urgency["positions"]} == {
        "urgent": 2,
        "routine": 1,
    }
    texts = [q["text"] for q in content["questions_to_settle"] if q["kind"] == "disagreement"]
    first, second = cast.surgeon.get_full_name(), second_surgeon.get_full_name()
    assert texts == [
        f"Surgery or not: yes (Spine surgery: {first}); no (Spine surgery: {second}).",
        f"How urgently: urgent (Radiation oncology, Spine surgery: {first}); "
        f"routine (Spine surgery: {second}).",
    ]


def test_agreement_needs_two_opinions_giving_the_same_answer(cast):
    meeting, (item,) = agenda(cast.board)
    give_opinion(item, cast.specialists["medical_oncology"], ["systemic_start"])
    give_opinion(item, cast.chair, ["systemic_change"], discipline="medical_oncology")
    give_opinion(item, cast.specialists["radiation_oncology"], ["sbrt"], regimen="24 Gy/2")

    content = build(item)

    assert content["disagreements"] == []
    agreed = {entry["question"]: entry for entry in content["agreements"]}
    assert set(agreed) == {"systemic_therapy", "urgency"}
    assert agreed["systemic_therapy"]["positions"][0]["answer"] == "yes"
    single = [e["question"] for e in content["comparison"] if e["status"] == "single"]
    assert single == ["radiation_technique"]


def test_cebrt_against_sbrt_via_a_reirradiation_regimen(cast):
    meeting, (item,) = agenda(cast.board)
    radonc2 = extra_specialist(cast.board, "radiation_oncology", "radonc2")
    give_opinion(item, cast.specialists["radiation_oncology"], ["cebrt"], regimen="8 Gy x 1")
    give_opinion(item, radonc2, ["reirradiation"], regimen="24 Gy/2")

    content = build(item)

    (entry,) = content["disagreements"]
    assert entry["question"] == "radiation_technique"
    assert [p["answer"] for p in entry["positions"]] == ["cebrt", "sbrt"]


def test_opinions_that_differ_from_noms_are_a_question_to_settle(cast):
    meeting, (item,) = agenda(cast.board)
    give_opinion(item, cast.surgeon, ["no_surgery"])

    content = build(item)

    differs = [q["text"] for q in content["questions_to_settle"] if q["kind"] == "noms_differs"]
    assert differs == ["Surgery or not: the opinions say no (Spine surgery); NOMS suggests yes."]
    missing = [q["text"] for q in content["questions_to_settle"] if q["kind"] == "missing_opinion"]
    assert missing == [
        "No opinion yet from Radiation oncology (a required discipline).",
        "No opinion yet from Medical oncology (a required discipline).",
    ]


def test_missing_opinions_count_required_and_invited_disciplines(cast):
    meeting, (item,) = agenda(cast.board)  # required: surgery, radiation, medical oncology
    Invitation.objects.create(
        meeting=meeting, user=cast.specialists["pain_medicine"], discipline="pain_medicine"
    )
    Invitation.objects.create(
        meeting=meeting,
        user=cast.specialists["rehabilitation"],
        discipline="rehabilitation",
        response=Invitation.Response.DECLINED,
    )
    give_opinion(item, cast.surgeon, ["separation_surgery"])

    content = build(item)

    assert [m["discipline"] for m in content["missing_opinions"]] == [
        "radiation_oncology",
        "medical_oncology",
        "pain_medicine",
    ]
    pain = content["missing_opinions"][-1]
    assert pain["invited"] is True and pain["required"] is False


def test_missing_data_and_questions_to_settle(cast):
    meeting, (item,) = agenda(cast.board, kps=None, goals_ranked=[], goals_notes="")
    give_opinion(
        item,
        cast.surgeon,
        ["separation_surgery"],
        questions_for_board="Is the lung disease controlled enough for surgery?",
        data_needed="CT chest from this month",
    )

    content = build(item)

    missing = {entry["item"]: entry["missing"] for entry in content["missing_data"]}
    assert missing["Revised Tokuhashi"] == ["Karnofsky (KPS)"]
    assert missing["The patient's goals"] == ["not recorded"]
    assert missing["Asked for by Spine surgery"] == ["CT chest from this month"]
    kinds = [q["kind"] for q in content["questions_to_settle"]]
    assert "asked" in kinds and "missing_data" in kinds
    asked = next(q for q in content["questions_to_settle"] if q["kind"] == "asked")
    assert asked["text"] == "Spine surgery asks: Is the lung disease controlled enough for surgery?"


def test_an_unconfirmed_noms_row_is_a_question_to_settle(cast):
    # Radioresistant, high grade, not fit for surgery: the unconfirmed row no_resistant_high_unfit.
    meeting, (item,) = agenda(cast.board, fit_for_surgery=False)

    content = build(item)

    (noms,) = content["noms"]
    assert noms["confirmed"] is False
    assert noms["unconfirmed_rules"] == ["no_resistant_high_unfit"]
    unconfirmed = [q for q in content["questions_to_settle"] if q["kind"] == "unconfirmed_noms"]
    assert len(unconfirmed) == 1
    assert unconfirmed[0]["text"].startswith("T10: NOMS row no_resistant_high_unfit")
