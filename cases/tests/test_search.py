"""Search by MRN (exact, any letter case) and by name prefix: selectors, API and page.

The terms travel in POST bodies only; the results stay within the user's boards and are bounded.
"""

import logging
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import selectors
from cases.models import Patient
from tests.factories import CaseFactory, LesionFactory, PatientFactory
from tumorboard.errors import ApplicationError

pytestmark = pytest.mark.django_db

MRN = "ZQ-0042"


@pytest.fixture
def vexbridge(cast):
    """A case of Quillon Vexbridge (MRN ZQ-0042) on our board."""
    patient = PatientFactory(mrn=MRN, given_name="Quillon", family_name="Vexbridge")
    case = CaseFactory(board=cast.board, patient=patient)
    LesionFactory(case=case, level="T7")
    return case


def _names(result) -> list[str]:
    return [getattr(row, "patient", row).family_name for row in result.rows]


# --- the selectors --------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", [MRN, "zq-0042", "Zq-0042"])
def test_mrn_matches_exactly_in_any_letter_case(cast, vexbridge, typed):
    found = selectors.patient_search(user=cast.coordinator, mrn=typed)
    assert [p.pk for p in found.rows] == [vexbridge.patient_id]
    cases = selectors.case_search(user=cast.coordinator, mrn=typed)
    assert [c.pk for c in cases.rows] == [vexbridge.pk]
    assert not found.more


@pytest.mark.parametrize("typed", ["ZQ-004", "ZQ-00421", "Q-0042", "ZQ-004_", "ZQ%"])
def test_mrn_is_not_a_prefix_or_pattern_search(cast, vexbridge, typed):
    assert selectors.patient_search(user=cast.coordinator, mrn=typed).rows == []
    assert selectors.case_search(user=cast.coordinator, mrn=typed).rows == []


def test_name_prefix_of_family_and_given_name(cast, vexbridge):
    CaseFactory(board=cast.board, patient__family_name="Vexford", patient__given_name="Ada")
    CaseFactory(board=cast.board, patient__family_name="Avexbridge", patient__given_name="Q")
    search = selectors.patient_search
    assert _names(search(user=cast.coordinator, family_name="vex")) == ["Vexbridge", "Vexford"]
    assert _names(search(user=cast.coordinator, family_name="VEXB")) == ["Vexbridge"]
    assert _names(search(user=cast.coordinator, family_name="vex", given_name="qu")) == [
        "Vexbridge"
    ]
    assert _names(search(user=cast.coordinator, family_name="vex", given_name="x")) == []
    assert _names(search(user=cast.coordinator, family_name="exbridge")) == []  # a prefix only
    assert _names(search(user=cast.coordinator, family_name="v%")) == []  # no wildcards
    cases = selectors.case_search(user=cast.coordinator, family_name="Vexb", given_name="Q")
    assert [c.pk for c in cases.rows] == [vexbridge.pk]


def test_search_stays_within_the_users_boards(cast, vexbridge):
    for user in (cast.outsider, cast.patient_user, cast.stranger):
        assert selectors.patient_search(user=user, mrn=MRN).rows == []
        assert selectors.case_search(user=user, family_name="Vexbridge").rows == []
    theirs = CaseFactory(board=cast.other_board, patient__family_name="Vexother")
    assert _names(selectors.patient_search(user=cast.coordinator, family_name="vex")) == [
        "Vexbridge"
    ]
    assert [c.pk for c in selectors.case_search(user=cast.outsider, family_name="vex").rows] == [
        theirs.pk
    ]


def test_a_patient_registered_without_a_case_is_found_by_who_registered_it(cast):
    PatientFactory(mrn="NEW-1", family_name="Newcomer", created_by=cast.coordinator)
    assert _names(selectors.patient_search(user=cast.coordinator, mrn="new-1")) == ["Newcomer"]
    assert selectors.patient_search(user=cast.chair, mrn="new-1").rows == []


def test_results_are_bounded_and_say_there_were_more(cast, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_LIMIT", 2)
    for given in "ABC":
        CaseFactory(board=cast.board, patient__family_name="Many", patient__given_name=given)
    found = selectors.patient_search(user=cast.coordinator, family_name="many")
    assert ([p.given_name for p in found.rows], found.more) == (["A", "B"], True)
    assert selectors.case_search(user=cast.coordinator, family_name="many").more
    found = selectors.patient_search(user=cast.coordinator, family_name="many", given_name="c")
    assert ([p.given_name for p in found.rows], found.more) == (["C"], False)


def test_name_search_is_in_upper_case_order(cast, vexbridge):
    """Upper-cased names in "C" order (the search index's order), not the list's: a family name
    typed in lower case sorts among the others, not after every capitalised one."""
    CaseFactory(board=cast.board, patient__family_name="vexall")
    CaseFactory(board=cast.board, patient__family_name="VEXC")
    found = selectors.patient_search(user=cast.coordinator, family_name="vex")
    assert _names(found) == ["vexall", "Vexbridge", "VEXC"]
    listed = selectors.patient_list(user=cast.coordinator).filter(family_name__istartswith="vex")
    assert [p.family_name for p in listed] == ["VEXC", "Vexbridge", "vexall"]  # the list's order


def test_name_search_order_and_prefix_are_served_by_the_search_index(cast, vexbridge):
    """Issue 12: the ORDER BY is the index's expressions, so PostgreSQL reads the prefix's range
    of patient_name_search_idx in order and stops at SEARCH_LIMIT + 1, wherever the prefix
    falls. With sorting priced out, the plan is that index, the prefix as its Index Cond."""
    queryset = (
        selectors.patients_visible_to(cast.coordinator)
        .filter(family_name__istartswith="vex")
        .order_by(*selectors.PATIENT_SEARCH_ORDER)[: selectors.SEARCH_LIMIT + 1]
    )
    sql, params = queryset.query.sql_with_params()
    assert sql.endswith(
        'ORDER BY UPPER("cases_patient"."family_name") COLLATE "C" ASC, '
        'UPPER("cases_patient"."given_name") COLLATE "C" ASC, "cases_patient"."id" ASC LIMIT 51'
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using patient_name_search_idx" in plan, plan
    assert "Index Cond: ((upper((family_name)::text) >= 'VEX'::text)" in plan, plan
    assert "Sort" not in plan, plan


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({}, "family_name"),
        ({"given_name": "Quillon"}, "family_name"),
        ({"family_name": "V"}, "family_name"),
        ({"mrn": MRN, "family_name": "Vex"}, "mrn"),
    ],
)
def test_terms_that_make_no_search_are_refused_by_field(cast, terms, field):
    with pytest.raises(ApplicationError) as refused:
        selectors.case_search(user=cast.coordinator, **terms)
    assert list(refused.value.fields) == [field]


# --- the API --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"), [("api:case-search", "uuid"), ("api:patient-search", "mrn")]
)
def test_api_search_by_mrn_and_by_name(cast, api, vexbridge, name, key):
    client = api(cast.coordinator)
    expected = str(vexbridge.uuid) if key == "uuid" else MRN
    for terms in ({"mrn": "zq-0042"}, {"family_name": "vexb", "given_name": "quil"}):
        response = client.post(reverse(name), terms, format="json")
        assert response.status_code == 200, response.json()
        assert [row[key] for row in response.json()["results"]] == [expected]
        assert response.json()["more"] is False


@pytest.mark.parametrize("name", ["api:case-search", "api:patient-search"])
def test_api_search_outsider_finds_nothing_and_others_are_refused(cast, api, vexbridge, name):
    response = api(cast.outsider).post(reverse(name), {"mrn": MRN}, format="json")
    assert (response.status_code, response.json()["results"]) == (200, [])
    for user in (cast.patient_user, cast.stranger):
        assert api(user).post(reverse(name), {"mrn": MRN}, format="json").status_code == 403
    assert api().post(reverse(name), {"mrn": MRN}, format="json").status_code in {401, 403}


@pytest.mark.parametrize("name", ["api:case-search", "api:patient-search"])
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "family_name"),
        ({"family_name": "V"}, "family_name"),
        ({"given_name": "Quillon"}, "family_name"),
        ({"mrn": MRN, "family_name": "Vex"}, "mrn"),
        ({"mrn": "X" * 33}, "mrn"),
        ({"mrn": ""}, "mrn"),
        ({"name": "Vexbridge"}, "name"),
    ],
)
def test_api_search_bad_terms_are_400_with_field_errors(cast, api, name, body, field):
    response = api(cast.coordinator).post(reverse(name), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["detail", field]


@pytest.mark.parametrize("name", ["api:case-search", "api:patient-search"])
def test_api_search_is_post_only(cast, api, name):
    assert api(cast.coordinator).get(reverse(name), {"mrn": MRN}).status_code == 405


@pytest.mark.parametrize("name", ["api:case-search", "api:patient-search"])
def test_api_search_query_count_is_constant(cast, api, name):
    client = api(cast.coordinator)

    def queries() -> int:
        client.post(reverse(name), {"family_name": "Same"}, format="json")  # warm caches
        with CaptureQueriesContext(connection) as captured:
            response = client.post(reverse(name), {"family_name": "Same"}, format="json")
        assert response.status_code == 200
        return len(captured), len(response.json()["results"])

    case = CaseFactory(board=cast.board, patient__family_name="Same")
    LesionFactory(case=case, level="T4")
    few, rows = queries()
    assert rows == 1
    for _ in range(4):
        case = CaseFactory(board=cast.board, patient__family_name="Sameton")
        LesionFactory(case=case, level="L1")
        CaseFactory(board=cast.board)
        CaseFactory(board=cast.other_board, patient__family_name="Same")
    many, rows = queries()
    assert (many, rows) == (few, 5)


def test_api_search_terms_reach_no_log(cast, api, vexbridge, caplog):
    client = api(cast.coordinator)
    with caplog.at_level(logging.DEBUG):
        client.post(reverse("api:case-search"), {"mrn": MRN}, format="json")
        client.post(reverse("api:patient-search"), {"family_name": "Vexbridge"}, format="json")
        client.post(reverse("api:case-search"), {"mrn": MRN, "family_name": "V"}, format="json")
    logged = " ".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert MRN not in logged and "Vexbridge" not in logged


# --- the page -------------------------------------------------------------------------------------


def test_page_search_by_mrn_shows_the_case_and_no_term_in_a_link(cast, client_for, vexbridge):
    CaseFactory(board=cast.board, patient__family_name="Otherone")
    response = client_for(cast.coordinator).post(reverse("case-search"), {"mrn": "zq-0042"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "VEXBRIDGE" in html and "OTHERONE" not in html
    assert f'href="/cases/{vexbridge.uuid}/"' in html
    hrefs = re.findall(r'(?:href|action)="([^"]*)"', html)
    assert not [href for href in hrefs if "0042" in href or "Vex" in href]
    assert 'method="post" action="/cases/search/"' in html


def test_page_search_by_name_for_an_outsider_finds_nothing(cast, client_for, vexbridge):
    response = client_for(cast.outsider).post(reverse("case-search"), {"family_name": "Vex"})
    assert response.status_code == 200
    assert "No case of your boards matches this search." in response.content.decode()


def test_page_search_bad_terms_are_shown_on_the_form(cast, client_for, vexbridge):
    response = client_for(cast.coordinator).post(reverse("case-search"), {"family_name": "V"})
    assert response.status_code == 200
    assert "Give at least 2 letters of the family name." in response.content.decode()
    assert "VEXBRIDGE" not in response.content.decode()


def test_page_search_is_post_only_and_for_staff(cast, client_for):
    assert client_for(cast.coordinator).get(reverse("case-search")).status_code == 405
    refused = client_for(cast.patient_user).post(reverse("case-search"), {"mrn": MRN})
    assert refused.status_code == 403


def test_page_search_query_count_is_constant(cast, client_for):
    client = client_for(cast.coordinator)
    client.post(reverse("case-search"), {"family_name": "Same"})  # warm the session

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.post(reverse("case-search"), {"family_name": "Same"}).status_code == 200
        return len(captured)

    CaseFactory(board=cast.board, patient__family_name="Same")
    few = queries()
    for _ in range(4):
        LesionFactory(case=CaseFactory(board=cast.board, patient__family_name="Same"), level="T2")
        CaseFactory(board=cast.board)
    assert queries() == few
    assert Patient.objects.filter(family_name="Same").count() == 5
