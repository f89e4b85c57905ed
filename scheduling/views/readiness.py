"""The readiness board: the user's boards' cases by state, with what each still lacks; each
column's most urgent cases on the board, and one column page by page."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.http import urlencode

from audit import reads
from tumorboard.pages import staff_required

from ..access import boards_visible_to
from ..forms import ReadinessFilterForm
from ..selectors import (
    READINESS_PER_COLUMN,
    READINESS_STATES,
    readiness_board,
    readiness_column,
)


def _chosen_board(request):
    boards = boards_visible_to(request.user).order_by("name")
    form = ReadinessFilterForm(request.GET or None, boards=boards)
    board = form.cleaned_data.get("board") if form.is_bound and form.is_valid() else None
    return form, boards, board


def _record(request, cards) -> None:
    """Each card names its case's patient: one read-log row per card."""
    reads.record_many(
        request, "readiness.case", [(c.case.patient.uuid, c.case.uuid) for c in cards]
    )


@staff_required
def readiness_board_page(request):
    form, boards, board = _chosen_board(request)
    columns = readiness_board(user=request.user, board=board)
    _record(request, [card for column in columns for card in column.cards])
    return render(
        request,
        "scheduling/readiness_board.html",
        {
            "form": form,
            "columns": columns,
            "board": board,
            "total": sum(column.count for column in columns),
            "per_column": READINESS_PER_COLUMN,
            "show_board": board is None and len(boards) > 1,
        },
    )


@staff_required
def readiness_column_page(request, state):
    if state not in READINESS_STATES:
        raise Http404("No such column.")
    form, boards, board = _chosen_board(request)
    after = request.GET.get("after", "")
    try:
        column = readiness_column(user=request.user, state=state, board=board, after=after)
    except ValueError:
        raise Http404("No such page.") from None
    _record(request, column.cards)
    next_query = ""
    if column.next_cursor:
        query = {"after": column.next_cursor}
        if board is not None:
            query = {"board": str(board.uuid), **query}
        next_query = urlencode(query)
    return render(
        request,
        "scheduling/readiness_column.html",
        {
            "column": column,
            "board": board,
            "after": after,
            "next_query": next_query,
            "show_board": board is None and len(boards) > 1,
        },
    )
