"""Summary API: prepare, progress, retry, packet, one summary; who may do and read what."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.models import PreMeetingSummary, SummaryPreparation
from recommendations.summaries.preparation import summary_prepare
from tests.agendas import agenda, give_opinion

pytestmark = pytest.mark.django_db


def url(meeting, what, case=None) -> str:
    base = f"/api/v1/meetings/{meeting.uuid}/"
    return {
        "prepare": base + "prepare/",
        "preparation": base + "preparation/",
        "retry": base + f"preparation/{getattr(case, 'uuid', case)}/retry/",
        "packet": base + "packet/",
        "summary": base + f"summaries/{getattr(case, 'uuid', case)}/",
    }[what]


# --- prepare and progress ----------------------------------------------------------------------


def test_coordinator_prepares_a_meeting_and_follows_progress(
    cast, api, django_capture_on_commit_callbacks
):
    meeting, items = agenda(cast.board, 3)
    client = api(cast.coordinator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url(meeting, "prepare"))
    assert response.status_code == 202
    body = response.json()
    assert (body["total"], body["queued"], body["prepared"]) == (3, 3, 0)
    assert [entry["status"] for entry in body["items"]] == ["queued"] * 3
    assert len(callbacks) == 1  # one batch

    progress = client.get(url(meeting, "preparation")).json()
    assert (progress["total"], progress["prepared"], progress["complete"]) == (3, 3, True)
    assert [entry["case"] for entry in progress["items"]] == [str(i.case.uuid) for i in items]
    assert [entry["version"] for entry in progress["items"]] == [1, 1, 1]


def test_the_chair_may_prepare_too(cast, api):
    meeting, items = agenda(cast.board, 1)
    assert api(cast.chair).post(url(meeting, "prepare")).status_code == 202


@pytest.mark.parametrize("who", ["surgeon", "outsider", "patient_user", "stranger"])
def test_others_may_not_prepare(cast, api, who):
    meeting, items = agenda(cast.board, 1)
    client = api(getattr(cast, who))
    expected = 404 if who == "outsider" else 403
    assert client.post(url(meeting, "prepare")).status_code == expected
    assert client.get(url(meeting, "preparation")).status_code == expected
    assert SummaryPreparation.objects.count() == 0


def test_anonymous_is_refused(cast, api):
    meeting, items = agenda(cast.board, 1)
    assert api().get(url(meeting, "preparation")).status_code in (401, 403)


def test_preparing_a_cancelled_meeting_is_a_400(cast, api):
    meeting, items = agenda(cast.board, 1)
    meeting.status = "cancelled"
    meeting.save()
    response = api(cast.coordinator).post(url(meeting, "prepare"))
    assert response.status_code == 400
    assert "cancelled" in response.json()["detail"]


def test_an_unknown_meeting_is_a_404(cast, api):
    meeting, items = agenda(cast.board, 1)
    meeting.uuid = uuid.uuid4()  # not saved: a uuid nobody has
    assert api(cast.coordinator).get(url(meeting, "preparation")).status_code == 404


def test_progress_shows_a_failure_and_its_reason(cast, api):
    meeting, (ok, bad) = agenda(cast.board, 2)
    summary_prepare(ok.pk)
    SummaryPreparation.objects.create(
        agenda_item=bad, status="failed", error="Timed out after 60 seconds.", attempts=2
    )
    body = api(cast.coordinator).get(url(meeting, "preparation")).json()
    assert (body["prepared"], body["failed"], body["total"]) == (1, 1, 2)
    failed = body["items"][1]
    assert failed["status"] == "failed"
    assert failed["error"] == "Timed out after 60 seconds."
    assert failed["can_retry"] is True


# --- retry ---------------------------------------------------------------------------------------


def test_retry_a_failed_item(cast, api, django_capture_on_commit_callbacks):
    meeting, (item,) = agenda(cast.board, 1)
    SummaryPreparation.objects.create(agenda_item=item, status="failed", error="x")
    with django_capture_on_commit_callbacks(execute=True):
        response = api(cast.coordinator).post(url(meeting, "retry", item.case))
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert SummaryPreparation.objects.get(agenda_item=item).status == "done"
    assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 1


def test_retry_of_a_done_item_is_a_409(cast, api):
    meeting, (item,) = agenda(cast.board, 1)
    summary_prepare(item.pk)
    response = api(cast.coordinator).post(url(meeting, "retry", item.case))
    assert response.status_code == 409
    assert "only a failed preparation" in response.json()["detail"]


def test_retry_refusals(cast, api):
    meeting, (item,) = agenda(cast.board, 1)
    SummaryPreparation.objects.create(agenda_item=item, status="failed")
    assert api(cast.surgeon).post(url(meeting, "retry", item.case)).status_code == 403
    assert api(cast.outsider).post(url(meeting, "retry", item.case)).status_code == 404
    other_case = uuid.uuid4()
    assert api(cast.coordinator).post(url(meeting, "retry", other_case)).status_code == 404
    assert SummaryPreparation.objects.get(agenda_item=item).status == "failed"


# --- packet and summaries -------------------------------------------------------------------------


def test_packet_lists_every_item_in_agenda_order_with_stale_flags(open_board, api):
    cast = open_board
    meeting, (first, second, third) = agenda(cast.board, 3)
    summary_prepare(first.pk)
    summary_prepare(second.pk)
    give_opinion(second, cast.surgeon, ["no_surgery"])  # after preparing: stale

    body = api(cast.surgeon).get(url(meeting, "packet")).json()
    assert body["meeting"]["uuid"] == str(meeting.uuid)
    items = body["items"]
    assert [entry["position"] for entry in items] == [1, 2, 3]
    assert [entry["stale"] for entry in items] == [False, True, False]
    assert items[0]["summary"]["version"] == 1
    assert items[0]["summary"]["content"]["case"]["uuid"] == str(first.case.uuid)
    assert items[2]["summary"] is None


@pytest.mark.parametrize("who", ["outsider", "patient_user", "stranger"])
def test_outsiders_cannot_read_the_packet_or_a_summary(open_board, api, who):
    cast = open_board
    meeting, (item,) = agenda(cast.board, 1)
    give_opinion(item, cast.surgeon, ["separation_surgery"], rationale="Secret reasoning.")
    summary_prepare(item.pk)
    client = api(getattr(cast, who))
    expected = 404 if who == "outsider" else 403
    for response in (
        client.get(url(meeting, "packet")),
        client.get(url(meeting, "summary", item.case)),
    ):
        assert response.status_code == expected
        assert "Secret reasoning" not in response.content.decode()


def test_a_member_reads_a_summary_with_its_versions(open_board, api):
    cast = open_board
    meeting, (item,) = agenda(cast.board, 1)
    summary_prepare(item.pk)
    give_opinion(item, cast.surgeon, ["separation_surgery"], rationale="Decompress first.")
    summary_prepare(item.pk)

    client = api(cast.specialists["rehabilitation"])
    body = client.get(url(meeting, "summary", item.case)).json()
    assert body["summary"]["version"] == 2
    assert body["stale"] is False
    assert [v["version"] for v in body["versions"]] == [2, 1]
    assert body["summary"]["content"]["opinions"][0]["rationale"] == "Decompress first."

    old = client.get(url(meeting, "summary", item.case) + "?version=1").json()
    assert old["summary"]["version"] == 1
    assert old["stale"] is True
    assert client.get(url(meeting, "summary", item.case) + "?version=9").status_code == 404
    bad = client.get(url(meeting, "summary", item.case) + "?version=abc")
    assert bad.status_code == 400
    assert "version" in bad.json()


def test_a_summary_not_prepared_yet_has_no_content(open_board, api):
    cast = open_board
    meeting, (item,) = agenda(cast.board, 1)
    body = api(cast.surgeon).get(url(meeting, "summary", item.case)).json()
    assert (body["summary"], body["versions"], body["stale"]) == (None, [], False)


def test_blind_opinions_withhold_summaries_until_the_specialist_gives_theirs(cast, api):
    assert cast.board.opinions_blind is True
    meeting, (item,) = agenda(cast.board, 1)
    give_opinion(item, cast.surgeon, ["separation_surgery"], rationale="Decompress first.")
    summary_prepare(item.pk)
    radonc = cast.specialists["radiation_oncology"]

    refused = api(radonc).get(url(meeting, "summary", item.case))
    assert refused.status_code == 403
    packet = api(radonc).get(url(meeting, "packet")).json()
    assert packet["items"][0]["withheld"] is True
    assert packet["items"][0]["summary"] is None
    assert "Decompress first" not in str(packet)

    # The coordinator reads it; the specialist reads it once their own opinion is given.
    assert api(cast.coordinator).get(url(meeting, "summary", item.case)).status_code == 200
    give_opinion(item, radonc, ["sbrt"], regimen="24 Gy/2")
    assert api(radonc).get(url(meeting, "summary", item.case)).status_code == 200


def test_packet_queries_do_not_grow_with_the_agenda(open_board, api):
    cast = open_board
    small, small_items = agenda(cast.board, 2)
    large, large_items = agenda(cast.board, 8)
    for item in [*small_items, *large_items]:
        give_opinion(item, cast.surgeon, ["separation_surgery"])
        summary_prepare(item.pk)
    client = api(cast.coordinator)

    def count(meeting):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(meeting, "packet")).status_code == 200
            assert client.get(url(meeting, "preparation")).status_code == 200
        return len(queries)

    count(small)  # warm the per-user caches (roles)
    assert count(small) == count(large)
