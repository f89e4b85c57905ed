"""The options a board weighs in the decision record, and the supportive measures kept apart from
them: their stored shape and its validation.

Each option: {"option": text, "source": noms|opinion|board, "origin": who raised it (e.g.
"raised by Dr A Rahman (radiation oncology)"), "benefits": {aspect: text}, "risks": {aspect:
text}, "fits_goals": text}, the aspects being the issue's four headings. Each supportive measure
(analgesia, therapy, bracing, palliative care ...): {"measure": text, "origin": text}.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tumorboard.errors import ApplicationError

from .common import fail

# What each considered option is weighed on (the four headings).
ASPECTS: tuple[tuple[str, str], ...] = (
    ("neurological", "Neurological"),
    ("local_control", "Local control"),
    ("pain_quality_of_life", "Pain and quality of life"),
    ("recovery_time", "Recovery time"),
)
ASPECT_KEYS = tuple(key for key, _label in ASPECTS)
OPTION_SOURCES: tuple[tuple[str, str], ...] = (
    ("noms", "NOMS suggestion"),
    ("opinion", "Specialist opinion"),
    ("board", "Raised at the board"),
)
OPTION_KEYS = frozenset({"option", "source", "origin", "benefits", "risks", "fits_goals"})
SUPPORTIVE_KEYS = frozenset({"measure", "origin"})
MAX_OPTIONS = 20
MAX_SUPPORTIVE = 20
OPTION_TEXT_MAX = 300
ASPECT_TEXT_MAX = 2000


def _aspects(value: Any, *, where: str, errors: list[str]) -> dict[str, str]:
    if value in (None, ""):
        value = {}
    if not isinstance(value, Mapping):
        errors.append(f"{where}: give an object with {', '.join(ASPECT_KEYS)}.")
        return dict.fromkeys(ASPECT_KEYS, "")
    unknown = sorted(set(value) - set(ASPECT_KEYS))
    if unknown:
        errors.append(
            f"{where}: unknown heading(s) {', '.join(unknown)}; use {', '.join(ASPECT_KEYS)}."
        )
    cleaned = {}
    for key in ASPECT_KEYS:
        text = value.get(key) or ""
        if not isinstance(text, str):
            errors.append(f"{where} ({key}): give text.")
            text = ""
        text = text.strip()
        if len(text) > ASPECT_TEXT_MAX:
            errors.append(f"{where} ({key}): keep it to {ASPECT_TEXT_MAX} characters.")
        cleaned[key] = text
    return cleaned


def _origin(item: Mapping[str, Any], *, where: str, errors: list[str]) -> str:
    origin = item.get("origin") or ""
    if not isinstance(origin, str):
        errors.append(f"{where}: origin is text.")
        return ""
    if len(origin.strip()) > OPTION_TEXT_MAX:
        errors.append(f"{where}: keep the origin to {OPTION_TEXT_MAX} characters.")
    return origin.strip()


def clean_options(value: Any) -> list[dict[str, Any]]:
    """The considered options in their stored shape, or an ApplicationError naming each problem.

    Each option: {"option": text, "source": noms|opinion|board (default board), "origin": who
    raised it (optional text), "benefits":
    {neurological, local_control, pain_quality_of_life, recovery_time}, "risks": {same},
    "fits_goals": how it serves the patient's goals}. Missing headings are stored empty.
    """
    if value is None:
        value = []
    if not isinstance(value, list):
        fail("options", "Give a list of options.")
    if len(value) > MAX_OPTIONS:
        fail("options", f"List at most {MAX_OPTIONS} options.")
    errors: list[str] = []
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    sources = {key for key, _label in OPTION_SOURCES}
    for number, item in enumerate(value, 1):
        where = f"Option {number}"
        if not isinstance(item, Mapping):
            errors.append(f"{where}: give an object with option, benefits, risks and fits_goals.")
            continue
        unknown = sorted(set(item) - OPTION_KEYS)
        if unknown:
            errors.append(f"{where}: {', '.join(unknown)} cannot be set on an option.")
        text = item.get("option")
        text = text.strip() if isinstance(text, str) else ""
        if not text:
            errors.append(f"{where}: name the option.")
        elif len(text) > OPTION_TEXT_MAX:
            errors.append(f"{where}: keep the option to {OPTION_TEXT_MAX} characters.")
        elif text.casefold() in seen:
            errors.append(f"{where}: “{text}” is listed twice.")
        seen.add(text.casefold())
        source = item.get("source") or "board"
        if source not in sources:
            errors.append(f"{where}: source must be one of {', '.join(sorted(sources))}.")
        fits = item.get("fits_goals") or ""
        if not isinstance(fits, str):
            errors.append(f"{where}: fits_goals is text.")
            fits = ""
        elif len(fits.strip()) > ASPECT_TEXT_MAX:
            errors.append(f"{where}: keep fits_goals to {ASPECT_TEXT_MAX} characters.")
        cleaned.append(
            {
                "option": text,
                "source": source,
                "origin": _origin(item, where=where, errors=errors),
                "benefits": _aspects(
                    item.get("benefits"), where=f"{where} benefits", errors=errors
                ),
                "risks": _aspects(item.get("risks"), where=f"{where} risks", errors=errors),
                "fits_goals": fits.strip(),
            }
        )
    if errors:
        raise ApplicationError("Please correct the errors below.", fields={"options": errors})
    return cleaned


def clean_supportive(value: Any) -> list[dict[str, str]]:
    """The supportive measures in their stored shape ({"measure", "origin"}), or an
    ApplicationError naming each problem."""
    if value is None:
        value = []
    if not isinstance(value, list):
        fail("supportive_care", "Give a list of supportive measures.")
    if len(value) > MAX_SUPPORTIVE:
        fail("supportive_care", f"List at most {MAX_SUPPORTIVE} supportive measures.")
    errors: list[str] = []
    cleaned: list[dict[str, str]] = []
    seen: set[str] = set()
    for number, item in enumerate(value, 1):
        where = f"Supportive measure {number}"
        if not isinstance(item, Mapping):
            errors.append(f"{where}: give an object with measure and origin.")
            continue
        unknown = sorted(set(item) - SUPPORTIVE_KEYS)
        if unknown:
            errors.append(f"{where}: {', '.join(unknown)} cannot be set on a supportive measure.")
        text = item.get("measure")
        text = text.strip() if isinstance(text, str) else ""
        if not text:
            errors.append(f"{where}: name the measure.")
        elif len(text) > OPTION_TEXT_MAX:
            errors.append(f"{where}: keep the measure to {OPTION_TEXT_MAX} characters.")
        elif text.casefold() in seen:
            errors.append(f"{where}: “{text}” is listed twice.")
        seen.add(text.casefold())
        cleaned.append({"measure": text, "origin": _origin(item, where=where, errors=errors)})
    if errors:
        raise ApplicationError(
            "Please correct the errors below.", fields={"supportive_care": errors}
        )
    return cleaned


def new_option(text: str, source: str, origin: str = "") -> dict[str, Any]:
    return {
        "option": text,
        "source": source,
        "origin": origin,
        "benefits": dict.fromkeys(ASPECT_KEYS, ""),
        "risks": dict.fromkeys(ASPECT_KEYS, ""),
        "fits_goals": "",
    }
