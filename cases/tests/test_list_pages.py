"""The case and patient lists at any size: the stored urgency order, keyset (cursor) pages that
walk every row once in order, and query counts that do not grow with the rows."""

import datetime as dt
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import selectors, views
from cases.models import Case, Patient
from tests.factories import CaseFactory, LesionFactory, PatientFactory
from tumorboard.pagination import (
    NEXT,
    PREVIOUS,
    ImproperlyOrdered,
    InvalidCursor,
    encode_cursor,
    keyset_page,
)

pytestmark = pytest.mark.django_db

URGENCIES = ["routine", "emergency", "urgent", "routine", "urgent", "routine", "emergency"]


def _cases(board, n: int) -> list[Case]:
    """n cases of mixed urgency; every third shares one timestamp, so the id breaks ties."""
    cases = [CaseFactory(board=board, urgency=URGENCIES[i % len(URGENCIES)]) for i in range(n)]
    tied = [case.pk for case in cases[::3]]
    Case.objects.filter(pk__in=tied).update(created_at=timezone.now() - dt.timedelta(days=1))
    return cases


def _expected_order(board) -> list[str]:
    """The case list's order, computed here in Python: most urgent, newest, highest id."""
    rank = {"emergency": 2, "urgent": 1, "routine": 0}
    rows = Case.objects.filter(board=board).values("uuid", "urgency", "created_at", "pk")
    rows = sorted(rows, key=lambda r: (rank[r["urgency"]], r["created_at"], r["pk"]), reverse=True)
    return [str(row["uuid"]) for row in rows]


def _walk(client, path: str, params: dict, *, link: str = "next") -> tuple[list[str], int]:
    """Follow the `link` links from the first answer: the uuids in order, and the pages."""
    uuids, pages = [], 0
    response = client.get(path, params)
    while True:
        assert response.status_code == 200, response.json()
        body = response.json()
        assert "count" not in body
        uuids.extend(row["uuid"] for row in body["results"])
        pages += 1
        assert pages < 50, "the links go round in a circle"
        if body[link] is None:
            return uuids, pages
        response = client.get(body[link])


# --- the stored urgency order ---------------------------------------------------------------------


def test_urgency_priority_is_stored_from_the_urgency(cast):
    case = CaseFactory(board=cast.board, urgency="urgent")
    stored = Case.objects.values_list("urgency_priority", flat=True)
    assert stored.get(pk=case.pk) == 1
    for urgency, priority in [("emergency", 2), ("routine", 0), ("urgent", 1)]:
        Case.objects.filter(pk=case.pk).update(urgency=urgency)
        assert stored.get(pk=case.pk) == priority == Case.URGENCY_PRIORITY[urgency]


def test_urgency_rank_still_sorts_emergency_first_for_other_lists(cast):
    for urgency in ["routine", "emergency", "urgent"]:
        CaseFactory(board=cast.board, urgency=urgency)
    ranked = Case.objects.annotate(rank=selectors.URGENCY_RANK).order_by("rank")
    assert list(ranked.values_list("urgency", flat=True)) == ["emergency", "urgent", "routine"]


def test_a_case_change_keeps_its_history_without_the_stored_rank(cast):
    case = CaseFactory(board=cast.board, urgency="routine")
    case.urgency = "emergency"
    case.save()
    assert case.history.count() == 2
    assert case.history.first().urgency == "emergency"
    assert "urgency_priority" not in {f.name for f in case.history.model._meta.fields}


# --- keyset pages: the selector level -------------------------------------------------------------


def test_keyset_pages_walk_every_case_once_in_order_and_back(cast):
    _cases(cast.board, 11)
    CaseFactory(board=cast.other_board)  # not on our list
    cases = selectors.case_list(user=cast.coordinator)
    forward, cursor, pages = [], None, []
    while True:
        page = keyset_page(cases, cursor=cursor, size=4)
        pages.append(page)
        forward.extend(str(case.uuid) for case in page.rows)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert forward == _expected_order(cast.board)
    assert [len(page.rows) for page in pages] == [4, 4, 3]
    assert pages[0].previous_cursor is None
    # Back from the last page: the same pages, in reverse.
    backward, cursor = [], pages[-1].previous_cursor
    while cursor:
        page = keyset_page(cases, cursor=cursor, size=4)
        backward[:0] = [str(case.uuid) for case in page.rows]
        cursor = page.previous_cursor
    assert backward == forward[:8]


def test_a_filter_pages_the_same_way(cast):
    _cases(cast.board, 9)
    urgent = selectors.case_list(user=cast.coordinator, filters={"urgency": "urgent"})
    page = keyset_page(urgent, cursor=None, size=1)  # of the 2 urgent cases
    assert page.next_cursor is not None
    rest = keyset_page(urgent, cursor=page.next_cursor, size=10)
    found = [c.uuid for c in [*page.rows, *rest.rows]]
    assert found == list(
        Case.objects.filter(urgency="urgent")
        .order_by("-created_at", "-pk")
        .values_list("uuid", flat=True)
    )
    assert rest.next_cursor is None


def test_a_cursor_cannot_be_forged_or_reordered(cast):
    case = CaseFactory(board=cast.board)
    cases = selectors.case_list(user=cast.coordinator)
    with pytest.raises(InvalidCursor):
        keyset_page(cases, cursor=encode_cursor(NEXT, case)[:-2] + "xx", size=5)
    with pytest.raises(InvalidCursor):
        keyset_page(cases, cursor="garbage", size=5)
    with pytest.raises(ImproperlyOrdered):
        keyset_page(cases.order_by("urgency_priority", "-pk"), cursor=None, size=5)
    with pytest.raises(ImproperlyOrdered):
        keyset_page(cases.order_by("-created_at"), cursor=None, size=5)  # no unique tiebreak
    # A cursor names a row by uuid, not by its sort values (no name in a patient list's URL).
    patient = PatientFactory(family_name="Vexbridge", created_by=cast.coordinator)
    assert "Vexbridge" not in encode_cursor(PREVIOUS, patient)


# --- keyset pages: the API ------------------------------------------------------------------------


def test_api_case_list_pages_walk_every_case_once_in_order(cast, api):
    _cases(cast.board, 11)
    client = api(cast.coordinator)
    forward, pages = _walk(client, reverse("api:case-list"), {"page_size": 4})
    assert forward == _expected_order(cast.board)
    assert len(set(forward)) == 11
    assert pages == 3
    # From the last page back to the first through `previous`.
    last = client.get(reverse("api:case-list"), {"page_size": 4})
    while last.json()["next"]:
        last = client.get(last.json()["next"])
    backward, pages = [], 0
    response = last
    while True:
        backward[:0] = [row["uuid"] for row in response.json()["results"]]
        pages += 1
        if response.json()["previous"] is None:
            break
        response = client.get(response.json()["previous"])
    assert backward == forward
    assert pages == 3


def test_api_patient_list_pages_by_name_with_the_id_breaking_ties(cast, api):
    for _ in range(3):
        PatientFactory(family_name="Same", given_name="Name", created_by=cast.coordinator)
    for name in ["Bell", "Adams", "Zorn"]:
        CaseFactory(board=cast.board, patient__family_name=name)
    CaseFactory(board=cast.other_board, patient__family_name="Elsewhere")
    uuids, pages = _walk(api(cast.coordinator), reverse("api:patient-list"), {"page_size": 2})
    expected = Patient.objects.exclude(family_name="Elsewhere").exclude(pk=cast.patient.pk)
    expected = expected.order_by("family_name", "given_name", "pk").values_list("uuid", flat=True)
    assert uuids == [str(u) for u in expected]
    assert pages == 3


def test_api_patient_list_query_count_is_constant(cast, api):
    client = api(cast.coordinator)
    path = reverse("api:patient-list")

    def queries() -> int:
        client.get(path)  # warm per-user caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path, {"page_size": 3}).status_code == 200
        return len(captured)

    CaseFactory(board=cast.board)
    few = queries()
    for _ in range(6):
        CaseFactory(board=cast.board)
        CaseFactory(board=cast.other_board)
        PatientFactory()
    assert queries() == few


def test_api_deep_page_costs_what_the_first_costs(cast, api):
    _cases(cast.board, 9)
    client = api(cast.coordinator)
    path = reverse("api:case-list")
    client.get(path)
    with CaptureQueriesContext(connection) as first:
        second_link = client.get(path, {"page_size": 3}).json()["next"]
    with CaptureQueriesContext(connection) as deeper:
        assert len(client.get(second_link).json()["results"]) == 3
    assert len(deeper) == len(first)
    assert all("OFFSET" not in q["sql"] and "COUNT(" not in q["sql"] for q in deeper)


# --- keyset pages: the page -----------------------------------------------------------------------


def test_case_list_page_walks_by_next_links(cast, client_for, monkeypatch):
    monkeypatch.setattr(views, "CASES_PER_PAGE", 4)
    for case in _cases(cast.board, 9):
        LesionFactory(case=case, level="T4")
    client = client_for(cast.coordinator)
    seen, query, pages = [], "", 0
    while True:
        html = client.get(reverse("case-list") + query).content.decode()
        seen.extend(re.findall(r'href="/cases/([0-9a-f-]{36})/"', html))
        pages += 1
        next_link = re.search(r'href="\?([^"]*)" rel="next"', html)
        if next_link is None or pages > 10:
            break
        query = "?" + unescape(next_link.group(1))
    assert seen == _expected_order(cast.board)
    assert pages == 3
    assert 'rel="prev"' in html


def test_case_list_page_with_a_bad_cursor_shows_the_first_page(cast, client_for):
    CaseFactory(board=cast.board, patient__family_name="Firstpage")
    response = client_for(cast.coordinator).get(reverse("case-list"), {"cursor": "forged"})
    assert response.status_code == 200
    assert "FIRSTPAGE" in response.content.decode()
    assert "That page link was not understood" in response.content.decode()
