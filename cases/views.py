"""Case pages. Thin: parse a form, call one selector or service, render or redirect.

Access: every page is for clinical staff only (403 for patients and users without a role); a case
outside `cases_visible_to(user)` is a 404, so its existence is not revealed.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.assessment import stored_case_assessment, stored_case_flags
from tumorboard.errors import ApplicationError
from tumorboard.pages import error_summary, show_errors, staff_required
from tumorboard.pagination import InvalidCursor, keyset_page

from . import selectors, services
from .forms import (
    CaseEditForm,
    CaseFilterForm,
    CaseForm,
    CaseSearchForm,
    LesionForm,
    LesionFormSet,
    PatientChoiceForm,
    PatientForm,
    ReadinessOverrideForm,
    TransitionForm,
)
from .models import Case
from .status import case_meeting, manual_status_changes

CASES_PER_PAGE = 50
HISTORY_ENTRIES = 20


def _get_case(user, case_uuid) -> Case:
    try:
        return selectors.case_detail(user=user, uuid=case_uuid)
    except Case.DoesNotExist:
        raise Http404("No such case.") from None


def _case_rows(cases: list[Case]) -> list[Case]:
    for case in cases:
        case.next_meeting = case_meeting(case)
        case.flags = stored_case_flags(case)  # joined: no query per row
    return cases


@staff_required
def case_list(request):
    """Pages by cursor (`?cursor=`, from the Next and Previous links): no count of all cases."""
    form = CaseFilterForm(request.GET or None, user=request.user)
    filters = form.filters() if form.is_bound else {}
    cases = selectors.case_list(user=request.user, filters=filters)
    cursor_refused = False
    try:
        page = keyset_page(cases, cursor=request.GET.get("cursor"), size=CASES_PER_PAGE)
    except InvalidCursor:
        cursor_refused = True
        page = keyset_page(cases, cursor=None, size=CASES_PER_PAGE)
    return render(
        request,
        "cases/case_list.html",
        {
            "filter_form": form,
            "search_form": CaseSearchForm(),
            "page": page,
            "cases": _case_rows(page.rows),
            "filtered": bool(filters),
            "cursor_refused": cursor_refused,
        },
    )


@require_POST
@staff_required
def case_search(request):
    """The case list page with the cases found by MRN or name (a POST: no terms in the URL)."""
    form = CaseSearchForm(request.POST)
    found = None
    if form.is_valid():
        try:
            found = selectors.case_search(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            show_errors(exc, form)
    return render(
        request,
        "cases/case_list.html",
        {
            "filter_form": CaseFilterForm(user=request.user),
            "search_form": form,
            "searched": True,
            "cases": _case_rows(found.rows) if found else [],
            "more": found.more if found else False,
        },
    )


@staff_required
def case_detail(request, case_uuid):
    case = _get_case(request.user, case_uuid)
    now = timezone.now()
    changes = manual_status_changes(case, now=now)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "patient": case.patient,
            "age": _age(case.patient.date_of_birth, timezone.localdate()),
            "goals": [
                Case.Goal(goal).label for goal in case.goals_ranked if goal in Case.Goal.values
            ],
            "lesions": case.lesions.all(),
            "prior_treatments": case.prior_treatments.all(),
            "agenda_items": sorted(case.agenda_items.all(), key=lambda i: i.meeting.starts_at),
            "next_meeting": case_meeting(case),
            "transitions": [c for c in changes if not c.override],
            "ready_override": next((c for c in changes if c.override), None),
            "final_status": not case.TRANSITIONS[case.status],
            "transition_form": TransitionForm(),
            "override_form": ReadinessOverrideForm(auto_id="override-%s"),
            "history": _history(case),
            "assessment": stored_case_assessment(case, now=now),
        },
    )


@require_POST
@staff_required
def case_transition(request, case_uuid):
    case = _get_case(request.user, case_uuid)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the offered status changes."))
        return redirect("case-detail", case_uuid=case.uuid)
    try:
        case = services.case_transition(
            case=case,
            to=form.cleaned_data["to"],
            by=request.user,
            reason=form.cleaned_data["reason"],
            override=form.cleaned_data["override"],
        )
    except ApplicationError as exc:
        details = [m for field_messages in exc.fields.values() for m in field_messages]
        messages.error(request, " ".join([exc.message, *details]))
    else:
        messages.success(
            request, _("Status changed to %(status)s.") % {"status": case.get_status_display()}
        )
    return redirect("case-detail", case_uuid=case.uuid)


@staff_required
def case_create(request):
    """Register a referral: a new or already registered patient, the case and its lesions."""
    user = request.user
    data = request.POST if request.method == "POST" else None
    choice_form = PatientChoiceForm(data, user=user, prefix="who")
    patient_form = PatientForm(data, prefix="patient")
    case_form = CaseForm(data, user=user, prefix="case")
    lesion_formset = LesionFormSet(data, prefix="lesions")
    if data is not None:
        valid = [choice_form.is_valid(), case_form.is_valid(), lesion_formset.is_valid()]
        if choice_form.wants_new_patient:
            valid.append(patient_form.is_valid())
        else:
            patient_form = PatientForm(prefix="patient")  # not used: show it without errors
        if all(valid):
            try:
                # One transaction: a refused lesion leaves neither the case nor a new patient.
                with transaction.atomic():
                    patient = choice_form.cleaned_data["patient"] or services.patient_create(
                        by=user, **patient_form.cleaned_data
                    )
                    case = services.case_create(
                        by=user,
                        patient=patient,
                        lesions=lesion_formset.lesions(),
                        **case_form.cleaned_data,
                    )
            except ApplicationError as exc:
                forms = [case_form, patient_form] if patient_form.is_bound else [case_form]
                show_errors(exc, *forms, formset=lesion_formset)
            else:
                messages.success(request, _("Case registered."))
                return redirect("case-detail", case_uuid=case.uuid)
    return render(
        request,
        "cases/case_form.html",
        {
            "choice_form": choice_form,
            "patient_form": patient_form,
            "case_form": case_form,
            "lesion_formset": lesion_formset,
            "errors": error_summary(choice_form, patient_form, case_form, formset=lesion_formset),
        },
    )


@staff_required
def case_edit(request, case_uuid):
    """Change the clinical fields (→ case_update) or add a lesion (→ lesion_add)."""
    case = _get_case(request.user, case_uuid)
    data = request.POST if request.method == "POST" else None
    adding_lesion = data is not None and "add_lesion" in data
    # The form works on a copy: an invalid submission must not alter the case shown on the page.
    case_form = CaseEditForm(
        None if adding_lesion else data, instance=copy.copy(case), prefix="case"
    )
    lesion_form = LesionForm(data if adding_lesion else None, prefix="lesion")
    if data is not None and not adding_lesion and case_form.is_valid():
        changes = {name: case_form.cleaned_data[name] for name in case_form.changed_data}
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("case-detail", case_uuid=case.uuid)
        try:
            services.case_update(case=case, by=request.user, **changes)
        except ApplicationError as exc:
            show_errors(exc, case_form)
        else:
            messages.success(request, _("Case updated."))
            return redirect("case-detail", case_uuid=case.uuid)
    if adding_lesion and lesion_form.is_valid():
        try:
            lesion = services.lesion_add(case=case, by=request.user, **lesion_form.cleaned_data)
        except ApplicationError as exc:
            show_errors(exc, lesion_form)
        else:
            messages.success(request, _("Lesion %(level)s added.") % {"level": lesion.level})
            return redirect("case-edit", case_uuid=case.uuid)
    return render(
        request,
        "cases/case_edit.html",
        {
            "case": case,
            "patient": case.patient,
            "lesions": case.lesions.all(),
            "case_form": case_form,
            "lesion_form": lesion_form,
            "errors": error_summary(case_form, lesion_form),
        },
    )


def _age(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# --- change history ---------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    when: dt.datetime
    who: Any
    what: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def _history(case: Case) -> list[HistoryEntry]:
    """The latest changes to the case, its lesions and prior treatments, labelled for people."""
    what = {
        ("case", "created"): _("Case registered"),
        ("case", "changed"): _("Case changed"),
        ("lesion", "created"): _("Lesion %s added"),
        ("lesion", "changed"): _("Lesion %s changed"),
        ("lesion", "deleted"): _("Lesion %s removed"),
        ("prior_treatment", "created"): _("Prior treatment %s added"),
        ("prior_treatment", "changed"): _("Prior treatment %s changed"),
        ("prior_treatment", "deleted"): _("Prior treatment %s removed"),
    }
    entries = []
    for entry in selectors.case_history(case)[:HISTORY_ENTRIES]:
        text = what.get((entry["record"], entry["action"]), entry["action"])
        if "%s" in text:
            text = text % entry["label"]
        changes = [
            (
                str(entry["model"]._meta.get_field(c["field"]).verbose_name),
                _shown(entry["model"], c["field"], c["old"]),
                _shown(entry["model"], c["field"], c["new"]),
            )
            for c in entry["changes"]
        ]
        entries.append(HistoryEntry(entry["at"], entry["by"], text, changes))
    return entries


def _shown(model, name: str, value) -> str:
    model_field = model._meta.get_field(name)
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "goals_ranked" and isinstance(value, list):
        return ", ".join(str(dict(Case.Goal.choices).get(g, g)) for g in value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        return str(value)
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%d %b %Y %H:%M}"
    return str(value)
