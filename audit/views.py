"""The privacy officer's pages: the read log, filtered and paged, and its CSV export."""

from __future__ import annotations

from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import export
from .access import privacy_officer_required
from .forms import ReadFilterForm
from .selectors import read_events, read_events_page

PAGE_SIZE = 100


@require_GET
@privacy_officer_required
def read_log(request):
    form = ReadFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "audit/read_log.html", {"form": form, "rows": []}, status=400)
    rows, next_before = read_events_page(
        form.filters(), before=form.cleaned_data.get("before"), size=PAGE_SIZE
    )
    query = request.GET.copy()
    query.pop("before", None)
    next_query = ""
    if next_before is not None:
        query["before"] = str(next_before)
        next_query = query.urlencode()
    return render(
        request,
        "audit/read_log.html",
        {"form": form, "rows": rows, "next_query": next_query, "export_query": _export(request)},
    )


def _export(request) -> str:
    query = request.GET.copy()
    query.pop("before", None)
    return query.urlencode()


@require_GET
@privacy_officer_required
def read_log_csv(request):
    form = ReadFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest("Invalid filter: " + "; ".join(form.errors))
    response = StreamingHttpResponse(
        export.csv_lines(read_events(form.filters())), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="read-log-{stamp}.csv"'
    return response
