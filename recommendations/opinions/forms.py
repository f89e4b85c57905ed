"""The opinion form: it parses and presents input; `services.opinion_save` decides what is written.

Only the fields of the specialist's discipline are shown: the regimen for radiation oncology, the
systemic therapy class and line for medical oncology.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from recommendations.models import Opinion
from recommendations.opinions.options import SYSTEMIC_CLASSES, options_for
from recommendations.opinions.services import OPINION_FIELDS
from scheduling.models import Discipline
from tumorboard import bounds


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class OpinionForm(forms.Form):
    options = forms.MultipleChoiceField(
        label=_("Recommended options"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one option.")},
    )
    regimen = forms.ChoiceField(
        label=_("Radiation regimen"),
        required=False,
        help_text=_("Required with cEBRT or SBRT; the lists are the board's."),
    )
    systemic_class = forms.ChoiceField(
        label=_("Systemic therapy class"),
        choices=[("", "—"), *SYSTEMIC_CLASSES],
        required=False,
        help_text=_("Required to continue, start or change systemic therapy."),
    )
    systemic_line = forms.IntegerField(
        label=_("Line of therapy"),
        min_value=1,
        max_value=20,
        required=False,
        help_text=_("1 for first line; required to start or change therapy."),
        widget=forms.NumberInput(attrs={"min": 1, "max": 20}),
    )
    details = forms.CharField(
        max_length=bounds.TEXT,
        label=_("Details of the recommendation"),
        required=False,
        widget=_text(2),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Opinion.Urgency.choices,
        initial=Opinion.Urgency.ROUTINE,
        widget=forms.RadioSelect,
    )
    confidence = forms.ChoiceField(
        label=_("Confidence"), choices=Opinion.Confidence.choices, widget=forms.RadioSelect
    )
    rationale = forms.CharField(max_length=bounds.LONG_TEXT, label=_("Rationale"), widget=_text(5))
    questions_for_board = forms.CharField(
        max_length=bounds.TEXT, label=_("Questions for the board"), required=False, widget=_text(2)
    )
    data_needed = forms.CharField(
        max_length=bounds.TEXT, label=_("Data still needed"), required=False, widget=_text(2)
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, discipline: str, regimens: dict[str, list[str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.discipline = discipline
        self.fields["options"].choices = options_for(discipline)
        if discipline == Discipline.RADIATION_ONCOLOGY:
            self.fields["regimen"].choices = [
                ("", "—"),
                (_("cEBRT"), [(label, label) for label in regimens["cebrt"]]),
                (_("SBRT"), [(label, label) for label in regimens["sbrt"]]),
            ]
        else:
            del self.fields["regimen"]
        if discipline != Discipline.MEDICAL_ONCOLOGY:
            del self.fields["systemic_class"]
            del self.fields["systemic_line"]

    @classmethod
    def initial_from(cls, opinion: Opinion | None) -> dict:
        if opinion is None:
            return {}
        return {name: getattr(opinion, name) for name in [*OPINION_FIELDS, "revision"]}

    def opinion_fields(self) -> dict:
        """What to pass to the service: the opinion's fields this form shows."""
        return {name: value for name, value in self.cleaned_data.items() if name in OPINION_FIELDS}
