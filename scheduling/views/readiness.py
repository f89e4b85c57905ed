"""The readiness board: the user's boards' cases by state, with what each still lacks."""

from __future__ import annotations

from django.shortcuts import render

from tumorboard.pages import staff_required

from ..access import boards_visible_to
from ..forms import ReadinessFilterForm
from ..selectors import readiness_board


@staff_required
def readiness_board_page(request):
    boards = boards_visible_to(request.user).order_by("name")
    form = ReadinessFilterForm(request.GET or None, boards=boards)
    board = form.cleaned_data.get("board") if form.is_bound and form.is_valid() else None
    columns = readiness_board(user=request.user, board=board)
    return render(
        request,
        "scheduling/readiness_board.html",
        {
            "form": form,
            "columns": columns,
            "board": board,
            "total": sum(len(column.cards) for column in columns),
            "show_board": board is None and len(boards) > 1,
        },
    )
