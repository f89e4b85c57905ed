"""Helpers of the scheduling tests: a case ready for the board, and small request and agenda
helpers shared by the service, API and page tests (fixtures are in conftest.py)."""

from __future__ import annotations

import datetime as dt
import re
import threading

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from scheduling.models import AgendaItem, Board
from tests.factories import CaseFactory, LesionFactory
from tumorboard.errors import ApplicationError


def ready_case(board, *, mri_days_ago: int = 3, today: dt.date | None = None, **overrides) -> Case:
    """A case with all the board needs: question, recent MRI, histology, PS, neuro, scores."""
    today = today or timezone.localdate()
    data = {
        "board": board,
        "primary_site": "renal_cell",
        "histology": "Clear cell renal cell carcinoma",
        "histology_confirmed": True,
        "kps": 70,
        "expected_survival_months": 12,  # NOMS rules out "too ill" with it (issue 13)
        "frankel_grade": "D",
        "neuro_exam_date": today - dt.timedelta(days=2),
        "vertebral_body_mets": 1,
        "extraspinal_bone_mets": 0,
        "visceral_mets": Case.VisceralMets.NONE,
        "fit_for_surgery": True,
        "status": Case.Status.READY,
        **overrides,
    }
    case = CaseFactory(**data)
    LesionFactory(case=case, level="T10", imaging_date=today - dt.timedelta(days=mri_days_ago))
    return case


def minutes_ago(minutes: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


# --- API --------------------------------------------------------------------------------------


def api_url(name, *args):
    return reverse(f"api:{name}", args=args)


def results(response):
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def assert_bad_input(response, field):
    """A 400 with a summary and messages on the named field."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"]
    assert isinstance(body[field], list) and body[field], body
    return body


def count_queries(client, path, **params) -> int:
    """The queries of a GET (200), asked twice so the per-user caches the first fills are warm."""
    client.get(path, params)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(ctx)


# --- agendas ----------------------------------------------------------------------------------


def agenda_snapshot(meeting):
    meeting.refresh_from_db()
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .order_by("position")
        .values_list("case_id", "position", "minutes_allotted")
    )
    return (meeting.starts_at, meeting.ends_at, meeting.status, items)


def agenda_positions(meeting) -> list:
    """(case id, position) of every item, in agenda order."""
    return list(meeting.agenda_items.order_by("position").values_list("case_id", "position"))


def agenda_order(meeting) -> list:
    return list(
        AgendaItem.objects.filter(meeting=meeting)
        .order_by("position")
        .values_list("case", flat=True)
    )


def board_settings_snapshot(board) -> tuple:
    board = Board.objects.get(pk=board.pk)
    return (
        board.escc_1c_high_grade,
        board.intermediate_histology,
        board.sbrt_regimens,
        board.too_ill_kps_at_most,
        board.too_ill_ecog_at_least,
        board.too_ill_survival_under_months,
        board.history.count(),
    )


# --- pages ------------------------------------------------------------------------------------


def page(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status
    return response.content.decode()


def row_of(html: str, case) -> str:
    """The agenda table row of one case."""
    match = re.search(rf'<tr id="item-{case.uuid}".*?</tr>', html, re.S)
    assert match, f"case {case.uuid} is not on the page"
    return match.group(0)


def add_to_agenda(client, meeting, case, minutes=""):
    return client.post(
        reverse("agenda-add", args=[meeting.uuid]),
        {"add-case": str(case.uuid), "add-minutes_allotted": minutes},
    )


# --- two people at once -----------------------------------------------------------------------


def run_concurrently(*calls):
    """Start every call at the same moment, each in its own thread and database connection.

    Returns one ("ok", result) or ("refused", ApplicationError) per call; anything else fails.
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", call())
        except ApplicationError as exc:
            outcomes[index] = ("refused", exc)
        except Exception as exc:  # noqa: BLE001 - reported below as a test failure
            outcomes[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(not thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    errors = [o for o in outcomes if o is None or o[0] == "error"]
    assert not errors, errors
    return outcomes
