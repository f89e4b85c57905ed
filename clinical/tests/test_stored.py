"""Storing an assessment (clinical/assessment.py): from_dict reads back what as_dict wrote, the
fingerprints change with every input, and valid_until dates the time-dependent part."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from clinical.assessment import (
    CaseAssessment,
    assess_case,
    assessment_fingerprint,
    context_fingerprint,
    valid_until,
)
from clinical.escc import GRADES
from clinical.primaries import PRIMARY_SITES
from clinical.sins import COMPONENTS
from clinical.tests.records import (
    LABELS,
    NOW,
    CaseRecord,
    LesionRecord,
    PriorTreatmentRecord,
    board_settings,
)


def _blank_or(values):
    return st.sampled_from(["", *values])


lesions = st.builds(
    LesionRecord,
    level=st.sampled_from(["C2", "C5", "T4", "T10", "T12", "L1", "L3", "S1"]),
    escc_grade=_blank_or(GRADES),
    **{name: _blank_or(table) for name, (_label, table) in COMPONENTS.items()},
)
cases = st.builds(
    CaseRecord,
    primary_site=st.sampled_from(sorted(PRIMARY_SITES)),
    primary_growth=_blank_or(["slow", "moderate", "rapid"]),
    histology_confirmed=st.sampled_from([None, True, False]),
    vertebral_body_mets=st.sampled_from([None, 0, 1, 2, 5]),
    extraspinal_bone_mets=st.sampled_from([None, 0, 1, 3]),
    visceral_mets=st.sampled_from(["", "none", "removable", "treatable", "untreatable"]),
    frankel_grade=_blank_or("ABCDE"),
    deficit_onset=st.sampled_from([None, NOW - dt.timedelta(hours=30)]),
    neuro_progression=_blank_or(["none", "stable", "weeks", "days", "hours"]),
    ecog=st.sampled_from([None, 0, 1, 2, 3, 4]),
    kps=st.sampled_from([None, 30, 50, 70, 90]),
    fit_for_surgery=st.sampled_from([None, True, False]),
    expected_survival_months=st.sampled_from([None, 1, 3, 12]),
)
boards = st.builds(
    board_settings,
    grade_1c_high=st.booleans(),
    intermediate_as=st.sampled_from(["sensitive", "resistant"]),
    sbrt=st.sampled_from([None, [{"total_dose_gy": 24, "fractions": 2}], "unreadable"]),
)
priors = st.lists(st.builds(PriorTreatmentRecord, level_from=st.sampled_from(["T4", "T10"])))


@settings(max_examples=150, deadline=None)
@given(
    case=cases,
    lesion_list=st.lists(lesions, max_size=3, unique_by=lambda le: le.level),
    prior=priors,
    board=boards,
)
def test_from_dict_reads_back_exactly_what_as_dict_stored(case, lesion_list, prior, board):
    a = assess_case(case, lesion_list, prior, settings=board, labels=LABELS, now=NOW)
    stored = json.loads(json.dumps(a.to_dict()))  # as a JSON column keeps it
    b = CaseAssessment.from_dict(stored)
    assert b == a
    assert b.as_dict() == a.as_dict()
    assert b.urgent == a.urgent


def test_the_fingerprint_changes_with_each_input_and_setting():
    settings_, case, lesion = board_settings(), CaseRecord(), LesionRecord()

    def fp(case=case, lesions=(lesion,), prior=(), settings=settings_):
        return assessment_fingerprint(case, lesions, prior, settings=settings, labels=LABELS)

    base = fp()
    assert base == fp()
    assert fp(case=dataclasses.replace(case, kps=80)) != base
    assert fp(lesions=(dataclasses.replace(lesion, escc_grade="1c"),)) != base
    assert fp(prior=(PriorTreatmentRecord(),)) != base
    assert fp(settings=board_settings(grade_1c_high=True)) != base
    assert context_fingerprint(settings=settings_, labels=LABELS) != context_fingerprint(
        settings=board_settings(intermediate_as="resistant"), labels=LABELS
    )


def test_valid_until_dates_only_a_paraplegia_within_48_hours():
    onset = NOW - dt.timedelta(hours=10)
    assert valid_until(CaseRecord(frankel_grade="D", deficit_onset=onset), now=NOW) is None
    assert valid_until(CaseRecord(frankel_grade="A"), now=NOW) is None
    paraplegic = CaseRecord(frankel_grade="A", deficit_onset=onset)
    assert valid_until(paraplegic, now=NOW) == onset + dt.timedelta(hours=48)
    # Past 48 h the answer (not eligible) no longer changes; before the onset, it will.
    assert valid_until(paraplegic, now=onset + dt.timedelta(hours=49)) is None
    assert valid_until(paraplegic, now=onset - dt.timedelta(hours=1)) == onset


def test_an_assessment_holds_until_valid_until():
    onset = NOW - dt.timedelta(hours=47)
    paraplegic = CaseRecord(frankel_grade="A", deficit_onset=onset)

    def patchell(now):
        return assess_case(
            paraplegic, [LesionRecord()], [], settings=board_settings(), labels=LABELS, now=now
        ).patchell

    until = valid_until(paraplegic, now=NOW)
    assert patchell(NOW) == patchell(until - dt.timedelta(seconds=1))
    assert (
        patchell(NOW).result.eligible != patchell(until + dt.timedelta(seconds=1)).result.eligible
    )
