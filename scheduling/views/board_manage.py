"""A board's management page, for its coordinators and chair: its people and their duties, every
setting of the board (one form, grouped), and its standing schedules ("Every Thursday at 07:30,
Europe/London"). Other members get 403, staff of other boards 404.

Each change is a POST to its own address and goes through one service; a refusal comes back on
the form it concerns (400) and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tumorboard.errors import ApplicationError
from tumorboard.pages import error_summary, show_errors, staff_required

from .. import services
from ..forms import (
    BoardManageForm,
    MemberAddForm,
    MemberRoleForm,
    ScheduleEditForm,
    StaffSearchForm,
    StandingScheduleForm,
)
from ..models import Board, BoardSchedule
from ..rules import board_today
from ..selectors import board_managed_by, board_member_rows, board_schedules, staff_to_add


def _board(request, board_uuid) -> Board:
    try:
        return board_managed_by(request.user, board_uuid)
    except Board.DoesNotExist:
        raise Http404("No such board.") from None


def _to_page(board: Board, anchor: str):
    return redirect(f"{reverse('board-manage', kwargs={'board_uuid': board.uuid})}#{anchor}")


def _render(request, board: Board, *, status: int = 200, **bound):
    rows = board_member_rows(board)
    role_forms = {
        row.user.pk: bound.get(f"role-{row.user.pk}")
        or MemberRoleForm(prefix=f"role-{row.user.pk}", initial={"role": row.role})
        for row in rows
    }
    schedules = [
        (
            schedule,
            bound.get(f"schedule-{schedule.pk}")
            or ScheduleEditForm.for_schedule(schedule, prefix=f"schedule-{schedule.pk}"),
        )
        for schedule in board_schedules(board)
    ]
    settings_form = bound.get("settings_form") or BoardManageForm.for_board(board)
    search_form = bound.get("search_form") or StaffSearchForm(prefix="search")
    add_form = bound.get("add_form") or MemberAddForm(prefix="add")
    schedule_form = bound.get("schedule_form") or StandingScheduleForm(
        prefix="new-schedule",
        initial={"time_zone": board.time_zone, "starts_on": board_today(board)},
    )
    forms = [form for form in bound.values() if hasattr(form, "is_bound")]
    return render(
        request,
        "scheduling/board_manage.html",
        {
            "board": board,
            "members": [(row, role_forms[row.user.pk]) for row in rows],
            "settings_form": settings_form,
            "search_form": search_form,
            "add_form": add_form,
            "found": bound.get("found"),
            "schedule_form": schedule_form,
            "schedules": schedules,
            "errors": error_summary(*forms) if forms else [],
        },
        status=status,
    )


@staff_required
def board_manage(request, board_uuid):
    """The page; a POST saves the board's settings (only what changed)."""
    board = _board(request, board_uuid)
    if request.method != "POST":
        return _render(request, board)
    form = BoardManageForm.for_board(board, request.POST)
    if form.is_valid():
        changes = {
            name: value
            for name, value in form.cleaned_data.items()
            if value != getattr(board, name)
        }
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return _to_page(board, "settings")
        try:
            services.board_settings_update(board=board, by=request.user, **changes)
        except ApplicationError as exc:
            show_errors(exc, form)
        else:
            messages.success(request, _("Board settings saved."))
            return _to_page(board, "settings")
    return _render(request, board, status=400, settings_form=form)


@require_POST
@staff_required
def board_member_search(request, board_uuid):
    """Staff to add, found by name (a POST: a typed name never appears in a URL or a log)."""
    board = _board(request, board_uuid)
    form = StaffSearchForm(request.POST, prefix="search")
    if not form.is_valid():
        return _render(request, board, status=400, search_form=form)
    found = staff_to_add(board, q=form.cleaned_data["q"])
    return _render(
        request,
        board,
        search_form=StaffSearchForm(prefix="search", initial=form.cleaned_data),
        add_form=MemberAddForm(prefix="add", offered=found.users),
        found=found,
    )


@require_POST
@staff_required
def board_member_add(request, board_uuid):
    board = _board(request, board_uuid)
    form = MemberAddForm(request.POST, prefix="add")
    if form.is_valid():
        user = form.cleaned_data["user"]
        try:
            services.board_member_add(
                board=board, user=user, role=form.cleaned_data["role"], by=request.user
            )
        except ApplicationError as exc:
            show_errors(exc, form)
        else:
            name = user.get_full_name() or user.get_username()
            messages.success(request, _("%(name)s added to the board.") % {"name": name})
            return _to_page(board, "members")
    # Shown again with the person chosen only (the form accepted any active user's id).
    chosen = request.POST.get("add-user", "")
    form.fields["user"].queryset = get_user_model().objects.filter(
        pk=int(chosen) if chosen.isdigit() else None, is_active=True
    )
    return _render(request, board, status=400, add_form=form)


def _member(board: Board, user_id: int):
    user = (
        get_user_model()
        .objects.filter(pk=user_id, board_memberships__board=board)
        .distinct()
        .first()
    )
    if user is None:
        raise Http404("Not on this board.")
    return user


@require_POST
@staff_required
def board_member_role(request, board_uuid, user_id):
    board = _board(request, board_uuid)
    user = _member(board, user_id)
    form = MemberRoleForm(request.POST, prefix=f"role-{user.pk}")
    if form.is_valid():
        try:
            services.board_member_set_role(
                board=board, user=user, role=form.cleaned_data["role"], by=request.user
            )
        except ApplicationError as exc:
            show_errors(exc, form)
        else:
            messages.success(request, _("Duty changed."))
            return _to_page(board, "members")
    return _render(request, board, status=400, **{f"role-{user.pk}": form})


@require_POST
@staff_required
def board_member_remove(request, board_uuid, user_id):
    board = _board(request, board_uuid)
    user = _member(board, user_id)
    try:
        services.board_member_remove(board=board, user=user, by=request.user)
    except ApplicationError as exc:
        # The refusal is shown on the person's row, whose form keeps their duty.
        role = next(row.role for row in board_member_rows(board) if row.user.pk == user.pk)
        form = MemberRoleForm({f"role-{user.pk}-role": role}, prefix=f"role-{user.pk}")
        form.is_valid()
        form.add_error(None, exc.fields.get("role", [exc.message])[0])
        return _render(request, board, status=400, **{f"role-{user.pk}": form})
    name = user.get_full_name() or user.get_username()
    messages.success(request, _("%(name)s removed from the board.") % {"name": name})
    if user.pk == request.user.pk and not request.user.is_superuser:
        return redirect("meeting-list")  # they no longer manage this board
    return _to_page(board, "members")


@require_POST
@staff_required
def board_schedule_add(request, board_uuid):
    board = _board(request, board_uuid)
    form = StandingScheduleForm(request.POST, prefix="new-schedule")
    if form.is_valid():
        try:
            schedule = services.board_schedule_create(
                board=board, by=request.user, **form.cleaned_data
            )
        except ApplicationError as exc:
            show_errors(exc, form)
        else:
            messages.success(
                request, _("Standing schedule saved: %(when)s.") % {"when": schedule.description}
            )
            return _to_page(board, "schedules")
    return _render(request, board, status=400, schedule_form=form)


def _schedule(board: Board, schedule_id: int) -> BoardSchedule:
    try:
        return board.schedules.get(pk=schedule_id)
    except BoardSchedule.DoesNotExist:
        raise Http404("No such schedule.") from None


@require_POST
@staff_required
def board_schedule_edit(request, board_uuid, schedule_id):
    board = _board(request, board_uuid)
    schedule = _schedule(board, schedule_id)
    form = ScheduleEditForm(request.POST, prefix=f"schedule-{schedule.pk}")
    if form.is_valid():
        try:
            schedule = services.board_schedule_update(
                schedule=schedule, by=request.user, **form.cleaned_data
            )
        except ApplicationError as exc:
            show_errors(exc, form)
        else:
            messages.success(
                request, _("Standing schedule saved: %(when)s.") % {"when": schedule.description}
            )
            return _to_page(board, "schedules")
    return _render(request, board, status=400, **{f"schedule-{schedule.pk}": form})


@require_POST
@staff_required
def board_schedule_delete(request, board_uuid, schedule_id):
    board = _board(request, board_uuid)
    schedule = _schedule(board, schedule_id)
    services.board_schedule_delete(schedule=schedule, by=request.user)
    messages.success(request, _("Standing schedule removed; its meetings stay."))
    return _to_page(board, "schedules")
