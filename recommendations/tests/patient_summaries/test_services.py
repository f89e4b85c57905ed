"""The patient summary: generation in plain words, reading grade, languages, review and release,
single-use links (services; the pages and the API are in test_patient_summary_access.py)."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
import textstat
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from recommendations.models import ConsensusPlan, PatientAccessLink, PatientSummary
from recommendations.patient_summaries import services as ps
from recommendations.patient_summaries.glossary import TERMS, glossary_for, terms_in
from recommendations.patient_summaries.readability import grade_level, measure, prose
from recommendations.tests.patient_summaries.plans import demo_plans, signed_plan
from scheduling.models import Notification
from tests.factories import CaseFactory, LesionFactory, PatientFactory, UserFactory
from tumorboard import roles
from tumorboard.errors import ApplicationError, ConflictError

pytestmark = pytest.mark.django_db

ENGLISH_HEADINGS = (
    "Why the team met",
    "What the team found",
    "The choices the team looked at",
    "What the team advises",
    "What matters to you",
    "What happens next",
    "Warning signs",
    "Who to contact",
)


def _case(cast, *, patient=None, language="en", **fields):
    patient = patient or cast.patient
    patient.preferred_language = language
    patient.save()
    case = CaseFactory(
        board=cast.board,
        patient=patient,
        urgency="urgent",
        goals_ranked=["walking", "independence"],
        goals_notes="I want to keep walking.",
        frankel_grade="D",
        neuro_progression="days",
        **fields,
    )
    LesionFactory(case=case, level="T10", escc_grade="3")
    return case


@pytest.fixture
def plan(cast):
    return signed_plan(_case(cast), 1, chair=cast.chair)


@pytest.fixture
def draft(plan, cast):
    return ps.patient_summary_draft(plan=plan, by=cast.chair)


def _released(summary, cast):
    return ps.patient_summary_release(summary=summary, by=cast.chair)


# --- the text ------------------------------------------------------------------------------------


def test_every_demo_case_reads_at_grade_6_or_lower_in_english():
    plans = demo_plans()
    assert sorted(plans) == list(range(1, 11))
    grades = {}
    for number, plan in plans.items():
        generated = ps.generate(plan, "en")
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
    walter = ps.generate(plans[1], "en").body
    assert "The cancer started in your kidney." in walter
    assert "T10 is one of the bones of your spine, in the middle of your back." in walter
    assert "The cancer is pressing hard on your spinal cord." in walter  # ESCC 3
    assert "SBRT is a very precise radiotherapy. It gives a high dose in 1 to 5 visits." in walter
    assert "Separation surgery, then SBRT." in walter  # the options considered
    assert "This is the one the team advises." in walter
    assert "- To keep walking." in walter  # the patient's ranked goals
    assert "best chance to keep walking" in walter
    assert "Your spine surgeon will arrange this." in walter
    assert "Your contact in the spine team is Casey Example." in walter
    # Clinical shorthand stays out of the patient's text.
    for jargon in ("ESCC", "Bilsky", "SINS", "Frankel", "cEBRT", "Gy", "NOMS", "KPS"):
        assert jargon not in walter, jargon
    # Dates in the patient's language, who in plain words.
    first_step = next(line for line in walter.splitlines() if line.startswith("- By "))
    assert re.match(r"- By \w+day \d{1,2} \w+ \d{4}: Separation surgery", first_step)

    leo = ps.generate(plans[10], "en").body
    assert "You have a type of blood cancer called lymphoma." in leo
    assert "Right now you cannot walk on your own." in leo
    # "Radiotherapy and chemotherapy now, no surgery": the ruled-out surgery is not offered.
    options = leo.split("## The choices the team looked at")[1].split("##")[0]
    assert "- Radiotherapy and chemotherapy." in options
    assert "Radiotherapy over 10 visits. Your radiotherapy doctor will arrange this." in leo

    # Combinations read as one treatment.
    grace = ps.generate(plans[2], "en").body
    assert "- Hormone therapy only, with regular check-ups." in grace  # "Observe on endocrine"
    assert "- Radiotherapy in 1 visit." in grace  # "cEBRT 8 Gy x 1"
    victor = ps.generate(plans[7], "en").body
    assert "- SBRT to the same place again." in victor  # "Re-irradiation with SBRT"
    assert "You had radiotherapy here before" in victor


def test_the_glossary_lists_exactly_the_medical_words_in_the_text():
    for number, plan in demo_plans().items():
        for language in ("en", "es"):
            generated = ps.generate(plan, language)
            listed = {entry["key"] for entry in generated.glossary}
            assert listed == terms_in(f"{generated.title}\n{generated.body}", language), number
            assert "spinal_cord" in listed or number in (2, 3, 7, 8), number
    assert [e["term"] for e in glossary_for("An MRI and SBRT.", "en")] == ["MRI", "SBRT"]
    assert glossary_for("Nothing medical here.", "en") == []
    # Every term has both languages.
    assert all(set(t.term) == set(t.definition) == set(t.patterns) == {"en", "es"} for t in TERMS)


def test_a_spanish_speaking_patient_gets_a_spanish_summary(cast):
    plan = signed_plan(_case(cast, language="es"), 1, chair=cast.chair)
    summary = ps.patient_summary_draft(plan=plan, by=cast.chair)  # language from the patient
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
    english = ps.patient_summary_draft(plan=plan, by=cast.chair, language="en")
    assert english.language == "en" and "!! Warning signs: get help now" in english.body


@pytest.mark.parametrize(
    ("outcome", "sentence"),
    [
        ("deferred_pending_information", "The team needs more information before they can"),
        ("rediscuss", "The team will talk about your care again at the next meeting."),
    ],
)
def test_a_plan_without_an_agreed_treatment_says_so(cast, outcome, sentence):
    plan = signed_plan(_case(cast), 1, chair=cast.chair)
    ConsensusPlan.objects.filter(pk=plan.pk).update(outcome=outcome)
    plan.activities.exclude(kind="imaging").delete()
    body = ps.generate(plan, "en").body
    assert sentence in body
    assert "The team advises this plan:" not in body
    assert "- By " in body  # the scan that is still planned
    assert "!! Warning signs: get help now" in body


def test_the_contact_section_names_the_coordinator_and_the_phone_when_set(cast, settings):
    plan = signed_plan(_case(cast), 1, chair=cast.chair)
    body = ps.generate(plan, "en").body
    contact = body.split("## Who to contact")[1]
    assert f"Your contact in the spine team is {cast.coordinator.get_full_name()}." in contact
    assert "Call the hospital switchboard" in contact
    assert "The number is" not in contact  # no number is invented
    settings.TUMORBOARD_CONTACT_PHONE = "0100 000 0000"
    assert "The number is 0100 000 0000." in ps.generate(plan, "en").body


def test_an_unknown_language_is_refused_with_a_field_error(plan, cast):
    with pytest.raises(ApplicationError) as refused:
        ps.patient_summary_draft(plan=plan, by=cast.chair, language="fr")
    assert "language" in refused.value.fields


# --- reading grade -------------------------------------------------------------------------------


def test_flesch_kincaid_grade_follows_the_formula():
    # 6 words, 1 sentence, 8 syllables: 0.39 × 6 + 11.8 × 8/6 − 15.59 = 2.48
    assert measure("The patient can walk home today.", "en").grade == 2.5
    hard = (
        "Consequently, multidisciplinary deliberation regarding stereotactic radiotherapeutic "
        "intervention necessitates comprehensive consideration of oncological characteristics."
    )
    assert measure(hard, "en").grade > 8
    assert grade_level(measure(hard, "en").grade) == "warning"


def test_grade_levels_mark_the_target_and_the_warning():
    assert grade_level(6.0) == "target"
    assert grade_level(6.1) == "above_target"
    assert grade_level(8.0) == "above_target"
    assert grade_level(8.1) == "warning"
    assert grade_level(None) == "unknown"


def test_headings_and_list_items_are_read_as_sentences():
    assert prose("## Why the team met\n- New weakness\nDone.") == (
        "Why the team met.\nNew weakness.\nDone."
    )


def test_spanish_measure_leaves_english_and_textstat_untouched():
    english = "The team met to talk about your care. You will have radiotherapy."
    before = measure(english, "en").grade
    spanish = measure("El equipo se reunió para hablar de su atención. No duele.", "es")
    assert spanish.measure == "Crawford" and spanish.reading_ease is not None
    assert measure(english, "en").grade == before
    # The shared textstat instance keeps its default language (no global set_lang).
    assert getattr(textstat.textstat, "_textstatistics__lang", "en_US") == "en_US"


# --- draft, edit, release ------------------------------------------------------------------------


def test_a_draft_is_made_only_from_a_signed_plan(cast):
    plan = signed_plan(_case(cast), 1, chair=cast.chair)
    ConsensusPlan.objects.filter(pk=plan.pk).update(
        status=ConsensusPlan.Status.DRAFT, signed_by=None, signed_at=None
    )
    with pytest.raises(ApplicationError) as refused:
        ps.patient_summary_draft(plan=plan, by=cast.chair)
    assert refused.value.code == "plan_not_signed"
    assert not PatientSummary.objects.exists()

    ConsensusPlan.objects.filter(pk=plan.pk).update(
        status=ConsensusPlan.Status.SIGNED, signed_by=cast.chair, signed_at=timezone.now()
    )
    summary = ps.patient_summary_draft(plan=plan, by=cast.chair)
    assert summary.status == PatientSummary.Status.DRAFT
    assert summary.created_by == cast.chair
    assert summary.reading_grade is not None and summary.reading_grade <= 6


def test_only_staff_of_the_board_draft(plan, cast):
    with pytest.raises(PermissionDenied):
        ps.patient_summary_draft(plan=plan, by=cast.outsider)
    with pytest.raises(PermissionDenied):
        ps.patient_summary_draft(plan=plan, by=cast.patient_user)
    # A coordinator prepares drafts.
    assert ps.patient_summary_draft(plan=plan, by=cast.coordinator).status == "draft"


def test_edits_keep_their_history_and_are_measured_again(draft, cast):
    first_body = draft.body
    hard = (
        "Consequently, multidisciplinary deliberation regarding stereotactic radiotherapeutic "
        "intervention necessitates comprehensive consideration of oncological characteristics."
    )
    edited = ps.patient_summary_edit(
        summary=draft, by=cast.surgeon, title="Your plan", body=f"## Next\n{hard}\nAn MRI."
    )
    assert edited.status == PatientSummary.Status.EDITED
    assert edited.reading_grade > 8
    assert [e["key"] for e in edited.glossary] == ["mri"]
    again = ps.patient_summary_edit(
        summary=edited, by=cast.coordinator, title="Your plan", body="## Next\nYou will rest."
    )
    assert again.reading_grade <= 6 and again.glossary == []

    history = ps.summary_history(again)
    assert [row.status for row in history] == ["edited", "edited", "draft"]
    assert [row.history_user for row in history] == [cast.coordinator, cast.surgeon, cast.chair]
    assert history[-1].body == first_body
    assert hard in history[1].body


def test_an_edit_needs_a_title_and_text(draft, cast):
    with pytest.raises(ApplicationError) as refused:
        ps.patient_summary_edit(summary=draft, by=cast.chair, title=" ", body="")
    assert set(refused.value.fields) == {"title"}
    with pytest.raises(ApplicationError) as refused:
        ps.patient_summary_edit(summary=draft, by=cast.chair, title="Plan", body="  ")
    assert set(refused.value.fields) == {"body"}


def test_a_released_summary_is_never_changed_but_a_new_draft_supersedes_it(draft, cast):
    released = _released(draft, cast)
    with pytest.raises(ConflictError):
        ps.patient_summary_edit(summary=released, by=cast.chair, title="New", body="New text.")
    with pytest.raises(ConflictError):
        ps.patient_summary_release(summary=released, by=cast.chair)

    newer = ps.patient_summary_draft(plan=released.plan, by=cast.chair)
    assert newer.pk != released.pk and newer.status == "draft"
    # Until the new one is released, the patient still reads the old one.
    assert list(ps.released_summaries_for_patient(cast.patient_user)) == [released]
    newer = _released(newer, cast)
    assert list(ps.released_summaries_for_patient(cast.patient_user)) == [newer, released]
    released.refresh_from_db()
    assert not ps.is_newest_released(released)
    assert ps.is_newest_released(newer)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("chair", True), ("surgeon", True), ("coordinator", False), ("outsider", False)],
)
def test_only_a_clinician_of_the_board_releases(draft, cast, who, allowed):
    user = getattr(cast, who)
    if allowed:
        released = ps.patient_summary_release(summary=draft, by=user)
        assert released.status == "released"
        assert released.released_by == user and released.released_at is not None
    else:
        with pytest.raises(PermissionDenied):
            ps.patient_summary_release(summary=draft, by=user)
        draft.refresh_from_db()
        assert draft.status == "draft" and draft.released_by is None


def test_a_specialist_who_is_only_a_coordinator_of_the_board_may_not_release(draft, cast):
    # Specialist role, but on this board only as coordinator.
    from tests.factories import MembershipFactory

    user = UserFactory(username="spec-coord", roles=[roles.SPECIALIST])
    MembershipFactory(board=cast.board, user=user, role="coordinator")
    assert not ps.can_release(user, draft)
    assert ps.can_release(cast.surgeon, draft)


def test_release_tells_the_patient_without_any_clinical_detail(draft, cast):
    released = _released(draft, cast)
    notification = Notification.objects.get(recipient=cast.patient_user)
    assert notification.link == f"/my/summaries/{released.uuid}/"
    text = f"{notification.subject} {notification.body}".casefold()
    assert "summary" in text
    patient = cast.patient
    for secret in (
        patient.given_name,
        patient.family_name,
        patient.mrn,
        "cancer",
        "spine",
        "surgery",
        "radiotherapy",
    ):
        assert secret.casefold() not in text, secret


def test_release_notice_is_in_the_patients_language(cast):
    plan = signed_plan(_case(cast, language="es"), 1, chair=cast.chair)
    _released(ps.patient_summary_draft(plan=plan, by=cast.chair), cast)
    notification = Notification.objects.get(recipient=cast.patient_user)
    assert notification.subject == "Un nuevo resumen de su equipo médico"


def test_a_patient_without_a_login_gets_no_notification(cast):
    patient = PatientFactory()
    plan = signed_plan(_case(cast, patient=patient), 1, chair=cast.chair)
    _released(ps.patient_summary_draft(plan=plan, by=cast.chair), cast)
    assert not Notification.objects.exists()


# --- single-use links ----------------------------------------------------------------------------


def test_a_link_is_made_only_for_a_released_summary_and_only_its_hash_is_kept(draft, cast):
    with pytest.raises(ApplicationError):
        ps.access_link_create(summary=draft, by=cast.chair)
    released = _released(draft, cast)
    token = ps.access_link_create(summary=released, by=cast.coordinator, valid_hours=24)
    link = PatientAccessLink.objects.get()
    assert len(token) >= 40
    assert link.token_hash == ps.token_hash(token) != token
    assert token not in link.token_hash
    assert link.created_by == cast.coordinator
    hours = (link.expires_at - timezone.now()).total_seconds() / 3600
    assert 23.9 < hours <= 24


@pytest.mark.parametrize("hours", [0, -1, ps.LINK_HOURS_MAX + 1, True, "12"])
def test_a_link_lasts_between_1_hour_and_14_days(draft, cast, hours):
    released = _released(draft, cast)
    with pytest.raises(ApplicationError) as refused:
        ps.access_link_create(summary=released, by=cast.chair, valid_hours=hours)
    assert "valid_hours" in refused.value.fields


def test_a_link_opens_once(draft, cast):
    released = _released(draft, cast)
    token = ps.access_link_create(summary=released, by=cast.chair)
    ps.access_link_check(token)  # checking spends nothing
    assert ps.access_link_redeem(token) == released
    assert PatientAccessLink.objects.get().used_at is not None
    with pytest.raises(ps.LinkRefused) as refused:
        ps.access_link_redeem(token)
    assert refused.value.reason == "used"
    with pytest.raises(ps.LinkRefused):
        ps.access_link_check(token)


def test_an_expired_link_is_refused(draft, cast):
    released = _released(draft, cast)
    token = ps.access_link_create(summary=released, by=cast.chair)
    PatientAccessLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ps.LinkRefused) as refused:
        ps.access_link_redeem(token)
    assert refused.value.reason == "expired"
    assert PatientAccessLink.objects.get().used_at is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_the_same_moment_open_the_link_once(cast):
    plan = signed_plan(_case(cast), 1, chair=cast.chair)
    summary = _released(ps.patient_summary_draft(plan=plan, by=cast.chair), cast)
    # Several links, each clicked twice at once: a race lost only now and then still shows.
    for _attempt in range(20):
        token = ps.access_link_create(summary=summary, by=cast.chair)
        start = threading.Barrier(2)
        results: list[str] = []

        def click(token=token, start=start, results=results) -> None:
            try:
                start.wait(timeout=10)
                results.append(str(ps.access_link_redeem(token).pk))
            except ps.LinkRefused as refused:
                results.append(refused.reason)
            finally:
                connection.close()

        threads = [threading.Thread(target=click) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        assert sorted(results) == sorted([str(summary.pk), "used"])


@pytest.mark.parametrize("token", ["", "short", "x" * 43, "y" * 500, None])
def test_an_unknown_link_is_refused(token):
    with pytest.raises(ps.LinkRefused) as refused:
        ps.access_link_redeem(token)
    assert refused.value.reason == "unknown"
