"""/api/v1/cases/{id}/follow-ups/ and /api/v1/follow-ups/{id}/ (issue 16, outcomes)."""

from __future__ import annotations

import pytest

from recommendations.models import FollowUp
from recommendations.outcomes import services

pytestmark = pytest.mark.django_db


def _list_url(case) -> str:
    return f"/api/v1/cases/{case.uuid}/follow-ups/"


def _url(follow_up) -> str:
    return f"/api/v1/follow-ups/{follow_up.uuid}/"


def test_list_with_the_patients_answer(cast, outc, scheduled, api):
    services.patient_report_submit(
        follow_up=scheduled[0], by=cast.patient_user, pain_score=7, mobility="wheelchair"
    )
    response = api(cast.coordinator).get(_list_url(outc.case))
    assert response.status_code == 200
    rows = response.json()["follow_ups"]
    assert [r["timepoint_days"] for r in rows] == [42, 91, 182, 365]
    assert rows[0]["missing"] is True and rows[1]["missing"] is False
    assert rows[0]["patient_report"]["pain_score"] == 7
    assert rows[1]["patient_report"] is None
    assert response.json()["date_of_death"] is None


def test_list_query_count_does_not_grow(cast, outc, api, django_assert_max_num_queries):
    services.follow_ups_schedule(plan=outc.plan, treatment_date=outc.treated_on, by=cast.chair)
    # A second plan of the same case, with more follow-ups and answers.
    client = api(cast.surgeon)
    with django_assert_max_num_queries(8) as few:
        client.get(_list_url(outc.case))
    before = len(few.captured_queries)
    for follow_up in FollowUp.objects.filter(plan=outc.plan)[:1]:
        services.patient_report_submit(
            follow_up=follow_up, by=cast.patient_user, pain_score=2, mobility="bed"
        )
    from scheduling.services.board_settings import board_settings_update

    board_settings_update(
        board=cast.board, by=cast.coordinator, follow_up_days=[7, 14, 28, 42, 91, 182, 365, 730]
    )
    cast.board.refresh_from_db()
    services.follow_ups_schedule(plan=outc.plan, treatment_date=outc.treated_on, by=cast.chair)
    with django_assert_max_num_queries(before):
        response = client.get(_list_url(outc.case))
    assert len(response.json()["follow_ups"]) == 8


def test_scope_and_roles(cast, outc, scheduled, api):
    other = services.follow_ups_schedule(
        plan=outc.other_plan, treatment_date=outc.treated_on, by=cast.outsider
    )
    assert (
        api(cast.surgeon).get(_list_url(outc.other_plan.decision.agenda_item.case)).status_code
        == 404
    )
    assert api(cast.surgeon).get(_url(other[0])).status_code == 404
    assert api(cast.outsider).get(_list_url(outc.case)).status_code == 404
    assert (
        api(cast.outsider).patch(_url(scheduled[0]), {"version": 1}, format="json").status_code
        == 404
    )
    assert api(cast.patient_user).get(_list_url(outc.case)).status_code == 403
    assert api(cast.patient_user).get(_url(scheduled[0])).status_code == 403
    assert api(cast.stranger).get(_list_url(outc.case)).status_code == 403
    assert api().get(_list_url(outc.case)).status_code in (401, 403)


def test_patch_records_with_version(cast, outc, scheduled, api):
    client = api(cast.surgeon)
    body = {
        "status": "recorded",
        "recorded_on": outc.today.isoformat(),
        "pain_score": 2,
        "kps": 70,
        "ambulatory": "independent",
        "complication_neuro_worsening": False,
    }
    assert client.patch(_url(scheduled[0]), body, format="json").status_code == 428
    response = client.patch(_url(scheduled[0]), body, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.json()
    assert response["ETag"] == '"2"'
    data = response.json()
    assert (data["status"], data["pain_score"], data["kps"], data["recorded_by"]) == (
        "recorded",
        2,
        70,
        cast.surgeon.username,
    )
    stale = client.patch(_url(scheduled[0]), {"pain_score": 5, "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["pain_score"] == 2
    stale = client.patch(_url(scheduled[0]), {"pain_score": 5}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pain_score": 11}, "pain_score"),
        ({"kps": 55}, "kps"),
        ({"ecog": 7}, "ecog"),
        ({"status": "due"}, "status"),
        ({"recorded_on": "2999-01-01"}, "recorded_on"),
        ({"analgesics": "morphine"}, "analgesics"),
        ({"date_of_death": "1900-01-01"}, "date_of_death"),
    ],
)
def test_patch_bad_input_is_a_400_and_changes_nothing(cast, outc, scheduled, api, body, field):
    base = {"status": "recorded", "recorded_on": outc.today.isoformat(), "version": 1}
    response = api(cast.surgeon).patch(_url(scheduled[0]), base | body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    scheduled[0].refresh_from_db()
    assert scheduled[0].status == "due" and scheduled[0].version == 1


def test_board_follow_up_days_through_the_api(cast, api):
    url = f"/api/v1/boards/{cast.board.uuid}/"
    assert api(cast.surgeon).get(url).json()["follow_up_days"] == [42, 91, 182, 365]
    bad = api(cast.coordinator).patch(url, {"follow_up_days": [91, 42]}, format="json")
    assert bad.status_code == 400 and "follow_up_days" in bad.json()
    assert api(cast.surgeon).patch(url, {"follow_up_days": [30]}, format="json").status_code == 403
    ok = api(cast.coordinator).patch(url, {"follow_up_days": [30, 90]}, format="json")
    assert ok.status_code == 200 and ok.json()["follow_up_days"] == [30, 90]


def test_schedule_through_the_api(cast, outc, api):
    url = f"/api/v1/plans/{outc.plan.uuid}/follow-ups/"
    body = {"treatment_date": outc.treated_on.isoformat()}
    assert api(cast.outsider).post(url, body, format="json").status_code == 404
    assert api(cast.patient_user).post(url, body, format="json").status_code == 403
    bad = api(cast.surgeon).post(url, {"treatment_date": "2999-01-01"}, format="json")
    assert bad.status_code == 400 and "treatment_date" in bad.json()
    response = api(cast.surgeon).post(url, body, format="json")
    assert response.status_code == 200
    assert [r["timepoint_days"] for r in response.json()] == [42, 91, 182, 365]
    again = api(cast.chair).post(url, {"treatment_date": outc.today.isoformat()}, format="json")
    assert [r["due_on"] for r in again.json()] == [r["due_on"] for r in response.json()]
