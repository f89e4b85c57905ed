"""Write helpers shared by every app's services."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models

from tumorboard.errors import (
    ApplicationError,
    StaleVersionError,
    VersionRequiredError,
    error_fields,
)


def save_validated(
    instance: models.Model, *, by: AbstractBaseUser | None, creating: bool = False
) -> None:
    """full_clean, stamp who changed it, save; the history row records the same user.

    Validation problems become an ApplicationError carrying the field messages, so the API answers
    400 and a form shows them beside the fields.
    """
    if creating and hasattr(instance, "created_by_id"):
        instance.created_by = by
    if hasattr(instance, "updated_by_id"):
        instance.updated_by = by
    instance._history_user = by
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise ApplicationError(
            "Please correct the errors below.", fields=error_fields(exc)
        ) from exc
    try:
        instance.save()
    except IntegrityError as exc:  # a race past full_clean (e.g. a concurrent duplicate)
        raise ApplicationError("This record clashes with an existing one.") from exc


def check_version(current: models.Model, expected: int | None, what: str) -> None:
    """Optimistic concurrency: `current` is the row locked for the change (select_for_update);
    refuse the change unless it names the version it was based on and that is still the one
    saved. The caller bumps `version` on the save, inside the same transaction."""
    if expected is None:
        raise VersionRequiredError(what)
    if current.version != expected:  # type: ignore[attr-defined]
        raise StaleVersionError(current, what)
