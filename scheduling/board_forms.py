"""The board decision-support settings form. It parses and presents; the service decides.

Kept apart from a future scheduling/forms.py only to avoid clashing with work in progress; it can
be merged into it.
"""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.assessment import regimens_from_settings
from clinical.regimens import SBRT_REGIMENS

from .models import Board

# "24/2", "24 Gy/2", "27 Gy / 3 fractions", "24 Gy x 1" (a dose "x N" reads as a dose *per
# fraction* for N > 1, so "x" is accepted for a single fraction only).
REGIMEN_LINE = re.compile(
    r"^(?P<dose>\d+(?:[.,]\d+)?)\s*(?:gy)?\s*(?:(?P<slash>/)|(?P<times>[x×]))\s*"
    r"(?P<fractions>\d+)\s*(?:fr|fx|fractions?)?$",
    re.IGNORECASE,
)
PROJECT_LIST = ", ".join(regimen.label for regimen in SBRT_REGIMENS)


def regimens_text(stored: list) -> str:
    """The stored list as the form shows it, one regimen per line."""
    regimens, problems = regimens_from_settings(stored or [])
    if problems:  # shown raw so the coordinator can correct it
        return "\n".join(str(item) for item in stored)
    return "\n".join(regimen.label for regimen in regimens)


def parse_regimen_lines(text: str) -> list[dict]:
    """One regimen per line -> [{"total_dose_gy": 24, "fractions": 2}, ...]; blank lines ignored.

    Raises ValidationError naming each line it cannot read. Ranges (dose above 0, 1-10
    fractions, duplicates) are the service's to check.
    """
    items, errors = [], []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for number, line in enumerate(lines, 1):
        match = REGIMEN_LINE.match(line)
        if match is None:
            errors.append(
                _("Regimen %(n)d: “%(line)s” is not total dose / fractions, e.g. 24 Gy/2.")
                % {"n": number, "line": line}
            )
            continue
        dose = float(match["dose"].replace(",", "."))
        fractions = int(match["fractions"])
        if match["times"] and fractions != 1:
            errors.append(
                _(
                    "Regimen %(n)d: “%(line)s” is ambiguous (dose per fraction?); write the total "
                    "dose / fractions, e.g. %(total)g Gy/%(fractions)d."
                )
                % {"n": number, "line": line, "total": dose * fractions, "fractions": fractions}
            )
            continue
        items.append(
            {"total_dose_gy": int(dose) if dose.is_integer() else dose, "fractions": fractions}
        )
    if errors:
        raise forms.ValidationError(errors)
    return items


class BoardSettingsForm(forms.Form):
    escc_1c_high_grade = forms.TypedChoiceField(
        label=_("Bilsky grade 1c (cord abutted, not compressed) counts as"),
        choices=[
            ("false", _("Low grade (default)")),
            ("true", _("High grade")),
        ],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
        help_text=_("Disputed (Bilsky 2010): it decides NOMS for radioresistant tumours."),
    )
    intermediate_histology = forms.ChoiceField(
        label=_("Histologies of intermediate radiosensitivity (e.g. breast, prostate)"),
        choices=Board.IntermediateHistology.choices,
        widget=forms.RadioSelect,
        help_text=_("Treating them as radiosensitive is a project default, not a published rule."),
    )
    sbrt_regimens = forms.CharField(
        label=_("SBRT regimens the board offers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_(
            "One per line: total dose in Gy / fractions (1–10), e.g. 24 Gy/2. "
            "Leave empty for the project list: %(list)s."
        )
        % {"list": PROJECT_LIST},
    )

    @classmethod
    def for_board(cls, board: Board, data=None) -> BoardSettingsForm:
        return cls(
            data,
            initial={
                "escc_1c_high_grade": "true" if board.escc_1c_high_grade else "false",
                "intermediate_histology": board.intermediate_histology,
                "sbrt_regimens": regimens_text(board.sbrt_regimens),
            },
        )

    def clean_sbrt_regimens(self) -> list[dict]:
        return parse_regimen_lines(self.cleaned_data["sbrt_regimens"])
