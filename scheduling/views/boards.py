"""A board's decision-support settings page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cases.assessment import board_sbrt_regimens, board_systemic_thresholds
from tumorboard.errors import ApplicationError
from tumorboard.pages import staff_required

from ..access import boards_visible_to, can_coordinate
from ..forms import BoardSettingsForm
from ..models import Board
from ..services.board_settings import NOT_ALLOWED, board_settings_update


@staff_required
def board_settings(request, board_uuid):
    try:
        board = boards_visible_to(request.user).select_related("updated_by").get(uuid=board_uuid)
    except Board.DoesNotExist:
        raise Http404("No such board.") from None
    can_change = can_coordinate(request.user, board)
    form = BoardSettingsForm.for_board(board) if can_change else None
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied(NOT_ALLOWED)
        form = BoardSettingsForm.for_board(board, request.POST)
        if form.is_valid():
            changes = {
                name: value
                for name, value in form.cleaned_data.items()
                if value != getattr(board, name)
            }
            if not changes:
                messages.info(request, _("Nothing was changed."))
                return redirect("board-settings", board_uuid=board.uuid)
            try:
                board_settings_update(board=board, by=request.user, **changes)
            except ApplicationError as exc:
                for name, field_messages in exc.fields.items():
                    for message in field_messages:
                        form.add_error(name if name in form.fields else None, message)
                if not exc.fields:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, _("Decision-support settings saved."))
                return redirect("board-settings", board_uuid=board.uuid)
    errors = []
    if form is not None and form.is_bound:
        errors = [("", str(error)) for error in form.non_field_errors()]
        errors += [
            (f"field-{bound.html_name}", f"{bound.label}: {error}")
            for bound in form
            for error in bound.errors
        ]
    return render(
        request,
        "scheduling/board_settings.html",
        {
            "board": board,
            "form": form,
            "can_change": can_change,
            "sbrt": board_sbrt_regimens(board),
            "too_ill": board_systemic_thresholds(board),
            "errors": errors,
        },
    )
