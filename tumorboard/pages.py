"""Helpers every app's page views share: who may open staff pages, and showing refusals on forms."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from tumorboard.errors import ApplicationError
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
        target = next((form for form in forms if name in form.fields), None)
        for message in field_messages:
            if name == "lesions" and formset is not None:
                formset.add_error(message)
            elif target is not None:
                target.add_error(name, message)
            elif name in {"__all__", "non_field_errors"}:
                main.add_error(None, message)
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
