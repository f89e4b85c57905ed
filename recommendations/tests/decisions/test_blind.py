"""The decision record and its plan carry what the opinions said, so on a board that keeps opinions
blind they are hidden, before the meeting starts, from a specialist who has not given their own
opinion on the case: on every path that reads them (issue 15, item 1). Each path is an
allowed/refused pair: the surgeon gave an opinion, radiation oncology has not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from recommendations.decisions import selectors, services
from recommendations.models import DecisionRecord, PlanActivity
from scheduling.models import Meeting
from tests.factories import MeetingFactory
from tests.meeting_mode import give_opinion, ready_to_sign, started_agenda
from tumorboard.errors import ApplicationError

pytestmark = pytest.mark.django_db

PLAN_SUMMARY = "Separation surgery at T10, then SBRT."


@pytest.fixture
def before(cast):
    """A meeting in two days on the blind board; the surgeon gave an opinion, the coordinator
    opened the record and drafted the plan. Returns (item, record, plan)."""
    assert cast.board.opinions_blind
    starts = timezone.now() + dt.timedelta(days=2)
    meeting = MeetingFactory(
        board=cast.board, starts_at=starts, ends_at=starts + dt.timedelta(hours=1)
    )
    _meeting, (item,) = started_agenda(cast.board, meeting=meeting)
    give_opinion(item, cast.surgeon, ["separation_surgery"])
    record, plan = ready_to_sign(cast, item)
    return item, record, plan


@pytest.fixture
def rad(cast):
    return cast.specialists["radiation_oncology"]


def start(item) -> None:
    Meeting.objects.filter(pk=item.meeting_id).update(status=Meeting.Status.IN_PROGRESS)


# --- the API --------------------------------------------------------------------------------


def test_opening_the_record_is_refused_to_the_blind(cast, api, rad, before):
    item, record, _plan = before
    url = f"/api/v1/meetings/{item.meeting.uuid}/items/{item.case.uuid}/decision/"
    refused = api(rad).post(url)
    assert refused.status_code == 400
    assert "record" in refused.json()
    assert api(cast.surgeon).post(url).json()["uuid"] == str(record.uuid)


def test_the_record_by_uuid(cast, api, rad, before):
    _item, record, _plan = before
    url = f"/api/v1/decisions/{record.uuid}/"
    assert api(rad).get(url).status_code == 404
    assert api(cast.surgeon).get(url).status_code == 200
    assert api(rad).patch(url, {"uncertainties": "x"}, format="json").status_code == 404


def test_the_meeting_screen(cast, api, rad, before):
    item, record, plan = before
    url = f"/api/v1/meetings/{item.meeting.uuid}/board/"
    (hidden,) = api(rad).get(url).json()["items"]
    assert (hidden["decision"], hidden["plan"], hidden["opinions_hidden"]) == (None, None, True)
    (shown,) = api(cast.surgeon).get(url).json()["items"]
    assert (shown["decision"]["uuid"], shown["plan"]["uuid"]) == (str(record.uuid), str(plan.uuid))


@pytest.mark.parametrize("suffix", ["", "history/"])
def test_the_plan_and_its_history(cast, api, rad, before, suffix):
    _item, _record, plan = before
    url = f"/api/v1/plans/{plan.uuid}/{suffix}"
    assert api(rad).get(url).status_code == 404
    assert api(cast.surgeon).get(url).status_code == 200
    assert api(cast.coordinator).get(url).status_code == 200


def test_writes_to_the_plan_and_its_activities(cast, api, rad, before):
    _item, _record, plan = before
    activity = plan.activities.order_by("pk").first()
    client = api(rad)
    assert (
        client.patch(f"/api/v1/plans/{plan.uuid}/", {"summary": "x"}, format="json").status_code
        == 404
    )
    assert (
        client.post(f"/api/v1/plans/{plan.uuid}/activities/", {}, format="json").status_code == 404
    )
    assert client.post(f"/api/v1/plans/{plan.uuid}/dissents/", {}, format="json").status_code == 404
    assert client.delete(f"/api/v1/activities/{activity.uuid}/").status_code == 404
    assert PlanActivity.objects.filter(pk=activity.pk).exists()
    with pytest.raises(PlanActivity.DoesNotExist):
        selectors.activity_detail(user=rad, uuid=activity.uuid)
    assert selectors.activity_detail(user=cast.surgeon, uuid=activity.uuid) == activity


# --- the services themselves (a backstop for any caller that skips the selectors) -------------


def _refused_as_blind(write) -> None:
    with pytest.raises(ApplicationError) as excinfo:
        write()
    assert excinfo.value.fields == {"record": [services.BLIND_MESSAGE]}


def test_the_record_update_refuses_the_blind(cast, rad, before):
    _item, record, _plan = before
    record.refresh_from_db()
    _refused_as_blind(
        lambda: services.decision_record_update(
            record=record, expected_version=record.version, by=rad, uncertainties="Leaked?"
        )
    )
    record.refresh_from_db()
    assert record.uncertainties != "Leaked?"
    # The surgeon gave an opinion: the same write is theirs to make.
    saved = services.decision_record_update(
        record=record, expected_version=record.version, by=cast.surgeon, uncertainties="Fine."
    )
    assert saved.uncertainties == "Fine."


def test_the_plan_writes_refuse_the_blind(cast, rad, before):
    _item, _record, plan = before
    plan.refresh_from_db()
    activity = plan.activities.order_by("pk").first()
    _refused_as_blind(
        lambda: services.plan_save(
            plan=plan, expected_version=plan.version, by=rad, fields={"summary": "Leaked?"}
        )
    )
    _refused_as_blind(
        lambda: services.plan_update(
            plan=plan, expected_version=plan.version, by=rad, summary="Leaked?"
        )
    )
    _refused_as_blind(
        lambda: services.activity_remove(activity=activity, expected_version=plan.version, by=rad)
    )
    _refused_as_blind(
        lambda: services.dissent_add(plan=plan, member=rad, view="I was not asked.", by=rad)
    )
    plan.refresh_from_db()
    assert (plan.summary, plan.dissents.count()) == (PLAN_SUMMARY, 0)
    assert PlanActivity.objects.filter(pk=activity.pk).exists()
    saved = services.plan_save(
        plan=plan, expected_version=plan.version, by=cast.surgeon, fields={"summary": "Fine."}
    )
    assert saved.summary == "Fine."


def test_once_the_meeting_has_started_the_services_take_their_writes(rad, before):
    item, record, plan = before
    start(item)
    record.refresh_from_db()
    saved = services.decision_record_update(
        record=record, expected_version=record.version, by=rad, uncertainties="Now open."
    )
    assert saved.uncertainties == "Now open."
    plan.refresh_from_db()
    assert services.plan_update(
        plan=plan, expected_version=plan.version, by=rad, summary="Now open."
    ).summary == ("Now open.")


# --- the pages ------------------------------------------------------------------------------


def test_the_meeting_page(cast, client_for, rad, before):
    item, _record, _plan = before
    url = reverse("meeting-run", kwargs={"meeting_uuid": item.meeting.uuid})
    assert "Repeat MRI of the whole spine." not in client_for(rad).get(url).content.decode()
    assert "Repeat MRI of the whole spine." in client_for(cast.surgeon).get(url).content.decode()


def test_the_plan_page(cast, client_for, rad, before):
    _item, _record, plan = before
    url = reverse("plan-page", kwargs={"plan_uuid": plan.uuid})
    assert client_for(rad).get(url).status_code == 404
    assert PLAN_SUMMARY in client_for(cast.surgeon).get(url).content.decode()
    assert client_for(cast.coordinator).get(url).status_code == 200


def test_the_patient_page(cast, client_for, rad, before):
    item, _record, plan = before
    url = reverse("patient-page", args=[item.case.patient.uuid])
    hidden = client_for(rad).get(url).content.decode()
    assert item.case.patient.mrn in hidden
    assert PLAN_SUMMARY not in hidden
    assert reverse("plan-page", args=[plan.uuid]) not in hidden
    shown = client_for(cast.surgeon).get(url).content.decode()
    assert PLAN_SUMMARY in shown


# --- once the rule allows it ------------------------------------------------------------------


def test_once_the_meeting_has_started_everyone_on_the_board_reads_them(
    cast, api, client_for, rad, before
):
    item, record, plan = before
    start(item)
    assert api(rad).get(f"/api/v1/decisions/{record.uuid}/").status_code == 200
    assert api(rad).get(f"/api/v1/plans/{plan.uuid}/history/").status_code == 200
    assert (
        client_for(rad).get(reverse("plan-page", kwargs={"plan_uuid": plan.uuid})).status_code
        == 200
    )
    page = client_for(rad).get(reverse("patient-page", args=[item.case.patient.uuid]))
    assert PLAN_SUMMARY in page.content.decode()


def test_a_specialist_who_gave_their_opinion_opens_it_before_the_meeting(cast, rad):
    starts = timezone.now() + dt.timedelta(days=2)
    meeting = MeetingFactory(
        board=cast.board, starts_at=starts, ends_at=starts + dt.timedelta(hours=1)
    )
    _meeting, (item,) = started_agenda(cast.board, meeting=meeting)
    give_opinion(item, rad, ["sbrt"], regimen="24 Gy/2")
    record = services.decision_record_open(agenda_item=item, by=rad)
    assert DecisionRecord.objects.get(agenda_item=item) == record
