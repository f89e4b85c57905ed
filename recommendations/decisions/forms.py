"""Forms of the meeting screen and the plan page. They parse and present input; the services in
`recommendations.decisions.services` decide what may be written and validate again in their
transaction."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _

from recommendations.decisions.services import ActivityChange
from recommendations.decisions.services.options import (
    ASPECT_KEYS,
    ASPECTS,
    MAX_OPTIONS,
    MAX_SUPPORTIVE,
    OPTION_SOURCES,
    OPTION_TEXT_MAX,
)
from recommendations.decisions.services.plans import DETAIL_FIELDS, DETAIL_TEXT_MAX
from recommendations.models import ConsensusPlan, DecisionRecord, PlanActivity, Rediscussion
from scheduling.models import Attendance, Discipline
from tumorboard import bounds


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _area(rows: int = 3, **attrs) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


def _person(user) -> str:
    name = user.get_full_name() or user.get_username()
    try:
        return f"{name} ({user.specialist_profile.get_discipline_display()})"
    except ObjectDoesNotExist:  # no specialist profile: the name alone
        return name


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _person(obj)


def _members_field(people, **kwargs) -> MemberChoiceField:
    field = MemberChoiceField(queryset=get_user_model().objects.none(), **kwargs)
    field.queryset = get_user_model().objects.filter(pk__in=[p.pk for p in people])
    # Choices from the list already loaded (no query per render).
    field.choices = [("", "—"), *((p.pk, _person(p)) for p in people)]
    return field


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


# --- the decision record ----------------------------------------------------------------------


class DecisionRecordForm(VersionForm):
    patient_goals = forms.CharField(
        max_length=bounds.TEXT,
        label=_("The patient's goals and preferences"),
        required=False,
        widget=_area(3),
    )
    patient_involvement = forms.ChoiceField(
        label=_("Patient and family involvement"),
        choices=[("", "—"), *DecisionRecord.Involvement.choices],
        required=False,
    )
    involvement_note = forms.CharField(
        max_length=bounds.TEXT, label=_("Involvement note"), required=False, widget=_area(2)
    )
    uncertainties = forms.CharField(
        max_length=bounds.TEXT, label=_("Uncertainties"), required=False, widget=_area(3)
    )
    information_needed = forms.CharField(
        max_length=bounds.TEXT, label=_("Information still needed"), required=False, widget=_area(3)
    )

    FIELDS = (
        "patient_goals",
        "patient_involvement",
        "involvement_note",
        "uncertainties",
        "information_needed",
    )

    @classmethod
    def initial_from(cls, record: DecisionRecord) -> dict[str, Any]:
        return {"version": record.version, **{name: getattr(record, name) for name in cls.FIELDS}}

    def record_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class OptionForm(forms.Form):
    """One considered option: benefits and risks under the four headings, fit with goals."""

    option = forms.CharField(label=_("Option"), max_length=OPTION_TEXT_MAX, required=False)
    source = forms.ChoiceField(
        label=_("From"), choices=OPTION_SOURCES, required=False, initial="board"
    )
    # Who raised it, kept as pre-filled (shown beside the option, not typed).
    origin = forms.CharField(max_length=OPTION_TEXT_MAX, required=False, widget=forms.HiddenInput)
    fits_goals = forms.CharField(
        label=_("How it serves the patient's goals"), required=False, widget=_area(2)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for side, side_label in (("benefits", _("Benefits")), ("risks", _("Risks"))):
            for key, label in ASPECTS:
                self.fields[f"{side}_{key}"] = forms.CharField(
                    label=f"{side_label}: {label.lower()}", required=False, widget=_area(2)
                )

    def aspect_rows(self):
        """(heading, benefits field, risks field) per aspect, for a two-column layout."""
        return [(label, self[f"benefits_{key}"], self[f"risks_{key}"]) for key, label in ASPECTS]

    @staticmethod
    def initial_from(option: dict[str, Any]) -> dict[str, Any]:
        initial = {
            "option": option.get("option", ""),
            "source": option.get("source", "board"),
            "origin": option.get("origin", ""),
            "fits_goals": option.get("fits_goals", ""),
        }
        for side in ("benefits", "risks"):
            for key in ASPECT_KEYS:
                initial[f"{side}_{key}"] = (option.get(side) or {}).get(key, "")
        return initial

    def as_option(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data or data.get("DELETE"):
            return None
        option = {
            "option": data.get("option", ""),
            "source": data.get("source") or "board",
            "origin": data.get("origin", ""),
            "fits_goals": data.get("fits_goals", ""),
            "benefits": {k: data.get(f"benefits_{k}", "") for k in ASPECT_KEYS},
            "risks": {k: data.get(f"risks_{k}", "") for k in ASPECT_KEYS},
        }
        texts = [option["option"], option["fits_goals"]]
        texts += [*option["benefits"].values(), *option["risks"].values()]
        return option if any(t.strip() for t in texts) else None  # an untouched blank row


OptionFormSet = forms.formset_factory(
    OptionForm, extra=1, can_delete=True, max_num=MAX_OPTIONS, validate_max=True
)


def options_from(formset) -> list[dict[str, Any]]:
    return [option for form in formset.forms if (option := form.as_option()) is not None]


class SupportiveForm(forms.Form):
    """One supportive measure (analgesia, therapy, bracing ...), apart from the options."""

    measure = forms.CharField(
        label=_("Supportive measure"), max_length=OPTION_TEXT_MAX, required=False
    )
    origin = forms.CharField(max_length=OPTION_TEXT_MAX, required=False, widget=forms.HiddenInput)

    @staticmethod
    def initial_from(measure: dict[str, Any]) -> dict[str, Any]:
        return {"measure": measure.get("measure", ""), "origin": measure.get("origin", "")}

    def as_measure(self) -> dict[str, str] | None:
        data = self.cleaned_data
        if not data or data.get("DELETE") or not (data.get("measure") or "").strip():
            return None
        return {"measure": data["measure"], "origin": data.get("origin", "")}


SupportiveFormSet = forms.formset_factory(
    SupportiveForm, extra=1, can_delete=True, max_num=MAX_SUPPORTIVE, validate_max=True
)


def supportive_from(formset) -> list[dict[str, str]]:
    return [measure for form in formset.forms if (measure := form.as_measure()) is not None]


# --- the plan ---------------------------------------------------------------------------------


class PlanForm(VersionForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", "—"), *ConsensusPlan.Outcome.choices], required=False
    )
    summary = forms.CharField(
        max_length=bounds.LONG_TEXT,
        label=_("The plan in one paragraph"),
        required=False,
        widget=_area(3),
    )

    @staticmethod
    def initial_from(plan: ConsensusPlan) -> dict[str, Any]:
        return {"version": plan.version, "outcome": plan.outcome, "summary": plan.summary}


class ActivityForm(forms.Form):
    """One activity row. `activity` is the uuid of an existing activity (blank: a new one)."""

    activity = forms.UUIDField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", "—"), *PlanActivity.Kind.choices], required=False
    )
    description = forms.CharField(label=_("Activity"), max_length=300, required=False)
    responsible_discipline = forms.ChoiceField(
        label=_("Responsible discipline"), choices=[("", "—"), *Discipline.choices], required=False
    )
    due_date = forms.DateField(label=_("Due"), required=False, widget=DateInput)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_user"] = _members_field(
            people, label=_("Responsible person"), required=False
        )
        for detail in DETAIL_FIELDS:
            name = f"detail_{detail.key}"
            if detail.choices:
                self.fields[name] = forms.ChoiceField(
                    label=detail.label, choices=[("", "—"), *detail.choices], required=False
                )
            else:
                self.fields[name] = forms.CharField(
                    label=detail.label, max_length=DETAIL_TEXT_MAX, required=False
                )
            self.fields[name].widget.attrs["data-kinds"] = " ".join(sorted(detail.kinds))

    def detail_fields(self):
        return [self[f"detail_{detail.key}"] for detail in DETAIL_FIELDS]

    @staticmethod
    def initial_from(activity: PlanActivity) -> dict[str, Any]:
        initial = {
            "activity": activity.uuid,
            "kind": activity.kind,
            "description": activity.description,
            "responsible_discipline": activity.responsible_discipline,
            "responsible_user": activity.responsible_user_id,
            "due_date": activity.due_date,
        }
        for key, value in (activity.details or {}).items():
            initial[f"detail_{key}"] = value
        return initial

    def is_blank(self) -> bool:
        data = self.cleaned_data
        keys = ("kind", "description", "responsible_discipline", "responsible_user", "due_date")
        return not data.get("activity") and not any(data.get(k) for k in keys)

    def activity_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        kind = data.get("kind") or ""
        details = {}
        for detail in DETAIL_FIELDS:
            value = data.get(f"detail_{detail.key}") or ""
            if value and kind in detail.kinds:  # details of another kind are left behind
                details[detail.key] = value
        return {
            "kind": kind,
            "description": data.get("description") or "",
            "responsible_discipline": data.get("responsible_discipline") or "",
            "responsible_user": data.get("responsible_user"),
            "due_date": data.get("due_date"),
            "details": details,
        }


class BaseActivityFormSet(forms.BaseFormSet):
    def __init__(self, *args, people=(), **kwargs):
        self.people = list(people)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "people": self.people}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            renderer=self.renderer,
            people=self.people,
        )
        self.add_fields(form, None)
        return form


ActivityFormSet = forms.formset_factory(
    ActivityForm, formset=BaseActivityFormSet, extra=1, can_delete=True
)


def activity_changes(formset, existing: dict) -> list[ActivityChange]:
    """The formset's rows as service operations: new rows are added, existing rows changed (or
    removed when ticked), untouched blank rows ignored. `existing`: uuid → PlanActivity."""
    changes = []
    for form in formset.forms:
        if not form.cleaned_data or form.is_blank():
            continue
        target = form.cleaned_data.get("activity")
        activity = existing.get(target) if target else None
        if target and activity is None:
            form.add_error(None, _("This activity was removed meanwhile."))
            continue
        if form.cleaned_data.get("DELETE"):
            if activity is not None:
                changes.append(ActivityChange("remove", activity=activity))
            continue
        fields = form.activity_fields()
        if activity is None:
            changes.append(ActivityChange("add", fields=fields))
        else:
            changes.append(ActivityChange("change", activity=activity, fields=fields))
    return changes


# --- the rest of the meeting screen -----------------------------------------------------------


class DissentForm(forms.Form):
    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"] = _members_field(people, label=_("Board member"))
        self.fields["view"] = forms.CharField(label=_("Their view"), widget=_area(2))


class SignForm(VersionForm):
    quorum_override_reason = forms.CharField(
        max_length=bounds.SHORT_TEXT,
        label=_("Why the board proceeds without quorum"),
        required=False,
        widget=_area(2),
        help_text=_("Required only when quorum is not met."),
    )


class AttendanceForm(forms.Form):
    mode = forms.ChoiceField(label=_("Attended"), choices=Attendance.Mode.choices)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"] = _members_field(people, label=_("Member"))
        self.order_fields(["user", "mode"])


# What each ending asks for (the services require it and say so on the field).
STATUS_FIELDS: dict[str, tuple[str, ...]] = {
    PlanActivity.Status.IN_PROGRESS: (),
    PlanActivity.Status.DONE: ("completed_on",),
    PlanActivity.Status.DEVIATED: ("reason", "done_instead", "completed_on"),
    PlanActivity.Status.CANCELLED: ("reason",),
}


class ActivityStatusForm(forms.Form):
    """One small form per next status of an activity (Done with its date; Deviated with why,
    what was done instead and the date; Cancelled with why). The status itself is the form's
    un-prefixed `status` field, so the page knows which form answered."""

    reason = forms.CharField(max_length=bounds.SHORT_TEXT, label=_("Why"), widget=_area(2))
    done_instead = forms.CharField(
        max_length=bounds.SHORT_TEXT, label=_("What was done instead"), widget=_area(2)
    )
    completed_on = forms.DateField(label=_("Date it ended"), widget=DateInput)

    def __init__(self, *args, status: str, activity_pk: int, **kwargs):
        super().__init__(*args, prefix=f"{status}-{activity_pk}", **kwargs)
        self.status = PlanActivity.Status(status)
        wanted = STATUS_FIELDS[status]
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
            else:
                # Required, but said by the service on the field (one wording for page and API).
                self.fields[name].required = False


class SendBackForm(forms.Form):
    trigger = forms.ChoiceField(label=_("Why"), choices=Rediscussion.Trigger.choices)
    detail = forms.CharField(
        max_length=bounds.SHORT_TEXT,
        label=_("What happened"),
        widget=_area(2),
        required=False,
    )
    activity = forms.UUIDField(required=False, widget=forms.HiddenInput)


class AmendmentForm(VersionForm):
    reason = forms.CharField(
        max_length=bounds.SHORT_TEXT, label=_("Reason for the amendment"), widget=_area(2)
    )
    summary = forms.CharField(
        max_length=bounds.LONG_TEXT,
        label=_("The plan in one paragraph"),
        required=False,
        widget=_area(3),
    )
