"""Shared building blocks: the result type, argument validation and table lookups.

Every score in this package is a table of findings and points; the helpers here turn one table
row into points plus a plain-English sentence that names its source, so each score module is
mostly data.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Self


@dataclass(frozen=True, kw_only=True)
class ScoreResult:
    """Immutable outcome of one score: points per component, total, category and reasons.

    ``components`` is a read-only mapping (component name -> points); ``explanation`` is a tuple
    of plain-English sentences, each naming its source, in the order the board should read them.
    """

    total: int
    category: str
    components: Mapping[str, int] = field(default_factory=dict)
    explanation: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Freeze the containers too: a frozen dataclass alone would still let a caller mutate
        # a dict or list it was given, and results are shared with the API and templates.
        object.__setattr__(self, "components", MappingProxyType(dict(self.components)))
        object.__setattr__(self, "explanation", tuple(self.explanation))

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (mappings -> dict, tuples -> list, nested results -> dict)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The result whose ``as_dict()`` is ``data`` (e.g. read back from JSON storage)."""
        result: Self = from_plain(cls, data)
        return result


def from_plain(kind: Any, value: Any) -> Any:
    """The inverse of ``_plain`` for a value of the annotated type ``kind``: JSON lists become
    the tuples, and dicts the (nested) dataclasses, that the annotations name."""
    return _converter(kind)(value)


def _same(value: Any) -> Any:
    return value


@functools.cache
def _converter(kind: Any) -> Callable[[Any], Any]:
    """A function reading a plain value back as ``kind``; built once per type (reading a stored
    assessment must cost less than computing it)."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        kinds = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        if len(kinds) != 1:
            return _same
        inner = _converter(kinds[0])
        return lambda value: None if value is None else inner(value)
    if origin is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _converter(args[0])
            return tuple if item is _same else lambda value: tuple(item(v) for v in value)
        items = tuple(_converter(arg) for arg in args)
        return lambda value: tuple(f(v) for f, v in zip(items, value, strict=True))
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        fields = tuple(
            (f.name, _converter(hints[f.name])) for f in dataclasses.fields(kind) if f.init
        )
        return lambda value: kind(**{name: read(value[name]) for name, read in fields})
    if origin is not None and issubclass(origin, Mapping):
        return dict
    return _same


def _plain(value: Any) -> Any:
    if isinstance(value, ScoreResult):
        return value.as_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True, kw_only=True)
class ScoreRange:
    """The totals a partly recorded score can still reach: ``low``-``high`` over every value the
    missing components allow. ``category`` is the band when the whole range lies in one band,
    else None (the score is then "not computable"); ``missing`` names the missing components."""

    low: int
    high: int
    category: str | None
    missing: tuple[str, ...]
    explanation: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class Finding:
    """One row of a score table: the points it earns and how to say it in plain English."""

    points: int
    text: str


def choice(argument: str, value: object, allowed: Iterable[str]) -> str:
    """Return the canonical spelling of ``value`` among ``allowed`` (case-insensitive).

    Raises ValueError naming the argument and listing the allowed values, so an API can show
    the message to the user as is.
    """
    allowed = tuple(allowed)
    if isinstance(value, str):
        wanted = value.strip().lower()
        for option in allowed:
            if option.lower() == wanted:
                return option
    raise ValueError(f"{argument}={value!r} is not allowed; allowed values: {', '.join(allowed)}")


def pick(argument: str, value: object, table: Mapping[str, Finding]) -> tuple[str, Finding]:
    """Validate ``value`` against a score table and return (canonical key, row)."""
    key = choice(argument, value, table)
    return key, table[key]


def boolean(argument: str, value: object) -> bool:
    """Reject truthy stand-ins ("no", 1, None): a clinical yes/no must be stated as a bool."""
    if not isinstance(value, bool):
        raise ValueError(f"{argument}={value!r} is not allowed; allowed values: True, False")
    return value


def integer(argument: str, value: object, *, minimum: int = 0, maximum: int | None = None) -> int:
    """Validate a whole-number count or measure (bools are rejected although they are ints)."""
    upper = "" if maximum is None else f" and <= {maximum}"
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        raise ValueError(
            f"{argument}={value!r} is not allowed; allowed values: integers >= {minimum}{upper}"
        )
    return value


# The category of a score shown for a primary its paper did not study (haematological primaries
# for Tokuhashi and Tomita): the total is given, no band and no advice.
NOT_VALIDATED = "not_validated"


def not_validated_caveat(*, score: str, primary_label: str, withheld: str) -> str:
    """Why a score's band and advice are withheld for a haematological primary (issue 13)."""
    return (
        f"{primary_label} is a haematological malignancy: {score} was derived from metastases of "
        f"solid tumours and is not validated for it, so the total is shown for information only "
        f"and no {withheld} is derived from it (project rule; the board decides)."
    )


def points(n: int) -> str:
    return f"{n} point" if n == 1 else f"{n} points"


def band(total: int, bands: Iterable[tuple[int, int, str]]) -> str:
    """Category whose inclusive [low, high] range holds ``total``."""
    for low, high, name in bands:
        if low <= total <= high:
            return name
    raise ValueError(
        f"total={total} is outside every band"
    )  # pragma: no cover - tables are complete
