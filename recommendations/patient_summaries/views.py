"""Pages for the patient's plain-language summary: the patient's own pages, the single-use link,
and the clinicians' review screen. Thin: one selector or service per request.

Access:
- /my/summaries/… : a signed-in patient reads only their own RELEASED summaries (anything else is a
  404, so nothing is revealed). Someone who opened a valid link reads that one summary, without
  signing in, for LINK_SESSION_SECONDS (one hour) in the same browser session; then the link is
  spent and they sign in or ask for a new link.
- /s/<token>/ : GET only checks the link and offers a button; the POST spends it. Mail scanners
  that fetch links (GET) therefore do not use up the patient's link. A used or expired link answers
  410 Gone with an explanation, an unknown one 404; never a 500.
- /plans/<uuid>/patient-summary/ and its actions: clinical staff of the meeting's board (others 404,
  patients and users without a role 403). Releasing needs a clinician (chair or specialist).

Patient pages and the PDF are never cached (Cache-Control: no-store).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from audit import reads
from recommendations.models import ConsensusPlan, PatientSummary
from recommendations.patient_summaries import selectors, services
from recommendations.patient_summaries.forms import DraftForm, LinkForm, SummaryEditForm
from recommendations.patient_summaries.pdf import summary_pdf
from recommendations.patient_summaries.readability import (
    TARGET_GRADE,
    WARN_ABOVE_GRADE,
    grade_level,
)
from recommendations.patient_summaries.text import body_sections, long_date
from tumorboard.errors import ApplicationError, StaleVersionError
from tumorboard.pages import form_conflict, rebased, staff_required
from tumorboard.roles import PATIENT, has_role

GRANTS = "patient_summary_grants"


# --- the patient's pages ------------------------------------------------------------------------


class _LoginNeeded(Exception):
    """Nothing to show this visitor without signing in."""


def _grants(request) -> dict[str, int]:
    now = int(time.time())
    grants = request.session.get(GRANTS) or {}
    return {uuid: until for uuid, until in grants.items() if until > now}


def _grant(request, summary: PatientSummary) -> None:
    grants = _grants(request)
    grants[str(summary.uuid)] = int(time.time()) + services.LINK_SESSION_SECONDS
    request.session.cycle_key()  # a new session id once it unlocks something
    request.session[GRANTS] = grants


def _readable_summary(request, summary_uuid) -> tuple[PatientSummary | None, bool]:
    """The released summary this visitor may read: their own, or one their link opened (then
    True: read through a single-use link)."""
    own = selectors.released_summaries_for_patient(request.user).filter(uuid=summary_uuid).first()
    if own is not None:
        return own, False
    if str(summary_uuid) in _grants(request):
        return selectors.released_summary(summary_uuid), True
    return None, False


def _summary_or_refuse(request, summary_uuid, *, what: str) -> PatientSummary:
    """The summary, its read noted in the read log ("<what>.link" when a link opened it)."""
    summary, by_link = _readable_summary(request, summary_uuid)
    if summary is None:
        if not request.user.is_authenticated:
            raise _LoginNeeded
        raise Http404("No such summary.")
    patient = summary.plan.decision.agenda_item.case.patient
    reads.record(
        request, what + (".link" if by_link else ""), patient=patient.uuid, obj=summary.uuid
    )
    return summary


def _patient_language(user) -> str:
    record = getattr(user, "patient_record", None) if user.is_authenticated else None
    language = getattr(record, "preferred_language", "") or ""
    return language if language in services.LANGUAGES else translation.get_language() or "en"


@never_cache
def my_summaries(request):
    """The signed-in patient's released summaries, newest first, in their language."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not has_role(request.user, PATIENT):
        raise PermissionDenied
    summaries = list(selectors.released_summaries_for_patient(request.user))
    reads.record_many(
        request,
        "patient_summary.list",
        [(s.plan.decision.agenda_item.case.patient.uuid, s.uuid) for s in summaries],
    )
    language = _patient_language(request.user)
    with translation.override(language):
        for index, summary in enumerate(summaries):  # newest first
            case_id = summary.plan.decision.agenda_item.case_id
            summary.is_current = not any(
                newer.plan.decision.agenda_item.case_id == case_id
                and selectors.supersedes(newer, summary)
                for newer in summaries[:index]
            )
            summary.shared_on = long_date(summary.released_at, language)
        return render(request, "patients/my_summaries.html", {"summaries": summaries})


@never_cache
def my_summary_detail(request, summary_uuid):
    try:
        summary = _summary_or_refuse(request, summary_uuid, what="patient_summary")
    except _LoginNeeded:
        return redirect_to_login(request.get_full_path())
    with translation.override(summary.language):
        return render(
            request,
            "patients/summary_detail.html",
            {
                "summary": summary,
                "versions": _readable_versions(request, summary),
                "shared_on": long_date(summary.released_at, summary.language),
                "sections": body_sections(summary.body),
                "newer": not selectors.is_newest_released(summary),
                "own": request.user.is_authenticated and has_role(request.user, PATIENT),
            },
        )


def _readable_versions(request, summary: PatientSummary) -> list[dict]:
    """The summary in each language this visitor may read, for the language switch: the signed-in
    patient's own versions, or only those a link opened."""
    grants = _grants(request)
    own = set(
        selectors.released_summaries_for_patient(request.user)
        .filter(plan_id=summary.plan_id)
        .values_list("pk", flat=True)
    )
    names = dict(settings.LANGUAGES)
    return [
        {
            "summary": version,
            "name": names.get(version.language, version.language),
            "current": version.pk == summary.pk,
        }
        for version in selectors.language_versions(summary)
        if version.pk == summary.pk or version.pk in own or str(version.uuid) in grants
    ]


@never_cache
def my_summary_pdf(request, summary_uuid):
    try:
        summary = _summary_or_refuse(request, summary_uuid, what="patient_summary.pdf")
    except _LoginNeeded:
        return redirect_to_login(request.get_full_path())
    response = HttpResponse(summary_pdf(summary), content_type="application/pdf")
    day = (summary.released_at or summary.updated_at).date().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="care-plan-summary-{day}-{summary.language}.pdf"'
    )
    return response


def _refused(request, refusal: services.LinkRefused):
    status = 404 if refusal.reason == "unknown" else 410
    with translation.override(_patient_language(request.user)):
        return render(
            request, "patients/link_refused.html", {"reason": refusal.reason}, status=status
        )


@never_cache
@require_http_methods(["GET", "POST"])
def link_open(request, token):
    """GET: is the link usable? (nothing is spent). POST: spend it and show the summary."""
    try:
        if request.method == "POST":
            summary = services.access_link_redeem(token)
            _grant(request, summary)
            return redirect("my-summary-detail", summary_uuid=summary.uuid)
        services.access_link_check(token)
    except services.LinkRefused as refusal:
        return _refused(request, refusal)
    with translation.override(_patient_language(request.user)):
        return render(request, "patients/link_open.html", {"token": token})


# --- the clinicians' review screen --------------------------------------------------------------


def _plan(user, plan_uuid) -> ConsensusPlan:
    try:
        return selectors.plan_for_staff(user=user, uuid=plan_uuid)
    except ConsensusPlan.DoesNotExist:
        raise Http404("No such plan.") from None


def _staff_summary(user, summary_uuid) -> PatientSummary:
    try:
        return selectors.staff_summary(user=user, uuid=summary_uuid)
    except PatientSummary.DoesNotExist:
        raise Http404("No such summary.") from None


def _review_url(summary: PatientSummary) -> str:
    return f"{reverse('plan-patient-summary', args=[summary.plan.uuid])}?summary={summary.uuid}"


def _review(
    request,
    plan: ConsensusPlan,
    *,
    selected=None,
    edit_form=None,
    conflict=None,
    new_link="",
    status=200,
):
    summaries = list(selectors.plan_summaries(plan))
    if selected is None:
        wanted = request.GET.get("summary", "")
        selected = next((s for s in summaries if str(s.uuid) == wanted), None) or (
            summaries[0] if summaries else None
        )
    context = {
        "plan": plan,
        "case": plan.decision.agenda_item.case,
        "patient": plan.decision.agenda_item.case.patient,
        "meeting": plan.decision.agenda_item.meeting,
        "signed": plan.status == ConsensusPlan.Status.SIGNED,
        "summaries": summaries,
        "summary": selected,
        "draft_form": DraftForm(),
        "link_form": LinkForm(),
        "new_link": new_link,
        "target_grade": TARGET_GRADE,
        "warn_grade": WARN_ABOVE_GRADE,
    }
    patient_uuid = context["patient"].uuid
    if selected is None:
        reads.record(request, "plan", patient=patient_uuid, obj=plan.uuid)
    else:
        reads.record(request, "patient_summary", patient=patient_uuid, obj=selected.uuid)
        context.update(
            {
                "sections": body_sections(selected.body),
                "level": grade_level(selected.reading_grade),
                "measure": "Crawford" if selected.language == "es" else "Flesch–Kincaid",
                "history": selectors.summary_history(selected),
                "can_release": selectors.can_release(request.user, selected),
                "editable": selected.status != PatientSummary.Status.RELEASED,
                "edit_form": edit_form
                or SummaryEditForm(
                    initial={
                        "title": selected.title,
                        "body": selected.body,
                        "version": selected.version,
                    }
                ),
                "conflict": conflict,
            }
        )
    return render(request, "patients/summary_review.html", context, status=status)


@staff_required
def plan_patient_summary(request, plan_uuid):
    return _review(request, _plan(request.user, plan_uuid))


@staff_required
@require_POST
def patient_summary_draft(request, plan_uuid):
    plan = _plan(request.user, plan_uuid)
    form = DraftForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose English or Spanish."))
        return redirect("plan-patient-summary", plan_uuid=plan.uuid)
    try:
        summary = services.patient_summary_draft(
            plan=plan, by=request.user, language=form.cleaned_data["language"] or None
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("plan-patient-summary", plan_uuid=plan.uuid)
    messages.success(request, _("A new draft was written from the signed plan."))
    return redirect(_review_url(summary))


@staff_required
@require_POST
def patient_summary_edit(request, summary_uuid):
    summary = _staff_summary(request.user, summary_uuid)
    form = SummaryEditForm(request.POST)
    if form.is_valid():
        mine = {"title": form.cleaned_data["title"], "body": form.cleaned_data["body"]}
        try:
            summary = services.patient_summary_edit(
                summary=summary,
                expected_version=form.cleaned_data["version"],
                by=request.user,
                **mine,
            )
        except StaleVersionError as exc:
            conflict = form_conflict(exc, form, mine)
            return _review(
                request,
                summary.plan,
                selected=exc.current,
                edit_form=rebased(form, exc.current),
                conflict=conflict,
                status=409,
            )
        except ApplicationError as exc:
            for name, field_messages in exc.fields.items():
                for message in field_messages:
                    if name in form.fields and form.fields[name].widget.is_hidden:
                        form.add_error(None, exc.message)  # the version: the refusal itself
                    else:
                        form.add_error(name if name in form.fields else None, message)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(_review_url(summary))
    return _review(request, summary.plan, selected=summary, edit_form=form, status=400)


@staff_required
@require_POST
def patient_summary_release(request, summary_uuid):
    summary = _staff_summary(request.user, summary_uuid)
    try:
        summary = services.patient_summary_release(summary=summary, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _review(request, summary.plan, selected=summary, status=400)
    else:
        messages.success(request, _("Released: the patient can now read this summary."))
    return redirect(_review_url(summary))


@staff_required
@require_POST
def patient_summary_link(request, summary_uuid):
    summary = _staff_summary(request.user, summary_uuid)
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Give a number of hours from 1 to %(max)s.") % {"max": services.LINK_HOURS_MAX},
        )
        return redirect(_review_url(summary))
    try:
        token = services.access_link_create(
            summary=summary, by=request.user, valid_hours=form.cleaned_data["valid_hours"]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(_review_url(summary))
    link = request.build_absolute_uri(reverse("patient-summary-link-open", args=[token]))
    # Shown once, never stored: the page is not cached.
    response = _review(request, summary.plan, selected=summary, new_link=link)
    response["Cache-Control"] = "no-store"
    return response
