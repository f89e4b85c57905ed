"""The summary written from the plan (generation): plain words, the demo cases, languages, the
plan's outcome, the contact, and the clinical facts asked of the clinical core."""

from __future__ import annotations

import re

import pytest

from cases.models import Case
from recommendations.assessment import case_assessment
from recommendations.models import ConsensusPlan
from recommendations.patient_summaries import generation, services
from recommendations.patient_summaries.readability import measure
from scheduling.models import Board
from tests.factories import CARE_TEAM_PHONE, OUT_OF_HOURS_PHONE
from tests.plans import demo_plans, signed_plan

pytestmark = pytest.mark.django_db

ENGLISH_HEADINGS = (
    "Why the team met",
    "What the team found",
    "The choices the team looked at",
    "The team's advice",
    "What matters to you",
    "What happens next",
    "Warning signs",
    "Who to contact",
)


def line_of(body: str, start: str) -> str:
    """The one line of the body that starts so."""
    [line] = [line for line in body.splitlines() if line.startswith(start)]
    return line


# The goal "to keep walking" met by treating high-grade compression (surgery or radiotherapy)...
WALKING_HIGH_GRADE = (
    "Taking the pressure off your spinal cord gives you the best chance to keep walking."
)
# ... or, without it, by the physiotherapy of the plan.
WALKING_OTHERWISE = "Physiotherapy will help you stay on your feet."


def test_every_demo_case_reads_at_grade_6_or_lower_in_english():
    plans = demo_plans()
    assert sorted(plans) == list(range(1, 11))
    grades = {}
    for number, plan in plans.items():
        generated = generation.generate(plan, "en")
        grades[number] = generated.reading_grade
        # The stored grade is the measured grade of what the patient reads.
        words = "\n".join(f"{e['term']}: {e['definition']}" for e in generated.glossary)
        text = f"{generated.title}\n{generated.body}\n{words}"
        assert generated.reading_grade == measure(text, "en").grade
        assert "!! Warning signs: get help now" in generated.body, number
        assert "loss of" not in generated.body  # plain words: "cannot control your bladder"
        assert "cannot control your bladder or bowel" in generated.body
        assert "## What happens next" in generated.body
        assert "## Who to contact" in generated.body
    assert all(grade <= 6 for grade in grades.values()), grades
    assert all(grade > 0 for grade in grades.values()), grades


def test_demo_summary_translates_the_clinical_facts_into_plain_words():
    plans = demo_plans()
    walter = generation.generate(plans[1], "en").body
    assert "The cancer started in your kidney." in walter
    assert "T10 is one of the bones of your spine, in the middle of your back." in walter
    assert "The cancer is pressing hard on your spinal cord." in walter  # ESCC 3
    # The signed plan's SBRT, with its schedule (24 Gy/2: two visits).
    sbrt = "SBRT aims a high dose of rays at a small area. It is very exact."
    assert f"{sbrt} It is given over 2 visits." in walter
    # The options considered, the plan's one marked; radiotherapy alone is not what it does.
    assert "This is the team's advice." in line_of(walter, "- Separation surgery, then SBRT.")
    assert "This is the team's advice." not in line_of(walter, "- Radiotherapy over 5 visits on")
    assert "- To keep walking." in walter  # the patient's ranked goals
    assert "best chance to keep walking" in walter
    assert "Your spine surgeon will arrange this." in walter
    assert "Your contact in the spine team is Casey Example." in walter
    # Clinical shorthand stays out of the patient's text.
    for jargon in ("ESCC", "Bilsky", "SINS", "Frankel", "cEBRT", "Gy", "NOMS", "KPS"):
        assert jargon not in walter, jargon
    # Dates in the patient's language, who in plain words.
    first_step = next(line for line in walter.splitlines() if line.startswith("- By "))
    assert re.match(r"- By \w+day \d{1,2} \w+ \d{4}: Separation and stabilisation", first_step)

    leo = generation.generate(plans[10], "en").body
    assert "You have a type of blood cancer called lymphoma." in leo
    assert "Right now you cannot walk on your own." in leo
    # "Radiotherapy and chemotherapy now, no surgery": the ruled-out surgery is not offered.
    options = leo.split("## The choices the team looked at")[1].split("##")[0]
    assert "- Radiotherapy and chemotherapy." in options
    assert "Radiotherapy over 10 visits. Your radiotherapy doctor will arrange this." in leo

    # Combinations read as one treatment.
    grace = generation.generate(plans[2], "en").body
    assert "- Hormone therapy only, with regular check-ups." in grace  # "Observe on endocrine"
    assert "- Radiotherapy in 1 visit." in grace  # "cEBRT 8 Gy x 1"
    victor = generation.generate(plans[7], "en").body
    assert "- SBRT to the same place again." in victor  # "Re-irradiation with SBRT"
    assert "You had radiotherapy here before" in victor


def test_a_spanish_speaking_patient_gets_a_spanish_summary(cast, make_plan):
    plan = make_plan(language="es")
    summary = services.patient_summary_draft(plan=plan, by=cast.chair)  # the patient's language
    assert summary.language == "es"
    assert summary.title == "Su plan de cuidados del equipo de columna"
    body = summary.body
    assert "!! Señales de alarma: pida ayuda ya" in body
    assert "## Por qué se reunió el equipo" in body
    assert "## Los próximos pasos" in body
    assert "El cáncer aprieta con fuerza la médula espinal." in body
    assert "No puede controlar la orina o las heces" in body
    for heading in ENGLISH_HEADINGS:
        assert heading not in body, heading
    # Dates and glossary in Spanish too.
    assert re.search(r"Para el (lunes|martes|miércoles|jueves|viernes|sábado|domingo) \d", body)
    terms = {entry["term"] for entry in summary.glossary}
    assert {"médula espinal", "cirugía de separación", "radioterapia"} <= terms
    assert summary.reading_grade is not None and summary.reading_grade <= 6
    # The clinician may still ask for English.
    english = services.patient_summary_draft(plan=plan, by=cast.chair, language="en")
    assert english.language == "en" and "!! Warning signs: get help now" in english.body


@pytest.mark.parametrize(
    ("outcome", "sentence"),
    [
        ("deferred_pending_information", "The team needs more information before they can"),
        ("rediscuss", "The team will talk about your care again at the next meeting."),
    ],
)
def test_a_plan_without_an_agreed_treatment_says_so(plan, outcome, sentence):
    ConsensusPlan.objects.filter(pk=plan.pk).update(outcome=outcome)
    plan.activities.exclude(kind="imaging").delete()
    body = generation.generate(plan, "en").body
    assert sentence in body
    assert "This is the team's advice:" not in body
    assert "- By " in body  # the scan that is still planned
    assert "!! Warning signs: get help now" in body


def test_the_contact_section_gives_the_board_numbers_and_invents_none(cast, plan):
    """Issue 13: contact details come from the board's settings."""
    body = generation.generate(plan, "en").body
    contact = body.split("## Who to contact")[1]
    assert f"Your contact in the spine team is {cast.coordinator.get_full_name()}." in contact
    assert f"Call the care team on {CARE_TEAM_PHONE}." in contact
    assert f"At night and at weekends, call {OUT_OF_HOURS_PHONE}." in contact
    Board.objects.filter(pk=cast.board.pk).update(care_team_phone="", out_of_hours_phone="")
    plan.decision.agenda_item.meeting.board.refresh_from_db()
    body = generation.generate(ConsensusPlan.objects.get(pk=plan.pk), "en").body
    assert "Call the care team on" not in body and "At night and at weekends" not in body


# --- the clinical facts, as the clinical core and the board's settings define them ---------------


@pytest.mark.parametrize(
    ("grade", "grade_1c_high", "high"),
    [("1c", False, False), ("1c", True, True), ("2", False, True), ("2", True, True)],
)
def test_the_text_and_the_assessment_agree_on_high_grade_compression(
    cast, make_case, grade, grade_1c_high, high
):
    """Issue 11: on a board that counts 1c as high grade, the patient's text says what the
    board's assessment says (and on one that does not, neither does)."""
    Board.objects.filter(pk=cast.board.pk).update(escc_1c_high_grade=grade_1c_high)
    case = make_case(escc_grade=grade, neuro_progression="days")
    plan = signed_plan(case, 1, chair=cast.chair)  # separation surgery, SBRT, physiotherapy

    body = generation.generate(plan, "en").body
    case = Case.objects.get(pk=case.pk)  # with the board as now saved
    assessment = case_assessment(case)

    [lesion] = assessment.lesions
    assert lesion.escc.result.high_grade is high
    assert ("cord_compression" in {flag.code for flag in assessment.flags}) is high
    assert (WALKING_HIGH_GRADE in body) is high
    assert (WALKING_OTHERWISE in body) is (not high)
    assert generation.high_grade_compression(case) is high


@pytest.mark.parametrize(
    ("level", "sentence"),
    [
        ("C5", "The cancer is pressing hard on your spinal cord."),
        ("T12", "The cancer is pressing hard on your spinal cord."),
        ("L1", "The cancer is pressing hard on your spinal cord."),
        # The cord ends around L1-L2: below it, the cauda equina (clinical.levels.CORD_LEVELS).
        ("L2", "The cancer is pressing hard on the nerves."),
        ("S1", "The cancer is pressing hard on the nerves."),
    ],
)
def test_compression_below_the_cord_is_told_as_pressing_on_nerves(cast, make_case, level, sentence):
    plan = signed_plan(make_case(lesion_level=level), 1, chair=cast.chair)
    findings = generation.generate(plan, "en").body.split("## What the team found")[1]
    assert sentence in findings.split("##")[0]


def test_a_lesion_without_a_grade_gets_no_compression_sentence(cast, make_case):
    plan = signed_plan(make_case(escc_grade=""), 1, chair=cast.chair)
    body = generation.generate(plan, "en").body
    findings = body.split("## What the team found")[1].split("##")[0]
    assert "T10 is one of the bones of your spine" in findings
    assert "spinal cord" not in findings and "nerves" not in findings
    assert WALKING_OTHERWISE in body
