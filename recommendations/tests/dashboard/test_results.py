"""The results page, its CSV and its API on a dataset with known answers (conftest.py).

Worked out by hand (board targets: 14 days, 48 h, 2 days, 14 days; opinions due 24 h before):
  referral -> meeting, routine/urgent first discussions: c1 10, c2 20, c6 7, c7 4 days
    (c5 was first discussed before the period) -> median (7 + 10) / 2 = 8.5; within 14: 3/4
  emergency: c3 24 h, c4 72 h -> median 48 h; within 48 h: 1/2
  meeting -> signed plan: c1 1, c2 3, c3 0.5, c4 2/24, c6 1, c7 4/24 days
    -> sorted 0.083, 0.167, 0.5, 1, 1, 3: median 0.75; within 2 days: 5/6
  signed plan -> first treatment: c1 10, c2 4, c3 2, c6 4, c7 1 -> median 4; within 14: 5/5
  meetings: 2 (the cancelled one does not count); quorum (spine, radiation, medical oncology):
    meeting 1 yes, meeting 2 no (the surgeon absent) -> 1/2
  opinions by the deadline: 3 of 5 (radiation's on c1 and medical oncology's on c4 late)
  agreement: surgeon on c1 says SBRT, the plan 30 Gy/10 (cEBRT): no; surgeon on c2: yes;
    radiation oncology on c1 and c3: yes -> 3/4; NOMS: c1 SBRT vs cEBRT no, c3 yes -> 1/2
  cases on the agendas: 2 + 5 = 7; per meeting median 3.5; signed 6; deferred 1
  activities (9): done 6, deviated 1, cancelled 1, overdue 1 (c2's pain plan, due 20 Mar)
  walking kept at 3 months: c2 yes (SBRT), c6 no (cEBRT) -> 1/2;
  pain response at 3 months: c2 6 -> 2 partial, c6 6 -> 5 indeterminate -> 1/2
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from clinical.outcomes import kaplan_meier
from recommendations.dashboard.selectors import Period, board_results

pytestmark = pytest.mark.django_db
PERIOD = {"start": "2026-01-01", "end": "2026-06-30"}

EXPECTED = {
    "referral_to_meeting_median": 8.5,
    "referral_to_meeting_within_target": 0.75,
    "emergency_referral_to_meeting_median": 48.0,
    "emergency_referral_to_meeting_within_target": 0.5,
    "meeting_to_signed_plan_median": 0.75,
    "meeting_to_signed_plan_within_target": round(5 / 6, 4),
    "signed_plan_to_treatment_median": 4.0,
    "signed_plan_to_treatment_within_target": 1.0,
    "meetings": 2.0,
    "quorum_met": 0.5,
    "opinions_before_deadline": 0.6,
    "cases_discussed": 7.0,
    "cases_per_meeting_median": 3.5,
    "plans_signed": 6.0,
    "deferred": 1.0,
    "rediscuss": 0.0,
    "opinion_agreement": 0.75,
    "decision_support_agreement": 0.5,
    "activities_done": 6.0,
    "activities_deviated": 1.0,
    "activities_cancelled": 1.0,
    "activities_overdue": 1.0,
    "ambulation_kept_3m": 0.5,
    "pain_response_3m": 0.5,
}


def _results(world):
    return board_results(world.board, Period.checked(dt.date(2026, 1, 1), dt.date(2026, 6, 30)))


def test_figures_are_the_hand_computed_ones(results_world):
    results = _results(results_world)
    figures = {f.key: f.value for f in results.figures}
    assert {key: figures[key] for key in EXPECTED} == EXPECTED
    tables = results.tables
    assert [
        (r["discipline"], r["meetings_present"]) for r in tables["attendance_by_discipline"]
    ] == [
        ("spine_surgery", 1),
        ("radiation_oncology", 2),
        ("medical_oncology", 2),
    ]
    assert [
        (r["discipline"], r["agreeing"], r["compared"]) for r in tables["agreement_by_discipline"]
    ] == [
        ("spine_surgery", 1, 2),
        ("radiation_oncology", 2, 2),
    ]
    assert tables["deferral_reasons"] == [{"reason": "Needs an MRI", "count": 1}]
    assert [(r["month"], r["median_days"]) for r in tables["timeliness_by_month"]] == [
        ("2026-02", 10.0),
        ("2026-03", 7.0),
    ]


def test_survival_curve_matches_the_hand_computed_kaplan_meier(results_world):
    # cEBRT patients, days from the signed plan: c3 signed 5 Feb, died 7 Mar (30, death);
    # c6 signed 6 Mar, last seen 5 May (60, censored); c7 signed 5 Mar, died 3 Jun (90, death).
    #   t=30: 3 at risk, 1 death -> S = 2/3;  t=60: censored;  t=90: 1 at risk, 1 death -> S = 0
    results = _results(results_world)
    steps = results.survival["cebrt"]
    assert [(s.time, s.at_risk, s.deaths, s.censored) for s in steps] == [
        (30, 3, 1, 0),
        (60, 2, 0, 1),
        (90, 1, 1, 0),
    ]
    assert [s.survival for s in steps] == pytest.approx([2 / 3, 2 / 3, 0])
    assert steps == kaplan_meier([(30, True), (60, False), (90, True)])
    rows = {r["category"]: r for r in results.tables["outcomes_by_treatment"]}
    assert (rows["cebrt"]["patients"], rows["cebrt"]["deaths"]) == (3, 2)
    assert rows["cebrt"]["median_survival_days"] == 90
    assert (rows["surgery_rt"]["patients"], rows["surgery_rt"]["deaths"]) == (1, 1)  # c1: 90 d
    assert rows["sbrt"]["ambulation_kept"] == 1.0 and rows["cebrt"]["ambulation_kept"] == 0.0


def test_page_json_and_csv_give_the_same_figures(results_world, cast, client_for, api):
    page = client_for(cast.coordinator).get(reverse("results"), PERIOD)
    assert page.status_code == 200
    shown = {f.key: f.value for f in page.context["results"].figures}
    assert {key: shown[key] for key in EXPECTED} == EXPECTED
    html = page.content.decode()
    assert "<svg" in html and "Kaplan" in html and "<script" not in html.split("<main")[-1]

    body = api(cast.chair).get("/api/v1/results/", PERIOD).json()
    from_api = {f["key"]: f["value"] for f in body["figures"]}
    assert {key: from_api[key] for key in EXPECTED} == EXPECTED
    assert [s["survival"] for s in body["survival"]["cebrt"]] == pytest.approx([2 / 3, 2 / 3, 0])

    response = client_for(cast.coordinator).get(reverse("results-csv"), PERIOD)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    from_csv = {r["metric"]: float(r["value"]) for r in rows if r["value"]}
    assert {key: from_csv[key] for key in EXPECTED} == EXPECTED


def test_access(results_world, cast, client_for, api):
    url = reverse("results")
    for user in (cast.surgeon, cast.patient_user, cast.outsider, cast.stranger):
        assert client_for(user).get(url, PERIOD).status_code == 403
        assert api(user).get("/api/v1/results/", PERIOD).status_code == 403
    other = {**PERIOD, "board": str(cast.other_board.uuid)}
    assert client_for(cast.coordinator).get(url, other).status_code == 404
    assert api(cast.coordinator).get("/api/v1/results/", other).status_code == 404
    assert client_for(None).get(url).status_code == 302


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-03-01", "end": "2026-01-01"}, "end"),
        ({"start": "2023-01-01", "end": "2026-01-01"}, "end"),
        ({"start": "1999-12-31", "end": "2000-06-01"}, "start"),
        ({"start": "not a date"}, "start"),
    ],
)
def test_bad_periods_are_refused(results_world, cast, client_for, api, params, field):
    assert client_for(cast.coordinator).get(reverse("results"), params).status_code == 400
    response = api(cast.coordinator).get("/api/v1/results/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_query_count_stays_constant_as_rows_grow(
    results_world, cast, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cast.coordinator)
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("results"), PERIOD)
    # More cases on the same meetings, and unrelated rows on another board.
    from tests.factories import AgendaItemFactory, CaseFactory, MeetingFactory

    for n in range(5):
        AgendaItemFactory(
            case=CaseFactory(board=cast.board), meeting=results_world.m2, position=10 + n
        )
        AgendaItemFactory(
            case=CaseFactory(board=cast.other_board),
            meeting=MeetingFactory(
                board=cast.other_board, starts_at=dt.datetime(2026, 2, 1 + n, 8, tzinfo=dt.UTC)
            ),
            position=1,
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(reverse("results"), PERIOD)
