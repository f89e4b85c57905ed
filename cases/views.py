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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from audit import reads
from cases.assessment import stored_case_assessment, stored_case_flags
from tumorboard import labels
from tumorboard.errors import ApplicationError, StaleVersionError
from tumorboard.pages import (
    Conflict,
    error_summary,
    form_conflict,
    rebased,
    show_errors,
    staff_required,
)
from tumorboard.pagination import InvalidCursor, keyset_page

from . import invitations, selectors, services
from .forms import (
    AttachmentForm,
    CaseEditForm,
    CaseFilterForm,
    CaseForm,
    CaseSearchForm,
    LesionForm,
    LesionFormSet,
    PatientChoiceForm,
    PatientForm,
    PriorTreatmentForm,
    ReadinessOverrideForm,
    TransitionForm,
)
from .models import Case, PriorTreatment, SpinalLesion
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
    reads.record_many(request, "case.list", [(c.patient.uuid, c.uuid) for c in page.rows])
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
    if found:
        reads.record_many(request, "case.search", [(c.patient.uuid, c.uuid) for c in found.rows])
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


def _lesion_gaps(case: Case, assessment) -> list[tuple[SpinalLesion, list[str]]]:
    """Each lesion with the findings it still lacks for its scores (SINS, ESCC) and for the
    case's readiness (a dated MRI), in the form's words."""
    by_level = {entry.level: entry for entry in assessment.lesions}
    rows = []
    for lesion in case.lesions.all():
        entry = by_level.get(lesion.level)
        missing = [*entry.sins.missing, *entry.escc.missing] if entry else []
        if lesion.imaging_date is None:
            missing.append(str(SpinalLesion._meta.get_field("imaging_date").verbose_name))
        rows.append((lesion, missing))
    return rows


@staff_required
def case_detail(request, case_uuid):
    case = _get_case(request.user, case_uuid)
    now = timezone.now()
    assessment = stored_case_assessment(case, now=now)
    changes = manual_status_changes(case, now=now)
    reads.record(request, "case", patient=case.patient.uuid, obj=case.uuid)
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
            "lesions": _lesion_gaps(case, assessment),
            "prior_treatments": case.prior_treatments.all(),
            "agenda_items": sorted(case.agenda_items.all(), key=lambda i: i.meeting.starts_at),
            "next_meeting": case_meeting(case),
            "transitions": [c for c in changes if not c.override],
            "ready_override": next((c for c in changes if c.override), None),
            "final_status": not case.TRANSITIONS[case.status],
            "transition_form": TransitionForm(),
            "override_form": ReadinessOverrideForm(auto_id="override-%s"),
            "history": _history(case),
            "assessment": assessment,
            "patient_access": invitations.patient_access(case),
            "attachments": selectors.case_attachments(case),
            "attachment_form": AttachmentForm(prefix="attach"),
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
    conflict = None
    if data is not None and not adding_lesion and case_form.is_valid():
        changes = case_form.changes()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("case-detail", case_uuid=case.uuid)
        try:
            services.case_update(
                case=case,
                expected_version=case_form.cleaned_data["version"],
                by=request.user,
                **changes,
            )
        except StaleVersionError as exc:
            conflict = form_conflict(exc, case_form, changes)
            case_form = rebased(case_form, exc.current)
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
    reads.record(request, "case", patient=case.patient.uuid, obj=case.uuid)
    return render(
        request,
        "cases/case_edit.html",
        {
            "case": case,
            "patient": case.patient,
            "lesions": case.lesions.all(),
            "case_form": case_form,
            "lesion_form": lesion_form,
            "conflict": conflict,
            "errors": [] if conflict else error_summary(case_form, lesion_form),
        },
        status=409 if conflict else 200,
    )


# --- lesions and prior treatments, one at a time ------------------------------------------------


@dataclass(frozen=True)
class CasePart:
    """What the add/edit/remove pages need to know about a lesion or a prior treatment."""

    model: type
    form: type
    related: str  # the case's related manager
    anchor: str  # the case page's section
    add: Any
    update: Any  # (item, expected_version, by, data)
    remove: Any  # (item, expected_version, by)
    noun: str
    added: str
    changed: str
    removed: str

    def get(self, case: Case, pk: int):
        try:
            return getattr(case, self.related).get(pk=pk)
        except self.model.DoesNotExist:
            raise Http404 from None


LESION = CasePart(
    model=SpinalLesion,
    form=LesionForm,
    related="lesions",
    anchor="lesions",
    add=lambda case, by, data: services.lesion_add(case=case, by=by, **data),
    update=lambda item, version, by, data: services.lesion_update(
        lesion=item, expected_version=version, by=by, **data
    ),
    remove=lambda item, version, by: services.lesion_remove(
        lesion=item, expected_version=version, by=by
    ),
    noun=_lazy("lesion"),
    added=_lazy("Lesion %(item)s added."),
    changed=_lazy("Lesion %(item)s corrected."),
    removed=_lazy("Lesion %(item)s removed."),
)
PRIOR_TREATMENT = CasePart(
    model=PriorTreatment,
    form=PriorTreatmentForm,
    related="prior_treatments",
    anchor="prior-treatment",
    add=lambda case, by, data: services.prior_treatment_add(case=case, by=by, **data),
    update=lambda item, version, by, data: services.prior_treatment_update(
        treatment=item, expected_version=version, by=by, **data
    ),
    remove=lambda item, version, by: services.prior_treatment_remove(
        treatment=item, expected_version=version, by=by
    ),
    noun=_lazy("prior treatment"),
    added=_lazy("%(item)s added."),
    changed=_lazy("%(item)s corrected."),
    removed=_lazy("%(item)s removed."),
)


def _back_to_case(case: Case, part: CasePart):
    return redirect(f"{reverse('case-detail', args=[case.uuid])}#{part.anchor}")


def _part_form(request, case_uuid, part: CasePart, pk: int | None):
    """Add (pk None) or correct one lesion or prior treatment through its service."""
    case = _get_case(request.user, case_uuid)
    item = part.get(case, pk) if pk is not None else None
    data = request.POST if request.method == "POST" else None
    # A copy: an invalid submission must not alter what the page shows.
    form = part.form(data, instance=copy.copy(item) if item else None, prefix="item")
    conflict = None
    if data is not None and form.is_valid():
        changes = form.changes() if item is not None else {}
        if item is not None and not changes:
            messages.info(request, _("Nothing was changed."))
            return _back_to_case(case, part)
        try:
            if item is None:
                saved = part.add(case, request.user, form.cleaned_data)
            else:
                saved = part.update(item, form.cleaned_data["version"], request.user, changes)
        except StaleVersionError as exc:
            conflict = form_conflict(exc, form, changes)
            form = rebased(form, exc.current)
        except ApplicationError as exc:
            show_errors(exc, form)
        else:
            message = part.added if item is None else part.changed
            messages.success(request, message % {"item": saved})
            return _back_to_case(case, part)
    reads.record(request, "case", patient=case.patient.uuid, obj=case.uuid)
    return render(
        request,
        "cases/case_part_form.html",
        {
            "case": case,
            "patient": case.patient,
            "part": part,
            "item": item,
            "form": form,
            "conflict": conflict,
            "errors": [] if conflict else error_summary(form),
        },
        status=409 if conflict else 200,
    )


def _part_remove(request, case_uuid, part: CasePart, pk: int):
    """Ask first (GET); remove on the confirming POST."""
    case = _get_case(request.user, case_uuid)
    item = part.get(case, pk)
    version, conflict, refusal, code = item.version, None, "", 200
    if request.method == "POST":
        label = str(item)
        try:
            part.remove(item, _posted_version(request), request.user)
        except StaleVersionError as exc:
            # Ask again, about the record as it is now: the user removes what they see.
            item, version = exc.current, exc.current.version
            advice = _(
                "Nothing was removed. This is the record as it is now: remove it if you still "
                "want to."
            )
            conflict, code = Conflict(exc.message, advice=advice), 409
        except ApplicationError as exc:  # no version: a form from before versions existed
            refusal, code = exc.message, 400
        else:
            messages.success(request, part.removed % {"item": label})
            return _back_to_case(case, part)
    reads.record(request, "case", patient=case.patient.uuid, obj=case.uuid)
    return render(
        request,
        "cases/case_part_remove.html",
        {
            "case": case,
            "patient": case.patient,
            "part": part,
            "item": item,
            "version": version,
            "conflict": conflict,
            "refusal": refusal,
        },
        status=code,
    )


def _posted_version(request) -> int | None:
    try:
        return int(request.POST["version"])
    except (KeyError, ValueError):
        return None


@require_http_methods(["GET", "POST"])
@staff_required
def lesion_add(request, case_uuid):
    return _part_form(request, case_uuid, LESION, None)


@require_http_methods(["GET", "POST"])
@staff_required
def lesion_edit(request, case_uuid, lesion_id):
    return _part_form(request, case_uuid, LESION, lesion_id)


@require_http_methods(["GET", "POST"])
@staff_required
def lesion_remove(request, case_uuid, lesion_id):
    return _part_remove(request, case_uuid, LESION, lesion_id)


@require_http_methods(["GET", "POST"])
@staff_required
def prior_treatment_add(request, case_uuid):
    return _part_form(request, case_uuid, PRIOR_TREATMENT, None)


@require_http_methods(["GET", "POST"])
@staff_required
def prior_treatment_edit(request, case_uuid, treatment_id):
    return _part_form(request, case_uuid, PRIOR_TREATMENT, treatment_id)


@require_http_methods(["GET", "POST"])
@staff_required
def prior_treatment_remove(request, case_uuid, treatment_id):
    return _part_remove(request, case_uuid, PRIOR_TREATMENT, treatment_id)


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
    """The latest changes to the case, its lesions and prior treatments, labelled for people:
    field labels, values as the forms show them, times on the board's clock."""
    what = {
        ("case", "created"): _("Case registered"),
        ("case", "changed"): _("Case changed"),
        ("lesion", "created"): _("Lesion %s added"),
        ("lesion", "changed"): _("Lesion %s changed"),
        ("lesion", "deleted"): _("Lesion %s removed"),
        ("prior_treatment", "created"): _("Prior treatment %s added"),
        ("prior_treatment", "changed"): _("Prior treatment %s changed"),
        ("prior_treatment", "deleted"): _("Prior treatment %s removed"),
        ("attachment", "created"): _("Attachment %s added"),
        ("attachment", "changed"): _("Attachment %s changed"),
        ("attachment", "deleted"): _("Attachment %s removed"),
    }
    zone = case.board.time_zone
    entries = []
    for entry in selectors.case_history(case)[:HISTORY_ENTRIES]:
        text = what.get((entry["record"], entry["action"]), entry["action"])
        if "%s" in text:
            text = text % entry["label"]
        model = entry["model"]
        changes = [
            (
                labels.field_label(c["field"], model),
                _shown(model, c["field"], c["old"], zone),
                _shown(model, c["field"], c["new"], zone),
            )
            for c in entry["changes"]
        ]
        entries.append(HistoryEntry(entry["at"], entry["by"], text, changes))
    return entries


def _shown(model, name: str, value, zone: str) -> str:
    # The ranked goals are kept as a JSON list of Case.Goal values.
    choices = Case.Goal.choices if name == "goals_ranked" else None
    return labels.shown(model, name, value, zone=zone, choices=choices)
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%d %b %Y %H:%M}"
    return str(value)
