"""Urgent flags (clinical/flags.py): cord compression with a progressing deficit; unstable SINS."""

from __future__ import annotations

import pytest

from clinical.flags import PROGRESSING, Flag, high_grade_compression, urgent_flags
from clinical.tests.records import CaseRecord, LesionRecord

# T12 junctional 3 + mechanical 3 + lytic 2 + deformity 2 + >50% 3 + bilateral 3 = 16 (demo case 4)
UNSTABLE_T12 = LesionRecord(
    level="T12", alignment="deformity", collapse="over_50", posterolateral="bilateral"
)


def codes(flags: tuple[Flag, ...]) -> list[str]:
    return [flag.code for flag in flags]


@pytest.mark.parametrize("progression", PROGRESSING)
def test_high_grade_compression_with_a_progressing_deficit_is_flagged(progression):
    flags = urgent_flags(
        CaseRecord(neuro_progression=progression), [LesionRecord()], grade_1c_high=False
    )
    assert flags == (
        Flag(
            "cord_compression",
            "High-grade cord compression with a progressing deficit (Bilsky 2010): hours matter.",
            "Cord compression",
        ),
    )


@pytest.mark.parametrize("progression", ["", "none", "stable"])
def test_no_cord_flag_without_a_progressing_deficit(progression):
    case = CaseRecord(neuro_progression=progression)
    assert urgent_flags(case, [LesionRecord()], grade_1c_high=True) == ()


@pytest.mark.parametrize(
    ("grade", "grade_1c_high", "flagged"),
    [
        ("0", True, False),
        ("1b", True, False),
        ("1c", False, False),
        ("1c", True, True),
        ("2", False, True),
        ("3", False, True),
        ("", True, False),  # not recorded: the ESCC score says it is missing
    ],
)
def test_cord_flag_follows_the_boards_1c_setting(grade, grade_1c_high, flagged):
    lesion = LesionRecord(escc_grade=grade)
    assert high_grade_compression([lesion], grade_1c_high=grade_1c_high) is flagged
    flags = urgent_flags(CaseRecord(), [lesion], grade_1c_high=grade_1c_high)
    assert ("cord_compression" in codes(flags)) is flagged


def test_unstable_sins_flags_each_lesion_after_the_cord_flag():
    flags = urgent_flags(
        CaseRecord(), [LesionRecord(), UNSTABLE_T12, UNSTABLE_T12], grade_1c_high=False
    )
    assert codes(flags) == ["cord_compression", "unstable", "unstable"]
    assert flags[1] == Flag(
        "unstable", "T12: SINS 16, unstable (Fisher 2010).", "T12 SINS 16 unstable"
    )


def test_an_incomplete_sins_whose_range_spans_bands_is_not_flagged():
    # T10 1 + mechanical 3 + lytic 2 + normal 0 + unilateral 1 = 7, collapse 0-3 missing: 7-10.
    incomplete = LesionRecord(level="T10", collapse="")
    assert (
        urgent_flags(CaseRecord(neuro_progression="none"), [incomplete], grade_1c_high=False) == ()
    )
    # Pain missing too: 4-10 spans stable and potentially unstable.
    assert (
        urgent_flags(
            CaseRecord(neuro_progression="none"),
            [LesionRecord(level="T10", collapse="", pain="")],
            grade_1c_high=False,
        )
        == ()
    )


def test_an_incomplete_sins_already_unstable_is_flagged_naming_what_is_missing():
    """Issue 13 / Fisher 2010: T12 3 + mechanical 3 + lytic 2 + subluxation 4 + unilateral 1 =
    13 before collapse (0-3) is known: 13-16, unstable whatever it is."""
    incomplete = LesionRecord(level="T12", collapse="", alignment="subluxation")
    (flag,) = urgent_flags(CaseRecord(neuro_progression="none"), [incomplete], grade_1c_high=False)
    assert flag.code == "unstable"
    assert flag.label == "T12 SINS 13-16 unstable"
    assert "vertebral body collapse" in flag.text and "Fisher 2010" in flag.text


def test_lesions_may_be_any_iterable():
    lesions = iter([LesionRecord(), UNSTABLE_T12])
    assert codes(urgent_flags(CaseRecord(), lesions, grade_1c_high=False)) == [
        "cord_compression",
        "unstable",
    ]
