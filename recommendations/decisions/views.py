"""Meeting mode pages: the meeting screen, one case at a time, and the plan page.

Access: clinical staff only (403 for patients and users without a role); a meeting or plan outside
the user's boards is a 404. Writes go through `recommendations.decisions.services`; a stale save
is never written: the page comes back (409) with the other person's values beside the user's, and
the user's own words still in the form, so saving again is a deliberate choice.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit import reads
from cases.assessment import stored_case_assessment
from cases.models import Case
from cases.selectors import key_images_of
from recommendations.decisions import selectors, services
from recommendations.decisions.forms import (
    STATUS_FIELDS,
    ActivityForm,
    ActivityFormSet,
    ActivityStatusForm,
    AmendmentForm,
    AttendanceForm,
    DecisionRecordForm,
    DissentForm,
    OptionForm,
    OptionFormSet,
    PlanForm,
    SendBackForm,
    SignForm,
    SupportiveForm,
    SupportiveFormSet,
    activity_changes,
    options_from,
    supportive_from,
)
from recommendations.decisions.services.options import ASPECTS, OPTION_SOURCES
from recommendations.decisions.services.plans import AMENDABLE_STATUSES, DETAIL_FIELDS_BY_KEY
from recommendations.models import ConsensusPlan, PlanActivity
from recommendations.opinions.options import option_label
from scheduling.access import board_roles
from scheduling.models import Discipline
from scheduling.rules import board_today
from scheduling.selectors import meeting_for_user
from scheduling.services import attendance_record, attendance_take
from tumorboard import labels
from tumorboard.errors import ApplicationError
from tumorboard.pages import Conflict, show_errors, staff_required


def _meeting(user, meeting_uuid):
    try:
        return meeting_for_user(user=user, uuid=meeting_uuid)
    except ObjectDoesNotExist:
        raise Http404("No such meeting.") from None


def _position(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _run_url(meeting, position: int | None, anchor: str = "") -> str:
    url = reverse("meeting-run", kwargs={"meeting_uuid": meeting.uuid})
    if position is not None:
        url += f"?item={position}"
    return url + (f"#{anchor}" if anchor else "")


def _entry(board, position: int):
    entry = board.item_at(position)
    if entry is None or entry.position != position:
        raise Http404("No such case on this agenda.")
    return entry


# --- rendering the meeting screen -------------------------------------------------------------


def _option_text(option: dict[str, Any]) -> str:
    lines = [option.get("option", "")]
    for side in ("benefits", "risks"):
        for key, label in ASPECTS:
            text = (option.get(side) or {}).get(key, "")
            if text:
                lines.append(f"  {side} – {label.lower()}: {text}")
    if option.get("fits_goals"):
        lines.append(f"  goals: {option['fits_goals']}")
    return "\n".join(lines)


def _options_text(options) -> str:
    return "\n".join(_option_text(option) for option in options) or "—"


def _supportive_text(measures) -> str:
    return "\n".join(measure.get("measure", "") for measure in measures) or "—"


def _activity_text(fields: dict[str, Any]) -> str:
    who = fields.get("responsible_user")
    who = (who.get_full_name() or who.get_username()) if who is not None else ""
    owner = who or (
        Discipline(fields["responsible_discipline"]).label
        if fields.get("responsible_discipline") in Discipline.values
        else ""
    )
    due = f", due {fields['due_date']:%d %b %Y}" if fields.get("due_date") else ""
    return f"{fields.get('description') or '—'} ({owner or 'no owner'}{due})"


def _record_conflict(exc, mine: dict[str, Any]) -> Conflict:
    current = exc.current
    labels = {
        name: DecisionRecordForm.base_fields[name].label for name in DecisionRecordForm.FIELDS
    }
    rows = []
    if mine["options"] != current.options:
        rows.append(
            (
                _("Options considered"),
                _options_text(mine["options"]),
                _options_text(current.options),
            )
        )
    if mine["supportive_care"] != current.supportive_care:
        rows.append(
            (
                _("Supportive care"),
                _supportive_text(mine["supportive_care"]),
                _supportive_text(current.supportive_care),
            )
        )
    for name in DecisionRecordForm.FIELDS:
        if (mine.get(name) or "") != (getattr(current, name) or ""):
            rows.append((str(labels[name]), mine.get(name) or "—", getattr(current, name) or "—"))
    return Conflict(exc.message, rows)


def _plan_conflict(exc, mine: dict[str, Any], changes, entry) -> Conflict:
    current = ConsensusPlan.objects.get(pk=exc.current.pk)
    rows = []
    for name, label in (("outcome", _("Outcome")), ("summary", _("Summary"))):
        if (mine.get(name) or "") != (getattr(current, name) or ""):
            rows.append((str(label), mine.get(name) or "—", getattr(current, name) or "—"))
    theirs = [
        _activity_text(
            {
                "description": a.description,
                "responsible_user": a.responsible_user,
                "responsible_discipline": a.responsible_discipline,
                "due_date": a.due_date,
            }
        )
        for a in current.activities.select_related("responsible_user").order_by("position", "pk")
    ]
    yours = [
        _activity_text(change.fields)
        if change.action != "remove"
        else f"({_('remove')}) {change.activity.description}"
        for change in changes
    ]
    if yours or theirs:
        rows.append((_("Activities"), "\n".join(yours) or "—", "\n".join(theirs) or "—"))
    return Conflict(exc.message, rows)


SOURCE_LABELS = dict(OPTION_SOURCES)


def detail_items(details) -> list[tuple[str, str]]:
    """An activity's details in words: (label, value), a choice shown by its label."""
    items = []
    for key, value in (details or {}).items():
        field = DETAIL_FIELDS_BY_KEY.get(key)
        if field is None:
            items.append((key, value))
        else:
            items.append((field.label, dict(field.choices).get(value, value)))
    return items


def _with_details(activities):
    for activity in activities:
        activity.detail_items = detail_items(activity.details)
    return activities


HISTORY_TITLES = {
    ("decision_record", "created"): _("Decision record opened"),
    ("decision_record", "changed"): _("Decision record changed"),
    ("decision_record", "deleted"): _("Decision record removed"),
    ("plan", "created"): _("Plan drafted"),
    ("plan", "changed"): _("Plan changed"),
    ("plan", "deleted"): _("Plan removed"),
    ("activity", "created"): _("Activity added: %s"),
    ("activity", "changed"): _("Activity changed: %s"),
    ("activity", "deleted"): _("Activity removed: %s"),
    ("dissent", "created"): _("Dissent recorded: %s"),
    ("dissent", "changed"): _("Dissent changed: %s"),
    ("dissent", "deleted"): _("Dissent withdrawn: %s"),
}


def history_for_people(entries, *, zone: str) -> list[dict[str, Any]]:
    """The plan's history as the page shows it: a sentence per change, field labels, values as
    the forms show them (people by name, times on the board's clock)."""
    shown = []
    for entry in entries:
        title = str(HISTORY_TITLES.get((entry["record"], entry["action"]), entry["action"]))
        if "%s" in title:
            title = title % entry["label"]
        model = entry["model"]
        changes = [
            (
                labels.field_label(c["field"], model),
                _history_value(model, c, "old", zone),
                _history_value(model, c, "new", zone),
            )
            for c in entry["changes"]
        ]
        shown.append({**entry, "title": title, "changes": changes})
    return shown


def _history_value(model, change: dict[str, Any], side: str, zone: str) -> str:
    if "people" in change:  # a person: by name, not by the username the API shows
        return labels.person(change["people"][side]) if change[side] is not None else labels.EMPTY
    return labels.shown(model, change["field"], change[side], zone=zone)


def options_view(options) -> list[dict[str, Any]]:
    """The considered options laid out for reading: per aspect, benefit beside risk."""
    shown = []
    for option in options:
        benefits, risks = option.get("benefits") or {}, option.get("risks") or {}
        rows = [
            (label, benefits.get(key, ""), risks.get(key, ""))
            for key, label in ASPECTS
            if benefits.get(key) or risks.get(key)
        ]
        shown.append(
            {
                "option": option.get("option", ""),
                "source": SOURCE_LABELS.get(option.get("source"), option.get("source", "")),
                "origin": option.get("origin", ""),
                "fits_goals": option.get("fits_goals", ""),
                "rows": rows,
            }
        )
    return shown


def _forms_for(entry, people) -> dict[str, Any]:
    """The forms of one agenda item as saved now."""
    forms: dict[str, Any] = {}
    record, plan = entry.decision, entry.plan
    if record is not None:
        forms["record_form"] = DecisionRecordForm(
            initial=DecisionRecordForm.initial_from(record), prefix="record"
        )
        forms["option_formset"] = OptionFormSet(
            initial=[OptionForm.initial_from(option) for option in record.options],
            prefix="options",
        )
        forms["supportive_formset"] = SupportiveFormSet(
            initial=[SupportiveForm.initial_from(measure) for measure in record.supportive_care],
            prefix="supportive",
        )
    if plan is not None:
        forms["plan_form"] = PlanForm(initial=PlanForm.initial_from(plan), prefix="plan")
        forms["activity_formset"] = ActivityFormSet(
            initial=[ActivityForm.initial_from(a) for a in entry.activities],
            prefix="activities",
            people=people,
        )
        forms["sign_form"] = SignForm(initial={"version": plan.version}, prefix="sign")
        forms["dissent_form"] = DissentForm(prefix="dissent", people=people)
    return forms


def _discipline_labels(values) -> list[str]:
    return [str(Discipline(v).label) if v in Discipline.values else v for v in values]


def _render_run(request, meeting, position, *, board=None, status=200, **overrides):
    user = request.user
    board = board or selectors.meeting_board(meeting=meeting, user=user)
    entry = board.item_at(position)
    people = selectors.board_people(meeting.board)
    context: dict[str, Any] = {
        "meeting": meeting,
        "board": board,
        "entry": entry,
        "people": people,
        "is_chair": board.is_chair,
        "takes_attendance": board.duties.coordinates,
        "attendance_form": AttendanceForm(prefix="attendance", people=people),
        "quorum_required": _discipline_labels(board.quorum.required),
        "quorum_missing": _discipline_labels(board.quorum.missing_disciplines),
    }
    if entry is not None:
        before, after = board.neighbours(entry)
        signed = entry.plan is not None and entry.plan.status == ConsensusPlan.Status.SIGNED
        for opinion in entry.opinions:
            opinion.option_labels = [option_label(slug) for slug in opinion.options]
        context |= {
            "case": entry.case,
            "patient": entry.case.patient,
            "previous": before,
            "next": after,
            "assessment": stored_case_assessment(entry.case),
            "summary": entry.summary,
            "key_images": key_images_of([entry.case.pk]).get(entry.case.pk, []),
            "signed": signed,
            "options_view": options_view(entry.decision.options) if entry.decision else [],
            "activities": _with_details(entry.activities),
            "rediscussion": selectors.item_rediscussions([entry.item]).get(entry.item.pk),
            "goals": [
                str(dict(entry.case.Goal.choices).get(g, g)) for g in entry.case.goals_ranked or []
            ],
            **_forms_for(entry, people),
        }
    context |= overrides
    # The screen names every patient on the agenda and shows one case in full.
    reads.record_many(
        request, "case.agenda", [(i.case.patient.uuid, i.case.uuid) for i in board.items]
    )
    if entry is not None:
        reads.record(request, "case", patient=entry.case.patient.uuid, obj=entry.case.uuid)
    return render(request, "recommendations/meeting_run.html", context, status=status)


@staff_required
def meeting_run(request, meeting_uuid):
    """The meeting screen: the current case (`?item=<position>`, default the first)."""
    meeting = _meeting(request.user, meeting_uuid)
    return _render_run(request, meeting, _position(request.GET.get("item")))


def _board_and_entry(request, meeting_uuid, position):
    meeting = _meeting(request.user, meeting_uuid)
    board = selectors.meeting_board(meeting=meeting, user=request.user)
    return meeting, board, _entry(board, position)


@require_POST
@staff_required
def meeting_open_record(request, meeting_uuid, position):
    meeting, board, entry = _board_and_entry(request, meeting_uuid, position)
    try:
        services.decision_record_open(agenda_item=entry.item, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(_run_url(meeting, position, "record"))


def _refused(request, meeting, board, position, exc: ApplicationError, form, *, status=400, **kw):
    """Put a refusal on the form and show the page again (nothing was written)."""
    show_errors(exc, form)
    return _render_run(request, meeting, position, board=board, status=status, **kw)


@require_POST
@staff_required
def meeting_save_record(request, meeting_uuid, position):
    meeting, board, entry = _board_and_entry(request, meeting_uuid, position)
    if entry.decision is None:
        raise Http404("Open the decision record first.")
    form = DecisionRecordForm(request.POST, prefix="record")
    options = OptionFormSet(request.POST, prefix="options")
    supportive = SupportiveFormSet(request.POST, prefix="supportive")
    bound = {"record_form": form, "option_formset": options, "supportive_formset": supportive}
    if not all([form.is_valid(), options.is_valid(), supportive.is_valid()]):
        return _render_run(request, meeting, position, board=board, status=400, **bound)
    mine = {
        "options": options_from(options),
        "supportive_care": supportive_from(supportive),
        **form.record_fields(),
    }
    try:
        record = services.decision_record_update(
            record=entry.decision,
            expected_version=form.cleaned_data["version"],
            by=request.user,
            **mine,
        )
    except services.StaleVersionError as exc:
        data = request.POST.copy()
        data["record-version"] = str(exc.current.version)
        form, options, supportive = (
            DecisionRecordForm(data, prefix="record"),
            OptionFormSet(data, prefix="options"),
            SupportiveFormSet(data, prefix="supportive"),
        )
        form.is_valid(), options.is_valid(), supportive.is_valid()
        board = selectors.meeting_board(meeting=meeting, user=request.user)
        return _render_run(
            request,
            meeting,
            position,
            board=board,
            status=409,
            record_form=form,
            option_formset=options,
            supportive_formset=supportive,
            record_conflict=_record_conflict(exc, mine),
        )
    except ApplicationError as exc:
        return _refused(request, meeting, board, position, exc, form, **bound)
    messages.success(
        request, _("Decision record saved (version %(version)d).") % {"version": record.version}
    )
    return redirect(_run_url(meeting, position, "record"))


@require_POST
@staff_required
def meeting_save_plan(request, meeting_uuid, position):
    meeting, board, entry = _board_and_entry(request, meeting_uuid, position)
    if entry.plan is None:
        raise Http404("Open the decision record first.")
    people = selectors.board_people(meeting.board)
    form = PlanForm(request.POST, prefix="plan")
    rows = ActivityFormSet(request.POST, prefix="activities", people=people)
    bound = {"plan_form": form, "activity_formset": rows}
    if not (form.is_valid() and rows.is_valid()):
        return _render_run(request, meeting, position, board=board, status=400, **bound)
    changes = activity_changes(rows, {a.uuid: a for a in entry.activities})
    if any(f.errors for f in rows.forms):
        return _render_run(request, meeting, position, board=board, status=400, **bound)
    mine = {"outcome": form.cleaned_data["outcome"], "summary": form.cleaned_data["summary"]}
    try:
        plan = services.plan_save(
            plan=entry.plan,
            expected_version=form.cleaned_data["version"],
            by=request.user,
            fields=mine,
            activities=changes,
        )
    except services.StaleVersionError as exc:
        data = request.POST.copy()
        data["plan-version"] = str(exc.current.version)
        form = PlanForm(data, prefix="plan")
        rows = ActivityFormSet(data, prefix="activities", people=people)
        form.is_valid(), rows.is_valid()
        return _render_run(
            request,
            meeting,
            position,
            status=409,
            plan_form=form,
            activity_formset=rows,
            plan_conflict=_plan_conflict(exc, mine, changes, entry),
        )
    except ApplicationError as exc:
        return _refused(request, meeting, board, position, exc, form, **bound)
    messages.success(request, _("Plan saved (version %(version)d).") % {"version": plan.version})
    return redirect(_run_url(meeting, position, "plan"))


@require_POST
@staff_required
def meeting_add_dissent(request, meeting_uuid, position):
    meeting, board, entry = _board_and_entry(request, meeting_uuid, position)
    if entry.plan is None:
        raise Http404("Open the decision record first.")
    form = DissentForm(request.POST, prefix="dissent", people=selectors.board_people(meeting.board))
    if not form.is_valid():
        return _render_run(request, meeting, position, board=board, status=400, dissent_form=form)
    try:
        services.dissent_add(
            plan=entry.plan,
            member=form.cleaned_data["member"],
            view=form.cleaned_data["view"],
            by=request.user,
        )
    except ApplicationError as exc:
        return _refused(request, meeting, board, position, exc, form, dissent_form=form)
    messages.success(request, _("Dissenting view recorded."))
    return redirect(_run_url(meeting, position, "dissent"))


@require_POST
@staff_required
def meeting_sign(request, meeting_uuid, position):
    meeting, board, entry = _board_and_entry(request, meeting_uuid, position)
    if entry.plan is None:
        raise Http404("Open the decision record first.")
    if not board.is_chair:
        raise PermissionDenied("Only the chair of the board signs the consensus plan.")
    form = SignForm(request.POST, prefix="sign")
    if not form.is_valid():
        return _render_run(request, meeting, position, board=board, status=400, sign_form=form)
    try:
        services.plan_sign(
            plan=entry.plan,
            by=request.user,
            quorum_override_reason=form.cleaned_data["quorum_override_reason"],
            expected_version=form.cleaned_data["version"],
        )
    except services.StaleVersionError as exc:
        form = SignForm(initial={"version": exc.current.version}, prefix="sign")
        messages.error(request, exc.message)
        return _render_run(request, meeting, position, status=409, sign_form=form)
    except ApplicationError as exc:
        return _refused(request, meeting, board, position, exc, form, sign_form=form)
    messages.success(request, _("Plan signed. The activities' owners have been notified."))
    return redirect(_run_url(meeting, position, "plan"))


@require_POST
@staff_required
def meeting_attendance(request, meeting_uuid):
    meeting = _meeting(request.user, meeting_uuid)
    board = selectors.meeting_board(meeting=meeting, user=request.user)
    position = _position(request.POST.get("item"))
    if not board.duties.coordinates:
        raise PermissionDenied("The coordinator or the chair records attendance.")
    form = AttendanceForm(
        request.POST, prefix="attendance", people=selectors.board_people(meeting.board)
    )
    if not form.is_valid():
        return _render_run(
            request, meeting, position, board=board, status=400, attendance_form=form
        )
    try:
        attendance_record(
            meeting=meeting,
            user=form.cleaned_data["user"],
            mode=form.cleaned_data["mode"],
            by=request.user,
        )
    except ApplicationError as exc:
        return _refused(request, meeting, board, position, exc, form, attendance_form=form)
    messages.success(request, _("Attendance recorded."))
    return redirect(_run_url(meeting, position, "attendance"))


@require_POST
@staff_required
def meeting_attendance_all(request, meeting_uuid):
    """ "Mark all invited members present" on the meeting screen; corrections one by one after."""
    meeting = _meeting(request.user, meeting_uuid)
    board = selectors.meeting_board(meeting=meeting, user=request.user)
    position = _position(request.POST.get("item"))
    if not board.duties.coordinates:
        raise PermissionDenied("The coordinator or the chair records attendance.")
    try:
        written = attendance_take(meeting=meeting, by=request.user, mark_expected_present=True)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(_run_url(meeting, position, "attendance"))
    messages.success(request, _("%(n)d invited members marked present.") % {"n": len(written)})
    return redirect(_run_url(meeting, position, "attendance"))


# --- the plan page ----------------------------------------------------------------------------


def _plan(user, plan_uuid) -> ConsensusPlan:
    try:
        return selectors.plan_detail(user=user, uuid=plan_uuid)
    except ObjectDoesNotExist:
        raise Http404("No such plan.") from None


def _render_plan(request, plan, *, status=200, status_errors=None, **overrides):
    record = plan.decision
    item = record.agenda_item
    meeting = item.meeting
    people = selectors.board_people(meeting.board)
    signed = plan.status == ConsensusPlan.Status.SIGNED
    activities = _with_details(list(plan.activities.all()))
    status_errors = status_errors or {}
    today = board_today(meeting.board)
    for activity in activities:
        activity.overdue = signed and activity.is_overdue(today)
        activity.status_forms = []
        if signed and services.may_follow_up(request.user, activity, meeting.board):
            activity.status_forms = [
                status_errors.get((activity.pk, status))
                or ActivityStatusForm(status=status, activity_pk=activity.pk)
                for status in STATUS_FIELDS
                if status in PlanActivity.TRANSITIONS[activity.status]
            ]
    can_amend = signed and board_roles(request.user, meeting.board).coordinates
    rediscussions = selectors.plan_rediscussions(plan)
    can_send_back = (
        signed
        and item.case.status == Case.Status.PLAN_SIGNED
        and not any(r.agenda_item_id is None for r in rediscussions)
        and services.may_send_back(request.user, plan, meeting.board)
    )
    history = selectors.plan_history(plan)
    context = {
        "plan": plan,
        "record": record,
        "meeting": meeting,
        "item": item,
        "case": item.case,
        "patient": item.case.patient,
        "activities": activities,
        "dissents": list(plan.dissents.all()),
        "amendments": list(plan.amendments.all()),
        "history": history,
        "history_entries": history_for_people(history.entries, zone=meeting.board.time_zone),
        "options_view": options_view(record.options),
        "signed": signed,
        "can_amend": can_amend,
        "rediscussions": rediscussions,
        "can_send_back": can_send_back,
        "send_back_form": overrides.pop("send_back_form", None) or SendBackForm(prefix="back"),
    }
    if can_amend:
        amendable = [a for a in activities if a.status in AMENDABLE_STATUSES]
        context["amendment_form"] = AmendmentForm(
            initial={"version": plan.version, "summary": plan.summary}, prefix="amend"
        )
        context["amendment_activities"] = ActivityFormSet(
            initial=[ActivityForm.initial_from(a) for a in amendable],
            prefix="amend-activities",
            people=people,
        )
    context |= overrides
    reads.record(request, "plan", patient=item.case.patient.uuid, obj=plan.uuid)
    return render(request, "recommendations/plan_detail.html", context, status=status)


@staff_required
def plan_page(request, plan_uuid):
    return _render_plan(request, _plan(request.user, plan_uuid))


@require_POST
@staff_required
def plan_activity_status(request, plan_uuid, activity_uuid):
    plan = _plan(request.user, plan_uuid)
    activity = next((a for a in plan.activities.all() if a.uuid == activity_uuid), None)
    if activity is None:
        raise Http404("No such activity on this plan.")
    if not services.may_follow_up(request.user, activity, plan.decision.agenda_item.meeting.board):
        raise PermissionDenied("Only the activity's owner and the board's coordinators and chair.")
    status = request.POST.get("status", "")
    if status not in STATUS_FIELDS:
        messages.error(request, _("Choose one of the offered statuses."))
        return redirect(reverse("plan-page", kwargs={"plan_uuid": plan.uuid}))
    form = ActivityStatusForm(request.POST, status=status, activity_pk=activity.pk)
    if form.is_valid():
        try:
            services.activity_set_status(
                activity=activity,
                status=status,
                reason=form.cleaned_data.get("reason", ""),
                done_instead=form.cleaned_data.get("done_instead", ""),
                completed_on=form.cleaned_data.get("completed_on"),
                by=request.user,
            )
        except ApplicationError as exc:
            show_errors(exc, form)
        else:
            messages.success(request, _("Activity status recorded."))
            url = reverse("plan-page", kwargs={"plan_uuid": plan.uuid})
            return redirect(f"{url}#activity-{activity.uuid}")
    return _render_plan(request, plan, status=400, status_errors={(activity.pk, status): form})


@require_POST
@staff_required
def plan_send_back(request, plan_uuid):
    """Send the case back to the board from its signed plan (a re-discussion)."""
    plan = _plan(request.user, plan_uuid)
    if not services.may_send_back(request.user, plan, plan.decision.agenda_item.meeting.board):
        raise PermissionDenied("Only an activity's owner and the board's coordinators and chair.")
    form = SendBackForm(request.POST, prefix="back")
    if form.is_valid():
        wanted = form.cleaned_data["activity"]
        activity = next((a for a in plan.activities.all() if a.uuid == wanted), None)
        if wanted is not None and activity is None:
            raise Http404("No such activity on this plan.")
        try:
            services.case_send_back(
                case=plan.decision.agenda_item.case,
                by=request.user,
                trigger=form.cleaned_data["trigger"],
                detail=form.cleaned_data["detail"],
                activity=activity,
            )
        except ApplicationError as exc:
            show_errors(exc, form)
        else:
            messages.success(request, _("The case was sent back to the board."))
            url = reverse("plan-page", kwargs={"plan_uuid": plan.uuid})
            return redirect(f"{url}#rediscussions")
    return _render_plan(request, plan, status=400, send_back_form=form)


@require_POST
@staff_required
def plan_amend(request, plan_uuid):
    plan = _plan(request.user, plan_uuid)
    record = plan.decision
    board = record.agenda_item.meeting.board
    if not board_roles(request.user, board).coordinates:
        raise PermissionDenied("Only a chair or coordinator of the board amends a signed plan.")
    people = selectors.board_people(board)
    form = AmendmentForm(request.POST, prefix="amend")
    rows = ActivityFormSet(request.POST, prefix="amend-activities", people=people)
    bound = {"amendment_form": form, "amendment_activities": rows}
    if not (form.is_valid() and rows.is_valid()):
        return _render_plan(request, plan, status=400, **bound)
    amendable = {a.uuid: a for a in plan.activities.all() if a.status in AMENDABLE_STATUSES}
    changes = activity_changes(rows, amendable)
    if any(f.errors for f in rows.forms):
        return _render_plan(request, plan, status=400, **bound)
    try:
        services.plan_amend(
            plan=plan,
            reason=form.cleaned_data["reason"],
            by=request.user,
            changes={"summary": form.cleaned_data["summary"]},
            activities=changes,
            expected_version=form.cleaned_data["version"],
        )
    except services.StaleVersionError as exc:
        form.add_error(None, exc.message)
        return _render_plan(request, _plan(request.user, plan_uuid), status=409, **bound)
    except ApplicationError as exc:
        show_errors(exc, form)
        return _render_plan(request, plan, status=400, **bound)
    messages.success(request, _("Amendment recorded."))
    return redirect("plan-page", plan_uuid=plan.uuid)
