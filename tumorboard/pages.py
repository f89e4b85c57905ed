"""Helpers every app's page views share: who may open staff pages, and showing refusals on forms."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from tumorboard.errors import ApplicationError, StaleVersionError
from tumorboard.labels import field_label
from tumorboard.roles import is_staff_member


def staff_required(view):
    """Signed in (else the login page) and clinical staff (else 403)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


DJANGO_INVALID_CHOICE = forms.ChoiceField.default_error_messages["invalid_choice"]


def list_valid_choices(form: forms.BaseForm) -> None:
    """Make an invalid choice on a form name the valid ones, in the words the form shows them
    ("Select a valid choice. 4 is not one of the available choices: 0 – bone only, 1a – ...").
    Choices from a database query (a board) and fields with their own wording (a spinal level)
    keep theirs."""
    for field in form.fields.values():
        subfields = field.fields if isinstance(field, forms.MultiValueField) else [field]
        for sub in subfields:
            if (
                isinstance(sub, forms.ChoiceField)
                and not isinstance(sub, forms.ModelChoiceField)
                and sub.error_messages.get("invalid_choice") == DJANGO_INVALID_CHOICE
            ):
                labels = [str(label) for value, label in sub.choices if value != ""]
                sub.error_messages["invalid_choice"] = (
                    _("Select a valid choice. %(value)s is not one of the available choices:")
                    + " "
                    + "; ".join(label.replace("%", "%%") for label in labels)
                    + "."
                )


class ChoicesListedForm:
    """Form mixin: invalid choices name the valid ones (``list_valid_choices``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        list_valid_choices(self)


def show_errors(exc: ApplicationError, *forms, formset=None) -> None:
    """Put a service's refusal on the forms: each field on the form that has it, the rest on top."""
    main = forms[0]
    for name, field_messages in exc.fields.items():
        target = next(
            (f for f in forms if name in f.fields and not f.fields[name].widget.is_hidden), None
        )
        for message in field_messages:
            if name == "lesions" and formset is not None:
                formset.add_error(message)
            elif target is not None:
                target.add_error(name, message)
            elif name in {"__all__", "non_field_errors"}:
                main.add_error(None, message)
            elif name in main.fields:  # a hidden field (the version): the refusal itself
                main.add_error(None, exc.message)
            else:  # a field this page does not show: named by its label, not its code name
                main.add_error(None, f"{field_label(name, *_models(forms))}: {message}")
    if not exc.fields:
        main.add_error(None, exc.message)


def _models(forms) -> list:
    """The models behind the forms (a ModelForm's), whose labels name the fields."""
    return [getattr(getattr(form, "_meta", None), "model", None) for form in forms]


def error_summary(*forms, formset=None) -> list[tuple[str, str]]:
    """(anchor, message) for every error: the summary atop a form links to each field."""
    labelled = [("", form) for form in forms]
    if formset is not None and formset.is_bound:
        labelled += [(_("Lesion %d") % number, form) for number, form in enumerate(formset, 1)]
    items = [("", str(error)) for error in (formset.non_form_errors() if formset else [])]
    for prefix, form in labelled:
        if not form.is_bound:
            continue
        items += [
            ("", f"{prefix}: {error}" if prefix else str(error))
            for error in form.non_field_errors()
        ]
        for bound in form:
            label = f"{prefix} – {bound.label}" if prefix else bound.label
            items += [(f"field-{bound.html_name}", f"{label}: {error}") for error in bound.errors]
    return items


# --- optimistic concurrency on pages ------------------------------------------------------------


@dataclass
class Conflict:
    """A stale save (templates/includes/conflict.html): who changed the record and when (in
    `message`), and what the user tried next to what is saved now."""

    message: str
    # (what, yours, theirs)
    rows: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    advice: str = ""  # what to do now, when not "merge in the form below and save again"


class VersionedForm:
    """Form mixin for editing a record that has a `version`: the version the form was filled
    from travels in a hidden field, so the service can refuse a save based on an older one
    (tumorboard.services.check_version). A form for a new record has no version field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk is None:
            return
        self.fields["version"] = forms.IntegerField(
            widget=forms.HiddenInput, required=False, min_value=1
        )
        if instance is not None:
            self.initial.setdefault("version", instance.version)

    def changes(self) -> dict[str, Any]:
        """The fields the user changed, and their new values (the version is no field of the
        record)."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "version"}


def _shown(form_field: forms.Field | None, value: Any) -> str:
    if value in (None, "", [], ()):
        return "—"
    choices = dict(getattr(form_field, "choices", None) or [])
    if isinstance(value, list | tuple):
        return ", ".join(str(choices.get(item, item)) for item in value)
    return str(choices.get(value, value))


def form_conflict(exc: StaleVersionError, form: forms.BaseForm, mine: dict[str, Any]) -> Conflict:
    """The conflict of a stale save of `form`: each field the user changed whose saved value is
    now different, theirs beside the user's."""
    rows = []
    for name, value in mine.items():
        theirs = getattr(exc.current, name, None)
        if theirs != value:
            form_field = form.fields.get(name)
            label = str(form_field.label) if form_field is not None else name
            rows.append((label, _shown(form_field, value), _shown(form_field, theirs)))
    return Conflict(exc.message, rows)


def rebased(form: forms.BaseForm, current: Any, **kwargs: Any) -> forms.BaseForm:
    """The same submission bound again on the current record (a ModelForm's instance) and its
    version: what the user typed stays, and saving it again knowingly replaces the other
    person's change."""
    data = form.data.copy()
    data[form.add_prefix("version")] = str(current.version)
    if isinstance(form, forms.BaseModelForm):
        kwargs["instance"] = copy.copy(current)
    rebound = type(form)(data, prefix=form.prefix, **kwargs)
    rebound.is_valid()
    return rebound
