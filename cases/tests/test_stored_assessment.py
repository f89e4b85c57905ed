"""Stored assessments: computed once per change, read back by lists and pages, and always equal to
the clinical core's answer computed afresh (cases.services, cases.assessment)."""

from __future__ import annotations

import datetime as dt
import logging
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import assessment, services
from cases.assessment import case_assessment, stored_case_assessment, stored_case_flags
from cases.models import Case, PriorTreatment, SpinalLesion, StoredAssessment
from cases.selectors import case_detail
from clinical.assessment import CaseAssessment
from clinical.escc import GRADES
from clinical.primaries import PRIMARY_SITES
from clinical.sins import COMPONENTS
from scheduling.models import Board
from scheduling.services import board_settings_update
from tests.factories import PatientFactory
from tumorboard.demo import seed_demo

pytestmark = pytest.mark.django_db

LEVELS = ["C2", "C5", "T4", "T10", "T12", "L1", "L3", "S1"]


def fresh(case: Case, now: dt.datetime) -> CaseAssessment:
    """The clinical core's answer now, from the database as it is (no stored copy, no cache)."""
    return case_assessment(Case.objects.select_related("board").get(pk=case.pk), now=now)


def assert_stored_is_fresh(case: Case) -> None:
    row = StoredAssessment.objects.get(case=case)
    assert CaseAssessment.from_dict(row.assessment) == fresh(case, row.computed_at)
    assert row.flags == row.assessment["flags"]
    # And what a page reads now is the core's answer now.
    now = timezone.now()
    loaded = Case.objects.select_related("board", "stored_assessment").get(pk=case.pk)
    assert stored_case_assessment(loaded, now=now) == fresh(case, now)
    assert stored_case_flags(loaded) == fresh(case, now).flags


def random_lesion(rng: random.Random, level: str) -> dict:
    blank_or = lambda values: rng.choice(["", *values])  # noqa: E731
    data = {name: blank_or(list(table)) for name, (_label, table) in COMPONENTS.items()}
    return {"level": level, "escc_grade": blank_or(list(GRADES)), **data}


def random_case_data(rng: random.Random) -> dict:
    pick = rng.choice
    return {
        "primary_site": pick(sorted(PRIMARY_SITES)),
        "primary_growth": pick(["", "slow", "moderate", "rapid"]),
        "histology_confirmed": pick([None, True, False]),
        # 0 only while no lesion is recorded: a stated 0 beside lesions is refused (issue 13).
        "vertebral_body_mets": pick([None, 1, 3]),
        "extraspinal_bone_mets": pick([None, 0, 1, 4]),
        "visceral_mets": pick(["", "none", "removable", "treatable", "untreatable"]),
        "frankel_grade": pick(["", "A", "C", "D", "E"]),
        "deficit_onset": pick([None, timezone.now() - dt.timedelta(hours=rng.randint(1, 90))]),
        "neuro_progression": pick(["", "none", "stable", "weeks", "days", "hours"]),
        "ecog": pick([None, 0, 1, 2, 3]),
        "kps": pick([None, 40, 60, 80]),
        "fit_for_surgery": pick([None, True, False]),
        "expected_survival_months": pick([None, 2, 6, 24]),
    }


def test_every_demo_case_is_stored_as_the_core_computes_it():
    seed_demo()
    cases = list(Case.objects.all())
    assert len(cases) >= 8
    assert StoredAssessment.objects.count() == len(cases)
    for case in cases:
        assert_stored_is_fresh(case)
    assert any(row.flags for row in StoredAssessment.objects.all())  # the demo has urgent cases


@pytest.mark.parametrize("seed", range(6))
def test_random_cases_stay_stored_as_computed_through_every_kind_of_edit(cast, seed):
    rng, by = random.Random(seed), cast.coordinator
    levels = rng.sample(LEVELS, 3)
    case = services.case_create(
        by=by,
        patient=PatientFactory(created_by=cast.coordinator),
        board=cast.board,
        referring_clinician="Dr R",
        clinical_question="Surgery?",
        lesions=[random_lesion(rng, level) for level in levels[:2]],
        **random_case_data(rng),
    )
    assert_stored_is_fresh(case)
    services.case_update(case=case, expected_version=case.version, by=by, **random_case_data(rng))
    assert_stored_is_fresh(case)
    lesion = services.lesion_add(case=case, by=by, **random_lesion(rng, levels[2]))
    assert_stored_is_fresh(case)
    changes = random_lesion(rng, levels[2])
    del changes["level"]
    services.lesion_update(lesion=lesion, expected_version=lesion.version, by=by, **changes)
    assert_stored_is_fresh(case)
    services.prior_treatment_add(
        case=case,
        by=by,
        kind="radiation",
        level_from=levels[0],
        treated_on=dt.date(2024, 1, 1),
        dose_gy=8,
        fractions=1,
    )
    assert_stored_is_fresh(case)
    services.lesion_remove(
        lesion=case.lesions.first(), expected_version=case.lesions.first().version, by=by
    )
    assert_stored_is_fresh(case)


def _compressed_1c_case(cast) -> Case:
    """Grade 1c with a deficit progressing: cord compression only when 1c counts as high."""
    return services.case_create(
        by=cast.coordinator,
        patient=PatientFactory(created_by=cast.coordinator),
        board=cast.board,
        referring_clinician="Dr R",
        clinical_question="Surgery?",
        primary_site="breast",
        neuro_progression="days",
        lesions=[{"level": "T10", "escc_grade": "1c"}],
    )


def test_a_board_settings_change_restores_its_cases_after_commit(
    cast, django_capture_on_commit_callbacks
):
    case = _compressed_1c_case(cast)
    assert StoredAssessment.objects.get(case=case).flags == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        board_settings_update(board=cast.board, by=cast.coordinator, escc_1c_high_grade=True)
    assert len(callbacks) == 1
    row = StoredAssessment.objects.get(case=case)
    assert [flag["code"] for flag in row.flags] == ["cord_compression"]
    assert_stored_is_fresh(case)
    # The same value again changes nothing and queues nothing.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        board_settings_update(board=cast.board, by=cast.coordinator, escc_1c_high_grade=True)
    assert callbacks == []


def test_a_stale_copy_is_never_shown_and_the_read_is_logged_without_patient_data(cast, caplog):
    case = _compressed_1c_case(cast)
    # Settings changed behind the services' back (or before the refresh task has run).
    Board.objects.filter(pk=cast.board.pk).update(escc_1c_high_grade=True)
    loaded = Case.objects.select_related("board", "stored_assessment").get(pk=case.pk)
    with caplog.at_level(logging.WARNING, logger="cases.assessment"):
        assert [flag.code for flag in stored_case_flags(loaded)] == ["cord_compression"]
        assert stored_case_assessment(loaded) == fresh(case, timezone.now())
    assert (
        caplog.messages
        == ["Stored assessment made under other settings or another core version: computed on read"]
        * 2
    )
    assert case.patient.mrn not in caplog.text
    assert services.assessments_refresh(board_id=cast.board.pk) == 1
    assert services.assessments_refresh(board_id=cast.board.pk) == 0  # idempotent
    assert_stored_is_fresh(case)


def test_a_paraplegia_past_48_hours_is_recomputed_on_read_and_by_the_beat_task(cast):
    case = services.case_create(
        by=cast.coordinator,
        patient=PatientFactory(created_by=cast.coordinator),
        board=cast.board,
        referring_clinician="Dr R",
        clinical_question="Surgery?",
        primary_site="renal_cell",
        histology_confirmed=True,
        fit_for_surgery=True,
        expected_survival_months=12,
        frankel_grade="A",
        deficit_onset=timezone.now() - dt.timedelta(hours=47),
        lesions=[{"level": "T10", "escc_grade": "3"}],
    )
    row = StoredAssessment.objects.get(case=case)
    assert row.valid_until == case.deficit_onset + dt.timedelta(hours=48)
    loaded = Case.objects.select_related("board", "stored_assessment").get(pk=case.pk)
    assert stored_case_assessment(loaded).patchell.result.eligible is True
    later = timezone.now() + dt.timedelta(hours=2)  # paraplegic for 49 h by then
    assert stored_case_assessment(loaded, now=later) == fresh(case, later)
    assert stored_case_assessment(loaded, now=later).patchell.result.eligible is False
    StoredAssessment.objects.filter(pk=row.pk).update(valid_until=timezone.now())
    assert services.expired_assessments_refresh() == 1
    assert StoredAssessment.objects.get(case=case).valid_until > timezone.now()


def test_the_command_backfills_missing_rows(cast):
    case = _compressed_1c_case(cast)
    StoredAssessment.objects.all().delete()
    call_command("cases_refresh_assessments", "--board", str(cast.board.uuid))
    assert_stored_is_fresh(case)
    call_command("cases_refresh_assessments", "--force")
    assert_stored_is_fresh(case)


def _no_computation(*args, **kwargs):
    raise AssertionError("the assessment was computed on read")


@pytest.fixture
def stored_cases(cast, monkeypatch):
    """Three stored cases of the cast's board; afterwards any computation of an assessment or
    of flags fails the test."""
    cases = [_compressed_1c_case(cast) for _ in range(2)]
    Board.objects.filter(pk=cast.board.pk).update(escc_1c_high_grade=True)
    services.assessments_refresh(board_id=cast.board.pk)
    cases.append(
        services.case_create(
            by=cast.coordinator,
            patient=PatientFactory(created_by=cast.coordinator),
            board=cast.board,
            referring_clinician="Dr R",
            clinical_question="Surgery?",
            primary_site="prostate",
            lesions=[random_lesion(random.Random(1), "L1")],
        )
    )
    monkeypatch.setattr(assessment, "assess_case", _no_computation)
    monkeypatch.setattr(assessment, "urgent_flags", _no_computation)
    return cases


def test_lists_and_pages_read_the_stored_assessment_and_never_compute(
    cast, stored_cases, api, client_for
):
    coordinator = cast.coordinator
    response = api(coordinator).get(reverse("api:case-list"))
    assert response.status_code == 200
    rows = response.json()
    rows = rows.get("results", rows) if isinstance(rows, dict) else rows
    assert sorted(len(row["flags"]) for row in rows)[-2:] == [1, 1]
    assert client_for(coordinator).get(reverse("case-list")).status_code == 200
    case = stored_cases[0]
    for url in (
        reverse("api:case-assessment", kwargs={"uuid": case.uuid}),
        reverse("api:readiness-board"),
    ):
        assert api(coordinator).get(url).status_code == 200, url
    assert client_for(coordinator).get(reverse("readiness-board")).status_code == 200
    assert client_for(coordinator).get(reverse("case-detail", args=[case.uuid])).status_code == 200


def test_case_detail_reads_the_stored_row_in_its_own_query_budget(cast, stored_cases):
    case = stored_cases[0]
    with CaptureQueriesContext(connection) as queries:
        loaded = case_detail(user=cast.coordinator, uuid=case.uuid)
        stored_case_assessment(loaded)
    assert "cases_storedassessment" in queries.captured_queries[0]["sql"]  # joined
    assert len(queries) == 4  # the case (with its board and stored row), 3 prefetches


def test_prior_treatment_and_lesion_models_are_what_the_fingerprint_reads():
    # The fingerprint covers what the clinical protocols describe; the models must have them.
    from clinical.inputs import CaseData, LesionData, PriorTreatmentData, attributes

    for model, protocol in (
        (Case, CaseData),
        (SpinalLesion, LesionData),
        (PriorTreatment, PriorTreatmentData),
    ):
        names = {f.name for f in model._meta.concrete_fields}
        assert set(attributes(protocol)) <= names, model
