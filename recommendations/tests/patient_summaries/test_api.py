"""The REST API of the patient summary: a patient reads their own released summaries; the staff
of the board draft, edit, release and link. Each permission is an allowed/refused pair."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.models import PatientAccessLink, PatientSummary
from recommendations.patient_summaries import services
from tests.factories import CALL

pytestmark = pytest.mark.django_db


# --- the patient's API ---------------------------------------------------------------------------


def test_api_a_patient_lists_only_their_own_released_summaries(api, cast, summaries):
    released, draft, other = summaries
    response = api(cast.patient_user).get("/api/v1/my/summaries/")
    assert response.status_code == 200
    assert [row["uuid"] for row in response.data["results"]] == [str(released.uuid)]
    row = response.data["results"][0]
    assert row["summary_language"] == "en"
    assert row["released_by"] == cast.chair.get_full_name()
    assert "!! Warning signs: get help now" in row["body"]
    assert {"key", "term", "definition"} <= set(row["glossary"][0])


def test_api_a_patient_reads_their_released_summary(api, cast, summaries):
    released, _draft, _other = summaries
    response = api(cast.patient_user).get(f"/api/v1/my/summaries/{released.uuid}/")
    assert response.status_code == 200
    assert response.data["title"] == released.title


def test_api_a_patient_cannot_read_another_patients_summary(api, cast, summaries):
    _released, _draft, other = summaries
    assert api(cast.patient_user).get(f"/api/v1/my/summaries/{other.uuid}/").status_code == 404


def test_api_a_patient_cannot_read_an_unreleased_draft(api, cast, summaries):
    _released, draft, _other = summaries
    assert api(cast.patient_user).get(f"/api/v1/my/summaries/{draft.uuid}/").status_code == 404
    # ... nor reach the staff endpoints.
    assert api(cast.patient_user).get(f"/api/v1/patient-summaries/{draft.uuid}/").status_code == 403


@pytest.mark.parametrize("who", ["chair", "coordinator", "stranger"])
def test_api_my_summaries_is_for_patients_only(api, cast, summaries, who):
    assert api(getattr(cast, who)).get("/api/v1/my/summaries/").status_code == 403
    assert api().get("/api/v1/my/summaries/").status_code in (401, 403)


def test_api_my_summaries_costs_the_same_queries_for_one_or_many(api, cast, summaries, release):
    client = api(cast.patient_user)
    client.get("/api/v1/my/summaries/")  # the user's roles are read once, then cached
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/my/summaries/").data["results"]) == 1
    plan = PatientSummary.objects.filter(status="released").first().plan
    for _ in range(3):
        release(services.patient_summary_draft(plan=plan, by=cast.chair))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/my/summaries/").data["results"]) == 4
    assert len(many.captured_queries) == len(one.captured_queries)


# --- the staff API -------------------------------------------------------------------------------


def test_api_staff_draft_edit_release_and_link(api, cast, make_plan):
    plan = make_plan()
    chair = api(cast.chair)
    created = chair.post(f"/api/v1/plans/{plan.uuid}/patient-summaries/", {}, format="json")
    assert created.status_code == 201, created.data
    uuid = created.data["uuid"]
    assert created.data["summary_status"] == "draft"
    assert created.data["readability"]["reading_level"] == "target"
    assert created.data["readability"]["target_grade"] == 6
    assert created.data["readability"]["warn_above_grade"] == 8

    edited = chair.patch(
        f"/api/v1/patient-summaries/{uuid}/",
        {"body": f"## Next\nYou will rest.\n{CALL}"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert edited.status_code == 200
    assert edited.data["summary_status"] == "edited"
    assert edited.data["body"] == f"## Next\nYou will rest.\n{CALL}\n"
    history = chair.get(f"/api/v1/patient-summaries/{uuid}/history/")
    assert [row["summary_status"] for row in history.data] == ["edited", "draft"]

    # A coordinator may not release; the chair may.
    refused = api(cast.coordinator).post(f"/api/v1/patient-summaries/{uuid}/release/")
    assert refused.status_code == 403
    released = chair.post(f"/api/v1/patient-summaries/{uuid}/release/")
    assert released.status_code == 200 and released.data["summary_status"] == "released"
    again = chair.patch(f"/api/v1/patient-summaries/{uuid}/", {"title": "X"}, format="json")
    assert again.status_code == 409

    link = chair.post(f"/api/v1/patient-summaries/{uuid}/links/", {"valid_hours": 2})
    assert link.status_code == 201
    assert re.match(r"^http://testserver/s/[\w-]{40,}/$", link.data["url"])
    assert link["Cache-Control"] == "no-store"
    token = link.data["url"].rstrip("/").rsplit("/", 1)[1]
    assert PatientAccessLink.objects.get().token_hash == services.token_hash(token)


def test_api_drafting_from_an_unsigned_plan_is_a_400(api, cast, make_plan):
    plan = make_plan()
    type(plan).objects.filter(pk=plan.pk).update(status="draft", signed_by=None, signed_at=None)
    response = api(cast.chair).post(f"/api/v1/plans/{plan.uuid}/patient-summaries/")
    assert response.status_code == 400
    assert "plan" in response.data


def test_api_bad_input_is_a_400_with_field_errors(api, cast, summaries):
    released, draft, _other = summaries
    chair = api(cast.chair)
    bad_language = chair.post(
        f"/api/v1/plans/{draft.plan.uuid}/patient-summaries/", {"summary_language": "fr"}
    )
    assert bad_language.status_code == 400 and "summary_language" in bad_language.data
    empty = chair.patch(f"/api/v1/patient-summaries/{draft.uuid}/", {"body": " "}, format="json")
    assert empty.status_code == 400 and "body" in empty.data
    too_long = chair.post(f"/api/v1/patient-summaries/{released.uuid}/links/", {"valid_hours": 999})
    assert too_long.status_code == 400 and "valid_hours" in too_long.data
    not_released = chair.post(f"/api/v1/patient-summaries/{draft.uuid}/links/", {})
    assert not_released.status_code == 400


def test_api_staff_of_another_board_see_nothing(api, cast, summaries):
    released, draft, _other = summaries
    outsider = api(cast.outsider)
    assert outsider.get(f"/api/v1/patient-summaries/{draft.uuid}/").status_code == 404
    assert outsider.post(f"/api/v1/patient-summaries/{draft.uuid}/release/").status_code == 404
    plan_url = f"/api/v1/plans/{draft.plan.uuid}/patient-summaries/"
    assert outsider.post(plan_url).status_code == 404
    # The board's own staff see every version.
    listed = api(cast.coordinator).get(plan_url)
    assert listed.status_code == 200
    assert {row["uuid"] for row in listed.data["results"]} == {
        str(released.uuid),
        str(draft.uuid),
    }


def test_api_draft_and_link_refuse_unknown_fields(api, cast, summaries):
    released, draft, _other = summaries
    chair = api(cast.chair)
    drafted = chair.post(
        f"/api/v1/plans/{draft.plan.uuid}/patient-summaries/",
        {"summary_language": "en", "status": "released"},
        format="json",
    )
    assert drafted.status_code == 400
    assert drafted.data["status"] == ["This field cannot be set here."]
    link = chair.post(
        f"/api/v1/patient-summaries/{released.uuid}/links/",
        {"valid_hours": 2, "uses": 99},
        format="json",
    )
    assert link.status_code == 400
    assert link.data["uses"] == ["This field cannot be set here."]
    assert not PatientAccessLink.objects.exists()


def test_api_edit_refuses_unknown_fields_and_changes_nothing(api, cast, summaries):
    _released, draft, _other = summaries
    detail = f"/api/v1/patient-summaries/{draft.uuid}/"
    chair = api(cast.chair)
    refused = chair.patch(
        detail,
        {"title": "Mine", "version": 1, "status": "released", "released_at": "2026-01-01"},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.data["status"] == ["This field cannot be set here."]
    assert refused.data["released_at"] == ["This field cannot be set here."]
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("draft", 1) and draft.title != "Mine"
    saved = chair.patch(detail, {"title": "Mine", "version": 1}, format="json")
    assert (saved.status_code, saved.data["title"]) == (200, "Mine")


def test_api_the_second_of_two_summary_editors_is_refused(api, cast, summaries):
    _released, draft, _other = summaries
    detail = f"/api/v1/patient-summaries/{draft.uuid}/"
    first, second = api(cast.chair), api(cast.coordinator)
    read = second.get(detail)
    assert read["ETag"] == '"1"' and read.data["version"] == 1
    saved = first.patch(detail, {"title": "Theirs"}, format="json", HTTP_IF_MATCH='"1"')
    assert saved.status_code == 200 and saved["ETag"] == '"2"'
    stale = second.patch(detail, {"title": "Mine"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert "Someone else saved this patient summary" in stale.data["detail"]
    assert stale.data["current"]["title"] == "Theirs" and stale["ETag"] == '"2"'
    in_body = second.patch(detail, {"title": "Mine", "version": 1}, format="json")
    assert in_body.status_code == 409
    assert second.patch(detail, {"title": "Mine"}, format="json").status_code == 428
    draft.refresh_from_db()
    assert (draft.title, draft.version, draft.updated_by) == ("Theirs", 2, cast.chair)
