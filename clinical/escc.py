"""ESCC - Bilsky epidural spinal cord compression grade.

Bilsky MH et al., J Neurosurg Spine 2010;13(3):324-8; graded on axial T2 MRI at the worst level.
Low grade 0, 1a, 1b; high grade 2, 3. Grade 1c (cord abutted, not compressed) is disputed, so its
grouping is a setting (``grade_1c_high``, default low grade, as in the reference).
"""

from __future__ import annotations

from dataclasses import dataclass

from clinical._common import ScoreResult, boolean, choice

SOURCE = "Bilsky 2010, ESCC"

# Ordered: the ordinal (0..5) is the position, used as ``total`` so grades compare numerically.
GRADES: dict[str, str] = {
    "0": "bone-only disease",
    "1a": "epidural impingement, no deformation of the thecal sac",
    "1b": "thecal sac deformed, spinal cord not abutted",
    "1c": "thecal sac deformed, cord abutted but not compressed",
    "2": "cord compressed, CSF still visible around the cord",
    "3": "cord compressed, no CSF visible around the cord",
}
# The grades at which the cord itself is compressed: high grade whatever the 1c setting.
CORD_COMPRESSED = ("2", "3")


@dataclass(frozen=True, kw_only=True)
class EsccResult(ScoreResult):
    grade: str
    high_grade: bool


def parse_grade(value: object, *, argument: str = "grade") -> str:
    """Canonical grade string; integers 0, 2, 3 are accepted for convenience."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return choice(argument, value, GRADES)


def escc(*, grade: str, grade_1c_high: bool = False) -> EsccResult:
    """Bilsky ESCC grade -> low/high grade (Bilsky 2010); 1c grouping per ``grade_1c_high``."""
    grade = parse_grade(grade)
    grade_1c_high = boolean("grade_1c_high", grade_1c_high)
    high = grade in CORD_COMPRESSED or (grade == "1c" and grade_1c_high)
    category = "high" if high else "low"
    ordinal = list(GRADES).index(grade)
    explanation = [
        f"ESCC grade {grade}: {GRADES[grade]} ({SOURCE}).",
        f"Grade {grade} counts as {category} grade (low 0/1a/1b, high 2/3) ({SOURCE}).",
    ]
    if grade == "1c":
        explanation.append(
            "Whether grade 1c is low or high grade is disputed, so it is a configurable setting; "
            f"it is grouped as {category} grade here (grade_1c_high={grade_1c_high}; default low) "
            f"({SOURCE})."
        )
    return EsccResult(
        total=ordinal,
        category=category,
        components={"grade": ordinal},
        explanation=tuple(explanation),
        grade=grade,
        high_grade=high,
    )


def is_high_grade(grade: str, *, grade_1c_high: bool) -> bool:
    """High-grade compression (Bilsky 2010): grade 2 or 3, and 1c when the board groups it so.

    A caller that needs only the yes/no asks this instead of listing grades: it is
    ``escc(...).high_grade``, so it honours the setting and validates ``grade`` the same way.
    """
    return escc(grade=grade, grade_1c_high=grade_1c_high).high_grade
