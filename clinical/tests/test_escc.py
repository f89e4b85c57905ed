"""Bilsky ESCC grade (clinical/escc.py): grades, grouping, the 1c setting.

Expected values are written out from /work/shared/clinical/REFERENCE.md rather than read from
the engine's own tables, so a wrong table row fails a test.
"""

from __future__ import annotations

import pytest

from clinical import escc
from clinical.escc import is_high_grade


@pytest.mark.parametrize(
    ("grade", "ordinal", "category"),
    [
        ("0", 0, "low"),
        ("1a", 1, "low"),
        ("1b", 2, "low"),
        ("1c", 3, "low"),
        ("2", 4, "high"),
        ("3", 5, "high"),
    ],
)
def test_escc_grades(grade, ordinal, category):
    result = escc(grade=grade)
    assert (result.total, result.category, result.high_grade) == (
        ordinal,
        category,
        category == "high",
    )
    assert result.components["grade"] == ordinal
    assert all("(Bilsky 2010, ESCC)." in s for s in result.explanation)


def test_escc_1c_grouping_is_a_setting_and_explained():
    assert escc(grade="1c").category == "low"
    high = escc(grade="1C", grade_1c_high=True)
    assert (high.grade, high.category, high.high_grade) == ("1c", "high", True)
    assert "disputed" in high.explanation[-1] and "configurable" in high.explanation[-1]
    # The setting changes nothing but 1c.
    assert escc(grade="1b", grade_1c_high=True).category == "low"
    assert escc(grade="2", grade_1c_high=False).category == "high"
    assert not any("disputed" in s for s in escc(grade="2").explanation)


def test_escc_accepts_integer_grades():
    assert escc(grade=2).grade == "2"  # type: ignore[arg-type]


@pytest.mark.parametrize("grade", ["4", "1d", "", None, True, 1])
def test_escc_rejects_bad_grade(grade):
    with pytest.raises(ValueError, match=r"grade=.*allowed values: 0, 1a, 1b, 1c, 2, 3"):
        escc(grade=grade)


def test_escc_rejects_non_bool_setting():
    with pytest.raises(ValueError, match="grade_1c_high"):
        escc(grade="1c", grade_1c_high="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("grade", "high_by_default", "high_when_1c_counts"),
    [
        ("0", False, False),
        ("1a", False, False),
        ("1b", False, False),
        ("1c", False, True),
        ("2", True, True),
        ("3", True, True),
    ],
)
def test_is_high_grade_under_both_1c_settings(grade, high_by_default, high_when_1c_counts):
    assert is_high_grade(grade, grade_1c_high=False) is high_by_default
    assert is_high_grade(grade, grade_1c_high=True) is high_when_1c_counts
    for setting in (False, True):
        assert (
            is_high_grade(grade, grade_1c_high=setting)
            is escc(grade=grade, grade_1c_high=setting).high_grade
        )


def test_is_high_grade_validates_like_escc():
    with pytest.raises(ValueError, match="allowed values: 0, 1a, 1b, 1c, 2, 3"):
        is_high_grade("4", grade_1c_high=False)
    with pytest.raises(ValueError, match="grade_1c_high"):
        is_high_grade("1c", grade_1c_high="yes")  # type: ignore[arg-type]
