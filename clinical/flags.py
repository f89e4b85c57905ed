"""Urgent flags: what puts a case first on the case list and the agenda.

* ``cord_compression``: high-grade epidural spinal cord compression (Bilsky MH et al., J Neurosurg
  Spine 2010;13(3):324-8; high grade per the board's 1c setting, ``escc.is_high_grade``) with a
  neurological deficit progressing over weeks, days or hours: hours matter.
* ``unstable``: a lesion whose SINS is in the unstable band, 13-18 (Fisher CG et al., Spine
  2010;35(22):E1221-9; ``sins.BANDS``), also when findings are missing but the recorded ones
  already put every possible total in that band (``sins.sins_range``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clinical.escc import is_high_grade
from clinical.inputs import CaseData, LesionData, lesion_sins, lesion_sins_range, sins_recorded
from clinical.sins import UNSTABLE

# Neurological progression recorded on the case that counts as a progressing deficit.
PROGRESSING = ("weeks", "days", "hours")


@dataclass(frozen=True)
class Flag:
    code: str
    text: str
    label: str = ""  # short text for a badge, e.g. "Cord compression", "T12 SINS 16 unstable"


def high_grade_compression(lesions: Iterable[LesionData], *, grade_1c_high: bool) -> bool:
    """Some lesion has a recorded high-grade ESCC (Bilsky 2010, 1c per the board's setting)."""
    return any(
        lesion.escc_grade and is_high_grade(lesion.escc_grade, grade_1c_high=grade_1c_high)
        for lesion in lesions
    )


def urgent_flags(
    case: CaseData, lesions: Iterable[LesionData], *, grade_1c_high: bool
) -> tuple[Flag, ...]:
    """Flags for the case list: high-grade ESCC with a progressing deficit (Bilsky 2010); each
    lesion whose SINS is unstable (Fisher 2010)."""
    lesions = tuple(lesions)
    flags: list[Flag] = []
    if case.neuro_progression in PROGRESSING and high_grade_compression(
        lesions, grade_1c_high=grade_1c_high
    ):
        flags.append(
            Flag(
                "cord_compression",
                "High-grade cord compression with a progressing deficit "
                "(Bilsky 2010): hours matter.",
                "Cord compression",
            )
        )
    for lesion in lesions:
        if sins_recorded(lesion):
            result = lesion_sins(lesion)
            if result.category == UNSTABLE:
                flags.append(
                    Flag(
                        "unstable",
                        f"{lesion.level}: SINS {result.total}, unstable (Fisher 2010).",
                        f"{lesion.level} SINS {result.total} unstable",
                    )
                )
            continue
        partial = lesion_sins_range(lesion)
        if partial.category == UNSTABLE:
            flags.append(
                Flag(
                    "unstable",
                    f"{lesion.level}: SINS {partial.low}-{partial.high} whatever the missing "
                    f"findings ({', '.join(partial.missing)}), unstable (Fisher 2010).",
                    f"{lesion.level} SINS {partial.low}-{partial.high} unstable",
                )
            )
    return tuple(flags)
