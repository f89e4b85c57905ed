"""Page forms: they parse and present input. The services decide what may be written.

The model forms here are never saved: views pass `cleaned_data` to a service, which validates again
inside its transaction and whose `ApplicationError.fields` the view puts back on these forms.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tumorboard.pages import ChoicesListedForm, VersionedForm

from .models import LEVEL_ERRORS, Case, CaseAttachment, Patient, PriorTreatment, SpinalLesion
from .selectors import SEARCH_NAME_MIN, boards_of, patients_visible_to, related_model


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _number(low: int, high: int, step: int = 1) -> forms.NumberInput:
    return forms.NumberInput(attrs={"min": low, "max": high, "step": step})


GOAL_RANKS = len(Case.Goal.choices)


class RankedGoalsWidget(forms.MultiWidget):
    """One select per rank, most important first."""

    def __init__(self, attrs=None):
        widgets = [
            forms.Select(
                choices=[("", _("Priority %d: —") % rank), *Case.Goal.choices],
                attrs={"aria-label": _("Priority %d") % rank},
            )
            for rank in range(1, GOAL_RANKS + 1)
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        return list(value or [])


class RankedGoalsField(forms.MultiValueField):
    """The patient's goals as an ordered list; the model refuses unknown or repeated goals."""

    widget = RankedGoalsWidget

    def __init__(self, **kwargs):
        fields = [
            forms.ChoiceField(choices=Case.Goal.choices, required=False)
            for _rank in range(GOAL_RANKS)
        ]
        kwargs.setdefault("required", False)
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        return [goal for goal in data_list if goal]

    def has_changed(self, initial, data):
        # The default compares rank by rank and stops at the shorter list.
        return list(initial or []) != self.compress(data or [])


class PatientChoiceForm(forms.Form):
    """Register a new patient, or attach the case to one already registered on the user's boards."""

    NEW, EXISTING = "new", "existing"

    source = forms.ChoiceField(
        label=_("Patient"),
        choices=[(NEW, _("New patient")), (EXISTING, _("Already registered (find by MRN)"))],
        initial=NEW,
        widget=forms.RadioSelect,
    )
    existing_mrn = forms.CharField(
        label=_("MRN of the registered patient"), max_length=32, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        data["patient"] = None
        if data.get("source") != self.EXISTING:
            return data
        mrn = (data.get("existing_mrn") or "").strip()
        if not mrn:
            self.add_error("existing_mrn", _("Enter the MRN of the registered patient."))
            return data
        # Only patients on the user's boards: an MRN elsewhere in the hospital is not revealed.
        data["patient"] = patients_visible_to(self.user).filter(mrn=mrn).first()
        if data["patient"] is None:
            self.add_error(
                "existing_mrn", _("No patient with this MRN is registered on your boards.")
            )
        return data

    @property
    def wants_new_patient(self) -> bool:
        return self.cleaned_data.get("source", self.NEW) == self.NEW


class PatientForm(ChoicesListedForm, forms.ModelForm):
    class Meta:
        model = Patient
        fields = [
            "mrn",
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "preferred_language",
            "phone",
            "email",
        ]
        widgets = {"date_of_birth": DateInput()}

    def validate_unique(self):
        """Uniqueness is the service's call (cases.services.patient_create): an MRN another
        board holds is refused without saying so, which the model's own check would."""


CASE_FIELDSETS: list[tuple[str, list[str]]] = [
    (_("Referral"), ["board", "referring_clinician", "urgency", "clinical_question"]),
    (
        _("Primary tumour"),
        [
            "primary_site",
            "histology",
            "histology_confirmed",
            "diagnosis_date",
            "molecular_markers",
            "systemic_therapy_history",
        ],
    ),
    (
        _("Extent of disease"),
        ["vertebral_body_mets", "extraspinal_bone_mets", "visceral_mets", "brain_mets"],
    ),
    (
        _("Neurological status"),
        [
            "asia_grade",
            "frankel_grade",
            "neuro_progression",
            "deficit_onset",
            "ambulatory",
            "neuro_exam_date",
            "neuro_deficits",
        ],
    ),
    (
        _("Performance status, pain and general health"),
        [
            "ecog",
            "kps",
            "pain_score",
            "fit_for_surgery",
            "expected_survival_months",
            "analgesics",
            "comorbidities",
        ],
    ),
    (_("The patient's goals"), ["goals_ranked", "goals_reported_by", "goals_notes"]),
]
CASE_FORM_FIELDS = [name for _legend, names in CASE_FIELDSETS for name in names]


class CaseForm(ChoicesListedForm, forms.ModelForm):
    """The clinical fields of a case, grouped as the case page shows them."""

    goals_ranked = RankedGoalsField(label=_("Goals, most important first"))

    class Meta:
        model = Case
        fields = CASE_FORM_FIELDS
        widgets = {
            "clinical_question": _text(3),
            "molecular_markers": _text(2),
            "systemic_therapy_history": _text(2),
            "neuro_deficits": _text(2),
            "analgesics": _text(2),
            "comorbidities": _text(2),
            "goals_notes": _text(3),
            "diagnosis_date": DateInput(),
            "neuro_exam_date": DateInput(),
            "deficit_onset": DateTimeInput(),
            "ecog": _number(0, 5),
            "kps": _number(0, 100, 10),
            "pain_score": _number(0, 10),
            "vertebral_body_mets": _number(0, 33),
            "extraspinal_bone_mets": _number(0, 999),
            "expected_survival_months": _number(0, 240),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "board" in self.fields:
            boards = boards_of(user).order_by("name")
            self.fields["board"].queryset = boards
            self.fields["board"].empty_label = None
        self.fields["clinical_question"].widget.attrs["placeholder"] = _(
            "e.g. Separation surgery then SBRT, or radiotherapy alone?"
        )

    def fieldsets(self):
        for legend, names in CASE_FIELDSETS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                yield legend, fields


class CaseEditForm(VersionedForm, CaseForm):
    """A case never changes board here (that would move it out of its members' sight)."""

    class Meta(CaseForm.Meta):
        fields = [name for name in CASE_FORM_FIELDS if name != "board"]


class LesionForm(VersionedForm, ChoicesListedForm, forms.ModelForm):
    class Meta:
        model = SpinalLesion
        fields = [
            "level",
            "imaging_date",
            "imaging_modality",
            "pain",
            "bone_lesion",
            "alignment",
            "collapse",
            "posterolateral",
            "escc_grade",
            "radiculopathy",
            "notes",
        ]
        widgets = {"imaging_date": DateInput(), "notes": _text(2)}
        error_messages = {"level": LEVEL_ERRORS}


class BaseLesionFormSet(forms.BaseFormSet):
    def lesions(self) -> list[dict]:
        """The lesions the user filled in, in order (blank rows are skipped)."""
        return [form.cleaned_data for form in self.forms if form.has_changed()]

    def add_error(self, message: str) -> None:
        self.non_form_errors().append(message)


class PriorTreatmentForm(VersionedForm, ChoicesListedForm, forms.ModelForm):
    """Surgery, cement, radiotherapy (dose, fractions, levels, date) or systemic therapy."""

    class Meta:
        model = PriorTreatment
        fields = [
            "kind",
            "level_from",
            "level_to",
            "treated_on",
            "dose_gy",
            "fractions",
            "description",
        ]
        widgets = {
            "treated_on": DateInput(),
            "dose_gy": forms.NumberInput(attrs={"min": 0, "step": "0.01"}),
            "fractions": _number(1, 99),
        }
        error_messages = {"level_from": LEVEL_ERRORS, "level_to": LEVEL_ERRORS}


LesionFormSet = forms.formset_factory(
    LesionForm, formset=BaseLesionFormSet, extra=2, max_num=29, validate_max=True
)


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Case.Status.choices], required=False
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=[("", _("Any urgency")), *Case.Urgency.choices], required=False
    )
    meeting = forms.ModelChoiceField(
        label=_("Meeting"),
        queryset=None,  # set per user below
        to_field_name="uuid",
        required=False,
        empty_label=_("Any meeting"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        meeting = related_model("agenda_items__meeting")
        self.fields["meeting"].queryset = (
            meeting.objects.filter(board__in=boards_of(user))
            .select_related("board")
            .exclude(status=meeting.Status.CANCELLED)
            .order_by("-starts_at")
        )
        self.fields["meeting"].label_from_instance = _meeting_label

    def filters(self) -> dict:
        """The valid, non-empty filters (an invalid one is shown as an error and ignored)."""
        self.is_valid()
        filters = {name: value for name, value in self.cleaned_data.items() if value}
        if "meeting" in filters:
            filters["meeting"] = filters["meeting"].uuid
        return filters


class CaseSearchForm(forms.Form):
    """Search terms, sent by POST so that no MRN or name reaches a URL or an access log. Which
    combinations make a search is the selector's rule (`check_search_terms`)."""

    mrn = forms.CharField(label=_("MRN"), max_length=32, required=False)
    family_name = forms.CharField(
        label=_("Family name starts with"),
        max_length=100,
        required=False,
        help_text=_("At least %(n)s letters.") % {"n": SEARCH_NAME_MIN},
    )
    given_name = forms.CharField(label=_("Given name starts with"), max_length=100, required=False)


def _meeting_label(meeting) -> str:
    starts = timezone.localtime(meeting.starts_at)
    return f"{starts:%a %d %b %Y, %H:%M} – {meeting.board.name} ({meeting.get_kind_display()})"


class TransitionForm(ChoicesListedForm, forms.Form):
    to = forms.ChoiceField(choices=Case.Status.choices)
    reason = forms.CharField(
        label=_("Reason (required to defer or withdraw)"),
        max_length=500,
        required=False,
        widget=_text(2),
    )
    # Mark a case ready that is not (cases.status): the reason then says why.
    override = forms.BooleanField(required=False)


class ReadinessOverrideForm(TransitionForm):
    """The case page's "mark ready anyway" form: the same fields, its own reason label."""

    reason = forms.CharField(
        label=_("Why the board should see it now (required)"),
        max_length=500,
        required=False,
        widget=_text(2),
    )


class PatientSignUpForm(forms.Form):
    """The patient's sign-up form: the view renders it in the patient's language."""

    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        help_text=password_validation.password_validators_help_text_html(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Choose a password.")},
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Type the password again.")},
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") != data["password1"]:
            self.add_error("password2", _("The two passwords are not the same."))
        return data


class AttachmentForm(forms.Form):
    """An attachment's file and details; the file is checked by its content in the service."""

    kind = forms.ChoiceField(label=_("Kind"), choices=CaseAttachment.Kind.choices)
    study_date = forms.DateField(
        label=_("Study or report date"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for a DICOM file to use its own study date."),
    )
    caption = forms.CharField(label=_("Caption"), required=False, max_length=300)
    not_key_image = forms.BooleanField(
        label=_("Not a key image"),
        required=False,
        help_text=_("Images are shown as key images in meeting mode unless ticked."),
    )

    # Last: an upload over the size limit is stopped at the file, after the other fields.
    file = forms.FileField(
        label=_("File"),
        help_text=_("A PDF report, a PNG or JPEG image, or a DICOM file."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.png,.jpg,.jpeg,.dcm,application/pdf,image/png,image/jpeg"}
        ),
    )

    def attachment_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "study_date": data["study_date"],
            "caption": data["caption"],
            "is_key_image": False if data["not_key_image"] else None,
        }
