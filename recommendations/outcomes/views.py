"""Pages of the outcomes (issue 16): a case's follow-ups with a record form each, for the staff of
its board, and the patient's "How are you doing?" at their own follow-ups.

Access:
- /cases/<uuid>/follow-ups/ and /follow-ups/<uuid>/record/: clinical staff (403 otherwise); a
  case or follow-up outside the user's boards is a 404. Recording needs membership of the case's
  board (the service checks it).
- /my/follow-ups/…: a signed-in patient, for their own follow-ups only (anyone else's is a 404);
  in the patient's preferred language (English or Spanish). Never cached.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from audit import reads
from cases.models import Patient
from recommendations.models import FollowUp
from tumorboard.errors import ApplicationError, StaleVersionError
from tumorboard.pages import error_summary, form_conflict, rebased, show_errors, staff_required
from tumorboard.roles import PATIENT, has_role

from . import selectors, services
from .forms import FollowUpRecordForm, PatientReportForm


def _prefix(follow_up: FollowUp) -> str:
    return f"fu-{follow_up.uuid.hex[:8]}"


def _record_form(follow_up: FollowUp, patient, data=None) -> FollowUpRecordForm:
    return FollowUpRecordForm(data, instance=follow_up, patient=patient, prefix=_prefix(follow_up))


def _render_case(request, found, *, bound=None, conflict=None, status=200):
    rows = []
    for follow_up in found.follow_ups:
        form = bound if bound is not None and bound.instance.pk == follow_up.pk else None
        rows.append(
            {
                "follow_up": follow_up,
                "form": form or _record_form(follow_up, found.case.patient),
                "open": form is not None,
                "conflict": conflict if form is not None else None,
            }
        )
    return render(
        request,
        "outcomes/case_follow_ups.html",
        {
            "case": found.case,
            "patient": found.case.patient,
            "rows": rows,
            "errors": error_summary(bound) if bound is not None else [],
        },
        status=status,
    )


def _case(request, case_uuid):
    try:
        return selectors.case_follow_ups(user=request.user, case_uuid=case_uuid)
    except ObjectDoesNotExist:
        raise Http404("No such case.") from None


@staff_required
def case_follow_ups(request, case_uuid):
    """The case's follow-ups after treatment, each with the patient's own answer beside it."""
    found = _case(request, case_uuid)
    reads.record(request, "case.follow_ups", patient=found.case.patient.uuid, obj=found.case.uuid)
    return _render_case(request, found)


@require_POST
@staff_required
def follow_up_record(request, follow_up_uuid):
    try:
        follow_up = selectors.follow_up_for_user(user=request.user, uuid=follow_up_uuid)
    except ObjectDoesNotExist:
        raise Http404("No such follow-up.") from None
    patient = follow_up.case.patient
    form = _record_form(follow_up, patient, request.POST)
    if form.is_valid():
        data = {name: form.cleaned_data[name] for name in FollowUpRecordForm.Meta.fields}
        death = form.cleaned_data["date_of_death"]
        try:
            services.follow_up_record(
                follow_up=follow_up,
                by=request.user,
                expected_version=form.cleaned_data.get("version"),
                date_of_death=death if death != patient.date_of_death else ...,
                **data,
            )
        except StaleVersionError as exc:
            conflict = form_conflict(exc, form, data)
            form = rebased(form, exc.current, patient=patient)
            found = _case(request, follow_up.case.uuid)
            return _render_case(request, found, bound=form, conflict=conflict, status=409)
        except ApplicationError as exc:
            show_errors(exc, form)
        else:
            messages.success(request, _("Follow-up saved."))
            return redirect("case-follow-ups", case_uuid=follow_up.case.uuid)
    found = _case(request, follow_up.case.uuid)
    return _render_case(request, found, bound=form, status=400)


# --- the patient's pages ------------------------------------------------------------------------


def _patient_language(user) -> str:
    record = Patient.objects.filter(user=user).only("preferred_language").first()
    language = getattr(record, "preferred_language", "") or ""
    return language if language in Patient.Language.values else "en"


def _patient_only(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not has_role(request.user, PATIENT):
        raise PermissionDenied
    return None


@never_cache
def my_follow_ups(request):
    """The patient's follow-ups open for their answer now."""
    refused = _patient_only(request)
    if refused is not None:
        return refused
    rows = selectors.patient_open_follow_ups(request.user)
    reads.record_many(request, "follow_up.own", [(row.case.patient.uuid, row.uuid) for row in rows])
    with translation.override(_patient_language(request.user)):
        return render(request, "outcomes/my_follow_ups.html", {"follow_ups": rows})


@never_cache
@require_http_methods(["GET", "POST"])
def my_follow_up_report(request, follow_up_uuid):
    """ "How are you doing?" at one of the patient's own follow-ups (anyone else's: 404)."""
    refused = _patient_only(request)
    if refused is not None:
        return refused
    try:
        follow_up = selectors.patient_follow_up(user=request.user, uuid=follow_up_uuid)
    except FollowUp.DoesNotExist:
        raise Http404("No such follow-up.") from None
    reads.record(request, "follow_up.own", patient=follow_up.case.patient.uuid, obj=follow_up.uuid)
    language = _patient_language(request.user)
    with translation.override(language):
        report = follow_up.patient_report
        initial = None
        if report is not None:
            initial = {n: getattr(report, n) for n in ("pain_score", "mobility", "comment")}
        is_open = services.patient_report_open(follow_up)
        status = 200
        if request.method == "POST" and is_open:
            form = PatientReportForm(request.POST)
            if form.is_valid():
                try:
                    services.patient_report_submit(
                        follow_up=follow_up, by=request.user, language=language, **form.cleaned_data
                    )
                except ApplicationError as exc:
                    show_errors(exc, form)
                else:
                    messages.success(request, _("Thank you. Your care team will see your answers."))
                    return redirect("my-follow-ups")
            status = 400
        elif request.method == "POST":
            raise Http404("This follow-up is not open.")
        else:
            form = PatientReportForm(initial=initial)
        return render(
            request,
            "outcomes/my_follow_up_report.html",
            {
                "follow_up": follow_up,
                "form": form,
                "is_open": is_open,
                "answered": report is not None,
                "errors": error_summary(form) if form.is_bound else [],
            },
            status=status,
        )
