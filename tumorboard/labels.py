"""Records in the clinic's words, for history pages and messages: a field by its label, a value as
the form shows it (choice labels, Yes/No, dates and times on the board's clock, lists as lists),
a person by full name. Never a Python dict, `True`, an ISO timestamp, a username or an internal
field name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

EMPTY = "—"


def deleted_user() -> str:
    return _("a deleted user")


def person(user) -> str:
    """A person by full name; a user without one by e-mail address; a missing one as deleted."""
    if user is None:
        return deleted_user()
    return user.get_full_name() or user.email or _("a user without a name")


def field_label(name: str, *models_: type[models.Model] | None) -> str:
    """The label of field `name` on the first of `models_` that has it; else the name in words
    ("expected_survival_months" -> "Expected survival months")."""
    for model in models_:
        if model is None:
            continue
        try:
            return capfirst(str(model._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            continue
    return capfirst(name.replace("_", " ").strip())


def labelled_messages(
    fields: Mapping[str, Iterable[str]], *models_: type[models.Model] | None
) -> list[str]:
    """ "Label: message" for each field message, record-level messages as they are."""
    return [
        message
        if name in {"__all__", "non_field_errors"}
        else f"{field_label(name, *models_)}: {message}"
        for name, messages in fields.items()
        for message in messages
    ]


def local_time(value: dt.datetime, zone: str | None = None) -> str:
    """A moment on the board's clock (or the site's), as people write it: "7 Dec 2026, 16:51"."""
    when = timezone.localtime(value, ZoneInfo(zone) if zone else None)
    return date_format(when, "j M Y, H:i")


def shown(
    model: type[models.Model],
    name: str,
    value: Any,
    *,
    zone: str | None = None,
    people: Mapping[Any, Any] | None = None,
    choices: Iterable[tuple[Any, Any]] | None = None,
) -> str:
    """A field's value as people read it. `people` maps user ids to users, for fields that name
    a person (a diff carries their ids); `choices` names the items of a list kept as JSON."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        model_field = None
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if model_field is not None and model_field.is_relation:
        related = model_field.related_model
        if (
            people is not None
            and related is not None
            and related._meta.label == settings.AUTH_USER_MODEL
        ):
            return person(people.get(value))
        return str(value)
    choices = dict(choices) if choices is not None else _choices(model_field)
    if isinstance(value, list | tuple | set):
        return (
            ", ".join(_one(item, choices, zone=zone) for item in value if item not in (None, ""))
            or EMPTY
        )
    if isinstance(value, dict):
        return (
            "; ".join(
                f"{capfirst(str(key).replace('_', ' '))}: {_one(item, {}, zone=zone)}"
                for key, item in value.items()
                if item not in (None, "", [], {})
            )
            or EMPTY
        )
    if isinstance(value, str) and isinstance(model_field, models.DateTimeField):
        value = parse_datetime(value) or value
    elif isinstance(value, str) and isinstance(model_field, models.DateField):
        value = parse_date(value) or value
    return _one(value, choices, zone=zone)


def _one(value: Any, choices: Mapping[Any, Any], *, zone: str | None) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return local_time(value, zone)
    if isinstance(value, dt.date):
        return date_format(value, "j M Y")
    if isinstance(value, list | tuple):
        return ", ".join(_one(item, choices, zone=zone) for item in value)
    if isinstance(value, dict) and "option" in value:  # a considered option: its name
        return str(value["option"])
    if isinstance(value, dict):
        return "; ".join(
            f"{capfirst(str(k).replace('_', ' '))}: {_one(v, {}, zone=zone)}"
            for k, v in value.items()
        )
    if value in choices:
        return str(choices[value])
    return str(value)


def _choices(model_field) -> dict[Any, Any]:
    """The field's choices; for a list field, those of its items."""
    if model_field is None:
        return {}
    for candidate in (model_field, getattr(model_field, "base_field", None)):
        if candidate is not None and candidate.choices:
            return dict(candidate.flatchoices)
    return {}
