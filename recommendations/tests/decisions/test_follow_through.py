"""Plan follow-through (services.follow_through): each activity tracked to its end by its owner
(done with a date; deviated with why, what instead and a date; cancelled with why), who may do
it, the page and API forms, the overdue worklist and reminders, and a case sent back to the
board as a re-discussion linked to its earlier plan."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from cases.services import case_transition
from recommendations.decisions import services
from recommendations.decisions.selectors import overdue_activities
from recommendations.decisions.services import follow_through
from recommendations.decisions.services.follow_through import OVERDUE_REMINDER_HOUR
from recommendations.decisions.tasks import remind_overdue_activities
from recommendations.models import PlanActivity, Rediscussion
from scheduling.models import AgendaItem, Meeting, Notification
from scheduling.rules import board_today
from scheduling.services import agenda_item_add
from tests.meeting_mode import quorum, ready_to_sign, started_agenda
from tumorboard.errors import ApplicationError, ConflictError

pytestmark = pytest.mark.django_db


def today(cast) -> dt.date:
    return board_today(cast.board)


@pytest.fixture
def surgery(signed_plan):
    """Named for the surgeon."""
    return signed_plan.activities.get(kind="surgery")


@pytest.fixture
def radiation(signed_plan):
    """For radiation oncology (no one named)."""
    return signed_plan.activities.get(kind="radiation")


def _reload(activity) -> PlanActivity:
    return PlanActivity.objects.get(pk=activity.pk)


# --- how an activity ends -------------------------------------------------------------------------


def test_done_with_its_date_attributed_and_in_history(cast, surgery):
    day = today(cast)
    services.activity_complete(activity=surgery, by=cast.surgeon, completed_on=day)
    surgery = _reload(surgery)
    assert (surgery.status, surgery.completed_on) == ("done", day)
    assert surgery.status_changed_by == cast.surgeon
    assert surgery.history.first().history_user == cast.surgeon
    assert surgery.history.first().status == "done"


@pytest.mark.parametrize(
    ("days", "message"),
    [(None, "Give the date"), (1, "cannot be in the future"), (-400, "30 days before")],
)
def test_done_needs_a_plausible_date(cast, surgery, days, message):
    day = None if days is None else today(cast) + dt.timedelta(days=days)
    with pytest.raises(ApplicationError) as caught:
        services.activity_complete(activity=surgery, by=cast.surgeon, completed_on=day)
    assert message in caught.value.fields["completed_on"][0]
    assert _reload(surgery).status == "planned"


@pytest.mark.parametrize(
    ("reason", "instead", "field"),
    [(" ", "Radiotherapy alone", "reason"), ("Unfit for surgery", "", "done_instead")],
)
def test_deviated_needs_why_and_what_instead(cast, surgery, reason, instead, field):
    with pytest.raises(ApplicationError) as caught:
        services.activity_deviate(
            activity=surgery,
            by=cast.surgeon,
            reason=reason,
            done_instead=instead,
            completed_on=today(cast),
        )
    assert field in caught.value.fields
    assert _reload(surgery).status == "planned"


def test_deviated_and_cancelled_record_what_they_need(cast, surgery, radiation):
    services.activity_deviate(
        activity=surgery,
        by=cast.surgeon,
        reason="Unfit for surgery",
        done_instead="cEBRT 20 Gy/5",
        completed_on=today(cast),
    )
    services.activity_cancel(activity=radiation, by=cast.coordinator, reason="Patient declined")
    surgery, radiation = _reload(surgery), _reload(radiation)
    assert (surgery.status, surgery.status_reason, surgery.done_instead) == (
        "deviated",
        "Unfit for surgery",
        "cEBRT 20 Gy/5",
    )
    assert (radiation.status, radiation.status_reason, radiation.completed_on) == (
        "cancelled",
        "Patient declined",
        None,
    )
    with pytest.raises(ApplicationError):
        services.activity_cancel(activity=radiation, by=cast.coordinator, reason="")


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        (["done"], "in_progress"),
        (["done"], "deviated"),
        (["cancelled"], "done"),
        (["in_progress"], "planned"),
        ([], "planned"),
    ],
)
def test_ended_activities_are_final(cast, surgery, path, refused):
    fields = {"reason": "Why", "done_instead": "Other", "completed_on": today(cast)}
    for status in path:
        services.activity_set_status(activity=surgery, status=status, by=cast.chair, **fields)
    with pytest.raises(ApplicationError) as caught:
        services.activity_set_status(activity=surgery, status=refused, by=cast.chair, **fields)
    assert "status" in caught.value.fields
    assert _reload(surgery).status == (path[-1] if path else "planned")


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("radiation_oncology", True),  # the discipline responsible
        ("coordinator", True),
        ("chair", True),
        ("spine_surgery", False),  # another specialist of the board
        ("outsider", False),
        ("patient_user", False),
    ],
)
def test_who_records_how_an_activity_ended(cast, radiation, who, allowed):
    user = cast.specialists.get(who) or getattr(cast, who)
    if not allowed:
        with pytest.raises(PermissionDenied):
            services.activity_cancel(activity=radiation, by=user, reason="Declined")
        assert _reload(radiation).status == "planned"
        return
    services.activity_cancel(activity=radiation, by=user, reason="Declined")
    assert _reload(radiation).status == "cancelled"


def test_a_named_owner_is_the_owner_not_their_discipline_colleagues(cast, surgery):
    # The surgery is named for the surgeon: the rehabilitation specialist is refused, and so would
    # be another spine surgeon (the rule reads the name, not the discipline).
    with pytest.raises(PermissionDenied):
        services.activity_start(activity=surgery, by=cast.specialists["rehabilitation"])
    services.activity_start(activity=surgery, by=cast.surgeon)
    assert _reload(surgery).status == "in_progress"


# --- the API --------------------------------------------------------------------------------------


def test_api_status_with_field_errors_and_scoping(cast, api, radiation):
    url = f"/api/v1/activities/{radiation.uuid}/status/"
    radonc = api(cast.specialists["radiation_oncology"])
    missing = radonc.post(url, {"status": "deviated", "reason": "Unfit"}, format="json")
    assert missing.status_code == 400
    assert "done_instead" in missing.json() or "completed_on" in missing.json()
    future = radonc.post(
        url,
        {"status": "done", "completed_on": (today(cast) + dt.timedelta(days=3)).isoformat()},
        format="json",
    )
    assert future.status_code == 400
    assert "completed_on" in future.json()
    assert api(cast.surgeon).post(url, {"status": "cancelled", "reason": "x"}).status_code == 403
    assert (
        api(cast.patient_user).post(url, {"status": "cancelled", "reason": "x"}).status_code == 403
    )
    assert api(cast.outsider).post(url, {"status": "cancelled", "reason": "x"}).status_code == 404
    assert _reload(radiation).status == "planned"
    done = radonc.post(
        url, {"status": "done", "completed_on": today(cast).isoformat()}, format="json"
    )
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["completed_on"]) == (
        "done",
        today(cast).isoformat(),
    )


# --- the plan page --------------------------------------------------------------------------------


def test_plan_page_offers_the_forms_to_the_owner_only(cast, client_for, signed_plan, radiation):
    url = reverse("plan-page", kwargs={"plan_uuid": signed_plan.uuid})
    status_url = reverse(
        "plan-activity-status",
        kwargs={"plan_uuid": signed_plan.uuid, "activity_uuid": radiation.uuid},
    )
    owner_page = client_for(cast.specialists["radiation_oncology"]).get(url).content.decode()
    other_page = client_for(cast.specialists["pain_medicine"]).get(url).content.decode()
    assert owner_page.count(f'action="{status_url}"') == 4  # in progress, done, deviated, cancelled
    assert f'action="{status_url}"' not in other_page
    refused = client_for(cast.specialists["pain_medicine"]).post(
        status_url, {"status": "cancelled", f"cancelled-{radiation.pk}-reason": "x"}
    )
    assert refused.status_code == 403


def test_plan_page_done_form_with_errors_then_saved(cast, client_for, signed_plan, radiation):
    client = client_for(cast.specialists["radiation_oncology"])
    status_url = reverse(
        "plan-activity-status",
        kwargs={"plan_uuid": signed_plan.uuid, "activity_uuid": radiation.uuid},
    )
    field = f"deviated-{radiation.pk}"
    refused = client.post(status_url, {"status": "deviated", f"{field}-reason": "Unfit"})
    assert refused.status_code == 400
    assert "Say what was done instead." in refused.content.decode()
    assert _reload(radiation).status == "planned"
    saved = client.post(
        status_url,
        {
            "status": "deviated",
            f"{field}-reason": "Unfit",
            f"{field}-done_instead": "cEBRT 8 Gy/1",
            f"{field}-completed_on": today(cast).isoformat(),
        },
    )
    assert saved.status_code == 302
    assert _reload(radiation).done_instead == "cEBRT 8 Gy/1"
    # The deviation offers sending the case back at once.
    page = client.get(saved["Location"]).content.decode()
    assert f'name="back-activity" value="{radiation.uuid}"' in page


# --- overdue --------------------------------------------------------------------------------------


def _overdue(activity, days=3):
    PlanActivity.objects.filter(pk=activity.pk).update(
        due_date=board_today(activity.plan.decision.agenda_item.meeting.board)
        - dt.timedelta(days=days)
    )


def _more_rows(cast, n):
    """Unrelated rows: signed plans on another board with overdue activities, done ones here."""
    for _ in range(n):
        meeting, (item,) = started_agenda(cast.board)
        quorum(cast, meeting)
        _record, plan = ready_to_sign(cast, item)
        plan = services.plan_sign(plan=plan, by=cast.chair)
        for activity in plan.activities.all():
            _overdue(activity)
            services.activity_cancel(activity=activity, by=cast.chair, reason="Not needed")


def test_coordinator_worklist_lists_overdue_activities_in_bounded_queries(
    cast, client_for, surgery, radiation, django_assert_max_num_queries
):
    _overdue(surgery)
    assert overdue_activities(user=cast.coordinator).rows == [surgery]
    assert overdue_activities(user=cast.surgeon).count == 0  # not a coordinator
    assert overdue_activities(user=cast.outsider).count == 0
    page = client_for(cast.coordinator).get("/").content.decode()
    assert 'id="overdue-activities"' in page
    assert surgery.description in page
    with django_assert_max_num_queries(3):
        overdue_activities(user=cast.coordinator)
    _more_rows(cast, 3)
    _overdue(radiation, days=1)
    with django_assert_max_num_queries(3):
        rows = overdue_activities(user=cast.coordinator).rows
    assert rows == [surgery, radiation]


def test_reminders_wait_for_the_boards_morning(cast, surgery):
    _overdue(surgery)
    local = timezone.localtime(timezone.now(), ZoneInfo(cast.board.time_zone))
    early = local.replace(hour=OVERDUE_REMINDER_HOUR - 1)
    assert services.overdue_reminders_send(board=cast.board, now=early) == 0
    assert _reload(surgery).reminded_on is None
    morning = local.replace(hour=OVERDUE_REMINDER_HOUR)
    assert services.overdue_reminders_send(board=cast.board, now=morning) == 1
    assert _reload(surgery).reminded_on == morning.date()


def test_reminder_task_once_a_day_to_owners_and_a_digest_to_coordinators(
    cast, surgery, radiation, monkeypatch
):
    monkeypatch.setattr(follow_through, "OVERDUE_REMINDER_HOUR", 0)
    _overdue(surgery)
    Notification.objects.all().delete()
    assert remind_overdue_activities() == 1
    owner_mail = Notification.objects.filter(
        recipient=cast.surgeon, dedupe_key__startswith="activity-overdue:"
    )
    digest = Notification.objects.filter(
        recipient=cast.coordinator, dedupe_key__startswith="activity-overdue-digest:"
    )
    assert (owner_mail.count(), digest.count()) == (1, 1)
    assert surgery.description in owner_mail.get().body
    assert radiation.description not in owner_mail.get().body  # not overdue
    # Again the same day: nothing more.
    assert remind_overdue_activities() == 0
    assert Notification.objects.filter(dedupe_key__startswith="activity-overdue").count() == 2
    # The next day it is reminded again (claimed by the day, not for ever).
    PlanActivity.objects.filter(pk=surgery.pk).update(
        reminded_on=today(cast) - dt.timedelta(days=1)
    )
    Notification.objects.all().delete()
    assert remind_overdue_activities() == 1


# --- back to the board ----------------------------------------------------------------------------


def test_send_back_moves_the_case_and_links_the_earlier_plan(
    cast, client_for, signed_plan, surgery, meeting
):
    case = signed_plan.decision.agenda_item.case
    assert Case.objects.get(pk=case.pk).status == "plan_signed"
    services.activity_deviate(
        activity=surgery,
        by=cast.surgeon,
        reason="Unfit for surgery",
        done_instead="cEBRT 20 Gy/5",
        completed_on=today(cast),
    )
    rediscussion = services.case_send_back(
        case=case, by=cast.surgeon, trigger="deviation", detail="No surgery", activity=surgery
    )
    case.refresh_from_db()
    assert case.status in ("ready", "referred")
    assert Rediscussion.objects.filter(case=case).count() == 1
    assert (rediscussion.earlier_plan, rediscussion.activity) == (signed_plan, surgery)
    assert Notification.objects.filter(
        recipient=cast.coordinator, dedupe_key__startswith="rediscussion:"
    ).exists()
    with pytest.raises(ConflictError):
        services.case_send_back(case=case, by=cast.chair, trigger="progression", detail="Again")
    # The earlier meeting closes; the case is placed on the next meeting's agenda: the
    # re-discussion is answered by that item.
    earlier_item = signed_plan.decision.agenda_item
    Meeting.objects.filter(pk=earlier_item.meeting_id).update(status=Meeting.Status.CLOSED)
    AgendaItem.objects.filter(pk=earlier_item.pk).update(is_open=False)
    item = agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    rediscussion.refresh_from_db()
    assert rediscussion.agenda_item == item
    # The case page tells the story and links the earlier plan.
    page = client_for(cast.coordinator).get(reverse("case-detail", args=[case.uuid]))
    earlier = signed_plan.decision.agenda_item.meeting.starts_at
    day = timezone.localtime(earlier).strftime("%-d %b %Y")
    assert f"Re-discussion of {day}" in page.content.decode()
    assert reverse("plan-page", kwargs={"plan_uuid": signed_plan.uuid}) in page.content.decode()


def test_send_back_is_for_owners_and_coordinators(cast, api, signed_plan):
    url = f"/api/v1/plans/{signed_plan.uuid}/send-back/"
    body = {"trigger": "progression", "detail": "New lesion at L2"}
    assert api(cast.specialists["pain_medicine"]).post(url, body).status_code == 403
    assert api(cast.patient_user).post(url, body).status_code == 403
    assert api(cast.outsider).post(url, body).status_code == 404
    bad = api(cast.coordinator).post(url, {"trigger": "whim", "detail": ""})
    assert bad.status_code == 400
    assert {"trigger", "detail"} <= set(bad.json())
    assert not Rediscussion.objects.exists()
    sent = api(cast.specialists["radiation_oncology"]).post(url, body)
    assert sent.status_code == 201
    assert sent.json()["earlier_plan"] == str(signed_plan.uuid)
    assert api(cast.coordinator).post(url, body).status_code == 409


def test_a_signed_case_goes_back_by_hand_never(cast, signed_plan):
    case = signed_plan.decision.agenda_item.case
    with pytest.raises(ApplicationError):
        case_transition(case=case, to="referred", by=cast.coordinator)
    assert Case.objects.get(pk=case.pk).status == "plan_signed"
