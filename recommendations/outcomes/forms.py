"""Forms of the follow-up pages: the clinician's record and the patient's "How are you doing?"."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import DateInput
from recommendations.models import FollowUp, PatientReportedOutcome
from tumorboard.pages import VersionedForm

from .services import CLINICAL_FIELDS, COMMENT_MAX

_YES_NO_UNKNOWN = [("", _("Not assessed")), ("true", _("Yes")), ("false", _("No"))]


def _yes_no(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value)


class FollowUpRecordForm(VersionedForm, forms.ModelForm):
    """One follow-up: seen (with the findings) or not seen (with the reason). The service checks
    it again; the model's validators (pain 0–10, ECOG 0–4, Karnofsky in steps of 10) apply."""

    status = forms.ChoiceField(
        label=_("Outcome of the follow-up"),
        choices=[
            (FollowUp.Status.RECORDED, _("Seen: record the findings")),
            (FollowUp.Status.MISSED, _("Not seen (give the reason)")),
        ],
        widget=forms.RadioSelect,
    )
    complication_fracture = forms.TypedChoiceField(
        label=_("Fracture"),
        choices=_YES_NO_UNKNOWN,
        coerce=_yes_no,
        empty_value=None,
        required=False,
    )
    complication_wound = forms.TypedChoiceField(
        label=_("Wound complication"),
        choices=_YES_NO_UNKNOWN,
        coerce=_yes_no,
        empty_value=None,
        required=False,
    )
    complication_neuro_worsening = forms.TypedChoiceField(
        label=_("Neurological worsening"),
        choices=_YES_NO_UNKNOWN,
        coerce=_yes_no,
        empty_value=None,
        required=False,
    )
    readmitted = forms.TypedChoiceField(
        label=_("Readmitted"),
        choices=_YES_NO_UNKNOWN,
        coerce=_yes_no,
        empty_value=None,
        required=False,
    )
    date_of_death = forms.DateField(
        label=_("Date of death (if the patient has died)"),
        required=False,
        widget=DateInput(),
        help_text=_("Recorded on the patient (survival)."),
    )

    class Meta:
        model = FollowUp
        fields = ["status", "recorded_on", "missed_reason", *CLINICAL_FIELDS]
        widgets = {
            "recorded_on": DateInput(),
            "missed_reason": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "pain_score": forms.NumberInput(attrs={"min": 0, "max": 10}),
            "ecog": forms.NumberInput(attrs={"min": 0, "max": 4}),
            "kps": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 10}),
        }

    def __init__(self, *args, patient=None, **kwargs):
        super().__init__(*args, **kwargs)
        if patient is not None:
            self.initial.setdefault("date_of_death", patient.date_of_death)
        for name in (
            "complication_fracture",
            "complication_wound",
            "complication_neuro_worsening",
            "readmitted",
        ):
            value = getattr(self.instance, name)
            self.initial[name] = "" if value is None else ("true" if value else "false")
        if self.instance.status == FollowUp.Status.DUE:
            self.initial["status"] = FollowUp.Status.RECORDED

    def _post_clean(self):
        # The service validates the record (on the locked row); the form only parses input.
        pass


PAIN_WORDS = {
    0: _("0 – no pain"),
    1: _("1"),
    2: _("2 – mild pain"),
    3: _("3"),
    4: _("4"),
    5: _("5 – moderate pain"),
    6: _("6"),
    7: _("7 – severe pain"),
    8: _("8"),
    9: _("9"),
    10: _("10 – the worst pain you can imagine"),
}
MOBILITY_WORDS = {
    PatientReportedOutcome.Mobility.WALK_UNAIDED: _("I walk without help"),
    PatientReportedOutcome.Mobility.WALK_WITH_AID: _("I walk with a stick, crutches or a frame"),
    PatientReportedOutcome.Mobility.WHEELCHAIR: _("I use a wheelchair"),
    PatientReportedOutcome.Mobility.BED: _("I stay in bed most of the day"),
}


class PatientReportForm(forms.Form):
    """ "How are you doing?": pain 0–10 in words and how the patient gets about, in plain words."""

    pain_score = forms.TypedChoiceField(
        label=_("How much pain have you had in the last week?"),
        choices=list(PAIN_WORDS.items()),
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("0 means no pain at all, 10 the worst pain you can imagine."),
        error_messages={"required": _("Choose a number from 0 to 10.")},
    )
    mobility = forms.ChoiceField(
        label=_("How do you get about?"),
        choices=list(MOBILITY_WORDS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the answer that fits you best.")},
    )
    comment = forms.CharField(
        label=_("Anything else you want your care team to know? (optional)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
