"""The results page (/results/?board=&start=&end=) and its CSV (/results.csv, one row per
figure), for the boards the user coordinates or chairs; other staff 403, patients 403."""

from __future__ import annotations

import csv
import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render

from scheduling.models import Board
from scheduling.recurrence import board_zone
from tumorboard.errors import ApplicationError
from tumorboard.pages import show_errors, staff_required

from . import charts
from .forms import ResultsFilterForm
from .selectors import NOT_RESULTS, Period, Results, board_results, results_board, results_boards


class _Refused(Exception):
    def __init__(self, form: ResultsFilterForm):
        self.form = form


def results_for_request(request, params) -> tuple[ResultsFilterForm, Results]:
    """The filter form and the results it asks for. PermissionDenied without a board to show,
    Http404 for a board the user cannot see, _Refused for bad dates."""
    boards = results_boards(request.user)
    if not boards:
        raise PermissionDenied(NOT_RESULTS)
    form = ResultsFilterForm(params, boards=boards)
    if not form.is_valid():
        raise _Refused(form)
    try:
        board = results_board(request.user, form.cleaned_data["board"] or boards[0].uuid)
    except (Board.DoesNotExist, ValueError):
        raise Http404("No such board.") from None
    today = dt.datetime.now(board_zone(board.time_zone)).date()
    default = Period.ending(today)
    start = form.cleaned_data["start"] or default.start
    end = form.cleaned_data["end"] or (today if form.cleaned_data["start"] else default.end)
    try:
        period = Period.checked(start, end)
    except ApplicationError as exc:
        show_errors(exc, form)
        raise _Refused(form) from None
    return form, board_results(board, period)


def _charts(results: Results) -> dict:
    tables = results.tables
    return {
        "timeliness": charts.line_chart(
            "Referral to meeting, median days by month",
            [(row["month"], row["median_days"]) for row in tables["timeliness_by_month"]],
            unit="days",
        ),
        "attendance": charts.bar_chart(
            "Meetings each discipline attended",
            [(row["label"], row["share"]) for row in tables["attendance_by_discipline"]],
            share=True,
        ),
        "agreement": charts.bar_chart(
            "Opinions agreeing with the consensus, by discipline",
            [(row["label"], row["share"]) for row in tables["agreement_by_discipline"]],
            share=True,
        ),
        "follow_through": charts.bar_chart(
            "Plan activities",
            [(f.label, f.value) for f in results.section("follow_through") if f.unit == "count"],
            share=False,
        ),
        "ambulation": charts.bar_chart(
            "Walking kept at 3 months, by treatment",
            [(row["label"], row["ambulation_kept"]) for row in tables["outcomes_by_treatment"]],
            share=True,
        ),
        "survival": charts.survival_chart(
            "Survival by treatment (Kaplan–Meier)",
            [
                (row["label"], results.survival[row["category"]])
                for row in tables["outcomes_by_treatment"]
                if row["patients"]
            ],
        ),
    }


@staff_required
def results_page(request):
    try:
        form, results = results_for_request(request, request.GET)
    except _Refused as refused:
        return render(
            request, "recommendations/dashboard/results.html", {"form": refused.form}, status=400
        )
    query = request.GET.urlencode()
    return render(
        request,
        "recommendations/dashboard/results.html",
        {
            "form": form,
            "results": results,
            "charts": _charts(results),
            "query": query,
            "timeliness": results.section("timeliness"),
            "participation": results.section("participation"),
            "decisions": results.section("decisions"),
            "follow_through": results.section("follow_through"),
            "outcome_figures": results.section("outcomes"),
        },
    )


def results_csv_rows(results: Results) -> list[list]:
    """The CSV: a header, then one row per figure (section, metric, label, value, unit, n,
    target), then the tables' rows as figures named table.key.column."""
    rows: list[list] = [["section", "metric", "label", "value", "unit", "n", "target"]]
    for f in results.figures:
        rows.append(
            [
                f.section,
                f.key,
                f.label,
                "" if f.value is None else f"{f.value:g}",
                f.unit,
                f.n,
                "" if f.target is None else f"{f.target:g}",
            ]
        )
    return rows


@staff_required
def results_csv(request):
    try:
        _, results = results_for_request(request, request.GET)
    except _Refused as refused:
        return HttpResponse(refused.form.errors.as_text(), status=400, content_type="text/plain")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"results-{results.period.start}-{results.period.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerows(results_csv_rows(results))
    return response
