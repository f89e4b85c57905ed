"""Faults: a worker killed half-way, the task broker down, the database failing mid-write.

- A Celery worker SIGKILLed while it prepares a summary (its summary row inserted, not committed)
  leaves nothing half-written; a fresh worker gets the unacknowledged message again and every
  item ends with exactly one summary version.
- Redis really down (a port that refuses connections, not a mock): pages and the API keep
  working, the user is told the background work could not be queued, the data of the change is
  committed whole, and nothing is left half-done (preparations failed "Could not be queued",
  notifications unsent).
- A database error part-way through a multi-row write leaves nothing of that write, history
  included, and a user who triggers it is answered 503 with a message, not a 500.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import socket
import time
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, OperationalError, ProgrammingError, connection
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, Patient, SpinalLesion
from recommendations.models import (
    ConsensusPlan,
    DecisionRecord,
    PlanActivity,
    PreMeetingSummary,
    SummaryPreparation,
)
from recommendations.summaries.preparation import prepare_agenda_item_summary, summary_prepare
from recommendations.summaries.selectors import meeting_preparation_progress
from scheduling import services as scheduling_services
from scheduling.models import AgendaItem, BoardMembership, Notification
from tests.agendas import agenda, give_opinion
from tests.factories import MeetingFactory, PatientFactory
from tests.meeting_mode import quorum, ready_to_sign, started_agenda
from tumorboard.celery import app as celery_app
from tumorboard.celery import ping
from tumorboard.errors import DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE_READ, ConflictError
from tumorboard.queue import QUEUE_ERRORS, QUEUE_WARNING, send_now

BATCH_TASK = "recommendations.summaries.tasks.prepare_summary_batch"
MEETING_TASK = "recommendations.summaries.tasks.prepare_meeting_summaries"
# Seconds a message stays unacknowledged before Redis hands it out again (the fresh worker's).
VISIBILITY_TIMEOUT = 5


def wait_for(condition, *, timeout: float, what: str, workers=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    log = workers.log_text() if workers is not None else ""
    pytest.fail(f"timed out after {timeout} s waiting for {what}\n{log}")


# --- a worker killed during summary preparation --------------------------------------------------


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.postgres
def test_a_worker_killed_mid_preparation_leaves_nothing_and_the_summary_is_made_once(
    celery_workers, cast, tmp_path
):
    meeting, items = agenda(cast.board, 3)
    for item in items:
        give_opinion(item, cast.surgeon, ["separation_surgery"])
        give_opinion(item, cast.specialists["radiation_oncology"], ["cebrt"], regimen="8 Gy x 1")
    ids = [item.pk for item in items]

    # A worker whose summaries_prepare stops after inserting the summaries, before committing.
    marker = tmp_path / "held.json"
    celery_workers.start(
        app="tests.fault_app",
        env={"TUMORBOARD_FAULT_MARKER": str(marker), "TUMORBOARD_FAULT_HOLD_SECONDS": "90"},
    )
    client, queue = celery_workers.client, celery_workers.queue
    fanned = client.send_task(MEETING_TASK, args=[meeting.pk], queue=queue)
    assert fanned.get(timeout=60) == 3
    wait_for(marker.exists, timeout=60, what="the worker to hold a batch", workers=celery_workers)
    held = json.loads(marker.read_text())
    assert held["pid"] == celery_workers.process.pid
    # The three items are one batch; inside the worker's open transaction their summaries exist ...
    assert held["agenda_item_ids"] == sorted(ids)
    assert held["in_transaction"] is True
    assert sorted(held["summaries_in_transaction"]) == [[pk, 1] for pk in sorted(ids)]

    killed_log = celery_workers.log_text(tail=20000)
    (killed_task,) = re.findall(rf"{re.escape(BATCH_TASK)}\[([0-9a-f-]+)\] received", killed_log)
    celery_workers.kill()
    assert celery_workers.process.returncode == -signal.SIGKILL

    # ... and after the kill they do not: nothing half-written. The batch was claimed.
    assert not PreMeetingSummary.objects.filter(agenda_item_id__in=ids).exists()
    preparations = SummaryPreparation.objects.filter(agenda_item_id__in=ids)
    assert (
        sorted((p.status, p.attempts, p.finished_at) for p in preparations)
        == [(SummaryPreparation.Status.RUNNING, 1, None)] * 3
    )
    started_at = min(p.started_at for p in preparations)

    # The killed worker never acknowledged its message. Once it has been unacknowledged longer
    # than the visibility timeout, a fresh worker (the real app, no hold) restores it on start.
    unacked_since = (timezone.now() - started_at).total_seconds()
    time.sleep(max(0.0, VISIBILITY_TIMEOUT + 1 - unacked_since))
    celery_workers.start(env={"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)})

    def all_prepared() -> bool:
        return (
            SummaryPreparation.objects.filter(
                agenda_item_id__in=ids, status=SummaryPreparation.Status.DONE
            ).count()
            == 3
        )

    wait_for(all_prepared, timeout=120, what="3 prepared summaries", workers=celery_workers)
    for item in items:
        assert list(
            PreMeetingSummary.objects.filter(agenda_item=item).values_list("version", flat=True)
        ) == [1], f"agenda item {item.pk}"
    attempts = dict(
        SummaryPreparation.objects.filter(agenda_item_id__in=ids).values_list(
            "agenda_item_id", "attempts"
        )
    )
    # The redelivered message claimed the batch again.
    assert attempts == dict.fromkeys(ids, 2)
    progress = meeting_preparation_progress(meeting)
    assert (progress.prepared, progress.total, progress.failed) == (3, 3, 0)
    log = celery_workers.log_text(tail=20000)
    # The same message the killed worker had received, delivered again, made each version once.
    assert f"{BATCH_TASK}[{killed_task}] succeeded" in log
    assert log.count("prepared: 3 new, 0 unchanged, 0 failed, 0 removed") == 1


# --- the task broker down: a real outage, not a mock ---------------------------------------------


@pytest.fixture
def broker_down(settings):
    """The project's Celery app, no longer eager, publishing to a Redis port that refuses
    connections (a socket bound there and never listening). Everything is restored afterwards."""
    refusing = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    refusing.bind(("127.0.0.1", 0))
    url = f"redis://127.0.0.1:{refusing.getsockname()[1]}/0"
    conf = celery_app.conf
    keys = ("task_always_eager", "broker_url", "task_publish_retry_policy")
    # Read first: this loads the app's configuration from the unchanged Django settings.
    saved = {key: conf[key] for key in keys}
    assert saved["task_always_eager"] is True
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the app has read these; set for consistency
    settings.CELERY_BROKER_URL = url
    saved_pools = (celery_app._pool, celery_app.amqp._producer_pool)
    # The app caches its connection and producer pools: new ones, for the new broker URL. One
    # publish retry (production retries three times) keeps each refused send under a second.
    celery_app._pool = celery_app.amqp._producer_pool = None
    conf.update(
        task_always_eager=False,
        broker_url=url,
        task_publish_retry_policy={
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.1,
            "interval_max": 0.1,
        },
    )
    try:
        yield url
    finally:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        celery_app._pool, celery_app.amqp._producer_pool = saved_pools
        conf.update(saved)
        refusing.close()


def test_the_outage_is_real(broker_down):
    """What the tests below rely on: sending raises what a dead Redis raises, quickly."""
    started = time.monotonic()
    with pytest.raises(QUEUE_ERRORS):
        ping.apply_async()
    assert time.monotonic() - started < 5
    assert send_now(ping) is False


def _failed_not_queued(meeting) -> list[tuple[str, bool]]:
    return [
        (p.status, p.error.startswith("Could not be queued"))
        for p in SummaryPreparation.objects.filter(agenda_item__meeting=meeting).order_by("pk")
    ]


@pytest.mark.django_db(transaction=True)
def test_broker_down_prepare_all_says_so_and_leaves_nothing_half_done(cast, client, broker_down):
    meeting, items = agenda(cast.board, 3)
    client.force_login(cast.coordinator)
    response = client.post(reverse("meeting-prepare", args=[meeting.uuid]), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("meeting-preparation", args=[meeting.uuid]), 302)]
    page = response.content.decode()
    assert QUEUE_WARNING in page
    # Every item says why it is not being prepared, and can be retried; no summary exists.
    assert _failed_not_queued(meeting) == [(SummaryPreparation.Status.FAILED, True)] * 3
    assert page.count("Could not be queued: the task service was unavailable") >= 3
    assert not PreMeetingSummary.objects.exists()
    progress = meeting_preparation_progress(meeting)
    assert (progress.failed, progress.queued, progress.running) == (3, 0, 0)
    assert all(entry.can_retry for entry in progress.items)

    # Retrying one while the broker is still down: told again, still failed, still no summary.
    retry = reverse("meeting-preparation-retry", args=[meeting.uuid, items[0].case.uuid])
    again = client.post(retry, follow=True)
    assert again.status_code == 200
    assert QUEUE_WARNING in again.content.decode()
    assert _failed_not_queued(meeting) == [(SummaryPreparation.Status.FAILED, True)] * 3
    assert not PreMeetingSummary.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_broker_down_pages_and_the_api_keep_working(cast, client, api, broker_down):
    meeting, (item,) = agenda(cast.board, 1)
    case = item.case
    client.force_login(cast.coordinator)
    for name, args in [
        ("case-list", []),
        ("case-detail", [case.uuid]),
        ("meeting-preparation", [meeting.uuid]),
        ("meeting-packet", [meeting.uuid]),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        assert QUEUE_WARNING not in response.content.decode()  # nothing was sent: no warning
    listed = api(cast.coordinator).get(reverse("api:case-list"))
    assert listed.status_code == 200
    assert [row["uuid"] for row in listed.json()["results"]] == [str(case.uuid)]
    assert "Warning" not in listed


@pytest.mark.django_db(transaction=True)
def test_broker_down_the_prepare_api_answers_with_a_warning_header(cast, api, broker_down):
    meeting, items = agenda(cast.board, 2)
    client = api(cast.coordinator)
    response = client.post(reverse("api:meeting-prepare", args=[meeting.uuid]))
    assert response.status_code == 202
    assert response["Warning"] == '199 tumorboard "Background work could not be queued"'
    # The answer says what happened: the items are failed, none is "queued".
    answered = response.json()
    assert (answered["queued"], answered["failed"]) == (0, 2)
    assert [entry["status"] for entry in answered["items"]] == ["failed", "failed"]
    progress = client.get(reverse("api:meeting-preparation", args=[meeting.uuid]))
    assert progress.status_code == 200
    assert _failed_not_queued(meeting) == [(SummaryPreparation.Status.FAILED, True)] * 2
    assert not PreMeetingSummary.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_broker_down_circulating_the_agenda_commits_and_leaves_the_emails_unsent(
    cast, client, broker_down
):
    meeting, _items = agenda(cast.board, 2)
    members = set(
        BoardMembership.objects.filter(board=cast.board).values_list("user_id", flat=True)
    )
    client.force_login(cast.coordinator)
    response = client.post(reverse("meeting-circulate", args=[meeting.uuid]), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Agenda circulated" in page
    assert QUEUE_WARNING in page
    meeting.refresh_from_db()
    assert meeting.agenda_circulated_at is not None
    notes = Notification.objects.filter(kind=Notification.Kind.AGENDA_CIRCULATED)
    assert set(notes.values_list("recipient_id", flat=True)) == members
    assert notes.count() == len(members)
    assert not notes.filter(emailed_at__isnull=False).exists()  # each can be sent later


@pytest.mark.django_db(transaction=True)
def test_broker_down_deferring_a_case_commits_whole_and_the_api_warns(cast, api, broker_down):
    meeting, (item,) = agenda(cast.board, 1)
    case = item.case
    Case.objects.filter(pk=case.pk).update(status=Case.Status.SCHEDULED, created_by=cast.surgeon)
    later = MeetingFactory(board=cast.board, starts_at=meeting.starts_at + dt.timedelta(days=7))
    response = api(cast.coordinator).post(
        reverse("api:case-defer", args=[case.uuid]), {"reason": "Awaiting the MRI of the spine."}
    )
    assert response.status_code == 200, response.json()
    assert response["Warning"] == '199 tumorboard "Background work could not be queued"'
    assert response.json()["to_meeting"] == str(later.uuid)
    case.refresh_from_db()
    # Deferred, then placed on the next meeting: both steps committed, with their history.
    assert case.status == Case.Status.SCHEDULED
    assert list(case.history.order_by("history_id").values_list("status", flat=True))[-2:] == [
        Case.Status.DEFERRED,
        Case.Status.SCHEDULED,
    ]
    assert list(AgendaItem.objects.filter(case=case).values_list("meeting_id", flat=True)) == [
        later.pk
    ]
    notes = Notification.objects.filter(kind=Notification.Kind.CASE_DEFERRED)
    recipients = {cast.coordinator.pk, cast.surgeon.pk}
    assert set(notes.values_list("recipient_id", flat=True)) == recipients
    assert not notes.filter(emailed_at__isnull=False).exists()


# --- database errors part-way through a write ----------------------------------------------------


@contextmanager
def database_fails(statement: str, *, containing: str = "", nth: int = 1, error=OperationalError):
    """The nth SQL statement that starts with `statement` (and contains `containing`) fails as
    the database would fail it; yields a record whose `fired` says whether it did."""
    injected = SimpleNamespace(seen=0, fired=False)

    def fail(execute, sql, params, many, context):
        if sql.lstrip().startswith(statement) and containing in sql:
            injected.seen += 1
            if injected.seen == nth:
                injected.fired = True
                raise error(f"injected fault in: {statement}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail):
        yield injected


def rows(*models) -> dict[str, list[dict]]:
    """Every row of these tables, every field: to compare before and after a failed write."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values()) for model in models
    }


CASE_TABLES = (
    Patient,
    Patient.history.model,
    Case,
    Case.history.model,
    SpinalLesion,
    SpinalLesion.history.model,
)


def test_case_create_failing_at_the_second_lesion_writes_nothing(cast):
    patient = PatientFactory(created_by=cast.coordinator)  # case_create checks its actor
    before = rows(*CASE_TABLES)
    lesions = [{"level": "T6", "escc_grade": "2"}, {"level": "L2"}, {"level": "L4"}]
    with (
        database_fails('INSERT INTO "cases_spinallesion"', nth=2) as injected,
        pytest.raises(OperationalError),
    ):
        case_services.case_create(
            by=cast.coordinator,
            patient=patient,
            board=cast.board,
            referring_clinician="Dr Referrer",
            clinical_question="Surgery or radiotherapy?",
            primary_site="breast",
            lesions=lesions,
        )
    assert injected.fired
    assert rows(*CASE_TABLES) == before


def test_case_create_api_answers_503_and_writes_nothing(cast, api):
    patient = PatientFactory(created_by=cast.coordinator)
    payload = {
        "patient": str(patient.uuid),
        "board": str(cast.board.uuid),
        "referring_clinician": "Dr Referrer",
        "clinical_question": "Separation surgery then SBRT, or radiotherapy alone?",
        "primary_site": "breast",
        "lesions": [{"level": "T6", "escc_grade": "2"}, {"level": "L2"}],
    }
    before = rows(*CASE_TABLES)
    with database_fails('INSERT INTO "cases_spinallesion"', nth=2) as injected:
        response = api(cast.coordinator).post(reverse("api:case-list"), payload, format="json")
    assert injected.fired
    assert response.status_code == 503
    assert response.json() == {"detail": DATABASE_UNAVAILABLE}
    assert response["Retry-After"] == "30"
    assert rows(*CASE_TABLES) == before

    # Allowed/refused pair: the same request with the database back creates the case.
    created = api(cast.coordinator).post(reverse("api:case-list"), payload, format="json")
    assert created.status_code == 201
    assert sorted(Case.objects.get().lesions.values_list("level", flat=True)) == ["L2", "T6"]


def test_case_create_page_answers_503_and_writes_nothing_not_even_the_new_patient(
    cast, client, caplog
):
    data = {
        "who-source": "new",
        "who-existing_mrn": "",
        "patient-mrn": "DEMO-9101",
        "patient-given_name": "Walter",
        "patient-family_name": "Demo",
        "patient-date_of_birth": "1961-03-02",
        "patient-sex": "male",
        "patient-preferred_language": "en",
        "case-board": str(cast.board.pk),
        "case-referring_clinician": "Dr Referrer",
        "case-urgency": "urgent",
        "case-clinical_question": "Separation surgery then SBRT, or radiotherapy alone?",
        "case-primary_site": "renal_cell",
        "lesions-TOTAL_FORMS": "2",
        "lesions-INITIAL_FORMS": "0",
        "lesions-MIN_NUM_FORMS": "0",
        "lesions-MAX_NUM_FORMS": "1000",
        "lesions-0-level": "T10",
        "lesions-0-imaging_modality": "mri",
        "lesions-1-level": "L2",
        "lesions-1-imaging_modality": "mri",
    }
    client.force_login(cast.coordinator)
    before = rows(*CASE_TABLES)
    with database_fails('INSERT INTO "cases_spinallesion"', nth=2) as injected:
        response = client.post(reverse("case-create"), data)
    assert injected.fired
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert DATABASE_UNAVAILABLE in page
    assert "Demo" not in page and "DEMO-9101" not in page  # no patient data on the error page
    assert rows(*CASE_TABLES) == before
    logged = [r.getMessage() for r in caplog.records if r.name == "tumorboard.errors"]
    assert logged == ["database unavailable during POST case-create (OperationalError)"]

    created = client.post(reverse("case-create"), data)
    assert created.status_code == 302
    assert sorted(Case.objects.get().lesions.values_list("level", flat=True)) == ["L2", "T10"]


def test_a_page_read_during_an_outage_answers_503_asking_to_try_again(cast, client):
    client.force_login(cast.coordinator)
    with database_fails("SELECT", containing='FROM "cases_case"') as injected:
        response = client.get(reverse("case-list"))
    assert injected.fired
    assert response.status_code == 503
    assert DATABASE_UNAVAILABLE_READ in response.content.decode()


def test_a_programming_error_is_not_dressed_up_as_an_outage(cast, client):
    client.force_login(cast.coordinator)
    with (
        database_fails("SELECT", containing='FROM "cases_case"', error=ProgrammingError),
        pytest.raises(ProgrammingError),
    ):
        client.get(reverse("case-list"))


AGENDA_TABLES = (AgendaItem, AgendaItem.history.model)


@pytest.fixture
def three_on_the_agenda(cast):
    meeting, items = agenda(cast.board, 3)
    return meeting, items


@pytest.mark.parametrize(
    ("statement", "containing", "nth"),
    [
        ('UPDATE "scheduling_agendaitem"', "", 1),  # moving the items out of the way
        ('UPDATE "scheduling_agendaitem"', "CASE WHEN", 1),  # their new positions
        ('INSERT INTO "scheduling_historicalagendaitem"', "", 1),  # the history of the move
    ],
)
def test_agenda_reorder_failing_part_way_changes_no_position(
    cast, api, three_on_the_agenda, statement, containing, nth
):
    meeting, items = three_on_the_agenda
    order = [str(item.case.uuid) for item in reversed(items)]
    before = rows(*AGENDA_TABLES)
    with database_fails(statement, containing=containing, nth=nth) as injected:
        response = api(cast.coordinator).put(
            reverse("api:agenda-order", args=[meeting.uuid]), {"order": order}, format="json"
        )
    assert injected.fired
    assert response.status_code == 503
    assert response.json() == {"detail": DATABASE_UNAVAILABLE}
    assert rows(*AGENDA_TABLES) == before

    done = api(cast.coordinator).put(
        reverse("api:agenda-order", args=[meeting.uuid]), {"order": order}, format="json"
    )
    assert done.status_code == 200
    positions = dict(AgendaItem.objects.values_list("pk", "position"))
    assert positions == {items[0].pk: 3, items[1].pk: 2, items[2].pk: 1}


def test_agenda_reorder_hitting_a_constraint_is_a_conflict_and_changes_nothing(
    cast, three_on_the_agenda
):
    meeting, items = three_on_the_agenda
    before = rows(*AGENDA_TABLES)
    with (
        database_fails(
            'UPDATE "scheduling_agendaitem"', containing="CASE WHEN", error=IntegrityError
        ) as injected,
        pytest.raises(ConflictError) as refused,
    ):
        scheduling_services.agenda_reorder(
            meeting=meeting, order=[item.pk for item in reversed(items)], by=cast.coordinator
        )
    assert injected.fired
    assert refused.value.fields == {"order": ["Two changes collided; nothing was saved."]}
    assert rows(*AGENDA_TABLES) == before


PLAN_TABLES = (
    DecisionRecord,
    DecisionRecord.history.model,
    ConsensusPlan,
    ConsensusPlan.history.model,
    PlanActivity,
    PlanActivity.history.model,
    Case,
    Case.history.model,
    Notification,
)


@pytest.mark.parametrize(
    ("statement", "nth"),
    [
        ('UPDATE "recommendations_consensusplan"', 1),  # the plan itself
        ('UPDATE "cases_case"', 1),  # scheduled -> discussed
        ('INSERT INTO "cases_historicalcase"', 2),  # discussed -> plan signed, its history
        ('INSERT INTO "scheduling_notification"', 2),  # the second owner's notification
    ],
)
def test_plan_sign_failing_part_way_leaves_the_plan_case_and_notifications_as_they_were(
    cast, api, django_capture_on_commit_callbacks, statement, nth
):
    meeting, (item,) = started_agenda(cast.board)
    quorum(cast, meeting)
    _record, plan = ready_to_sign(cast, item)
    before = rows(*PLAN_TABLES)
    url = reverse("api:plan-sign", args=[plan.uuid])
    with (
        django_capture_on_commit_callbacks() as callbacks,
        database_fails(statement, nth=nth) as injected,
    ):
        response = api(cast.chair).post(url, {"quorum_override_reason": ""}, format="json")
    assert injected.fired
    assert response.status_code == 503
    assert response.json() == {"detail": DATABASE_UNAVAILABLE}
    assert rows(*PLAN_TABLES) == before
    assert callbacks == []  # no e-mail queued for a notification that does not exist

    signed = api(cast.chair).post(url, {"quorum_override_reason": ""}, format="json")
    assert signed.status_code == 200
    plan.refresh_from_db()
    item.case.refresh_from_db()
    assert (plan.status, item.case.status) == ("signed", "plan_signed")
    assert Notification.objects.filter(kind=Notification.Kind.PLAN_ACTIVITY).count() == 2


def _agenda_item_prepared(cast):
    meeting, (item,) = agenda(cast.board, 1)
    give_opinion(item, cast.surgeon, ["separation_surgery"])
    SummaryPreparation.objects.create(
        agenda_item=item, status=SummaryPreparation.Status.QUEUED, requested_at=timezone.now()
    )
    return item


SUMMARY_TABLES = (PreMeetingSummary, SummaryPreparation)


def test_summary_prepare_failing_after_the_insert_writes_no_summary(cast):
    item = _agenda_item_prepared(cast)
    before = rows(*SUMMARY_TABLES)
    with (
        database_fails(
            'UPDATE "recommendations_summarypreparation"', containing='"finished_at"'
        ) as injected,
        pytest.raises(OperationalError),
    ):
        summary_prepare(item.pk)
    assert injected.fired
    assert rows(*SUMMARY_TABLES) == before


def test_the_preparation_task_retries_after_a_database_error_and_makes_one_version(cast):
    item = _agenda_item_prepared(cast)
    with database_fails(
        'UPDATE "recommendations_summarypreparation"', containing='"finished_at"'
    ) as injected:
        # Not propagated, as in a worker: apply() then runs the retry the task asks for.
        outcome = prepare_agenda_item_summary.apply(args=[item.pk], throw=False)
    assert injected.fired
    assert outcome.state == "SUCCESS", outcome.traceback
    assert outcome.result == "prepared: version 1"
    assert list(PreMeetingSummary.objects.filter(agenda_item=item).values_list("version")) == [(1,)]
    preparation = SummaryPreparation.objects.get(agenda_item=item)
    assert (preparation.status, preparation.error, preparation.attempts) == ("done", "", 2)


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.postgres
def test_a_batch_left_running_by_a_dead_worker_is_reclaimed_within_its_lease_once(
    celery_workers, cast, tmp_path
):
    """Without waiting for the broker's visibility timeout (an hour by default): the beat's
    reclaim takes back what the dead worker claimed, once, and a live worker prepares it."""
    meeting, items = agenda(cast.board, 2)
    ids = [item.pk for item in items]
    marker = tmp_path / "held.json"
    celery_workers.start(
        app="tests.fault_app",
        env={"TUMORBOARD_FAULT_MARKER": str(marker), "TUMORBOARD_FAULT_HOLD_SECONDS": "90"},
    )
    client, queue = celery_workers.client, celery_workers.queue
    assert client.send_task(MEETING_TASK, args=[meeting.pk], queue=queue).get(timeout=60) == 2
    wait_for(marker.exists, timeout=60, what="the worker to hold a batch", workers=celery_workers)
    celery_workers.kill()
    preparations = SummaryPreparation.objects.filter(agenda_item_id__in=ids)
    assert {p.status for p in preparations} == {SummaryPreparation.Status.RUNNING}

    # A fresh worker with the default visibility timeout: the dead worker's message is not
    # delivered again for an hour. Within the lease nothing is reclaimed ...
    celery_workers.start(env={"SUMMARY_PREPARATION_LEASE_SECONDS": "300"})
    reclaim = "recommendations.summaries.tasks.reclaim_stuck_preparations"
    assert client.send_task(reclaim, queue=queue).get(timeout=60) == 0
    # ... and once the claim is older than the lease (ten minutes pass) the items are queued
    # again and prepared by the live worker.
    preparations.update(started_at=timezone.now() - dt.timedelta(minutes=10))
    assert client.send_task(reclaim, queue=queue).get(timeout=60) == 2

    def all_prepared() -> bool:
        return preparations.filter(status=SummaryPreparation.Status.DONE).count() == 2

    wait_for(all_prepared, timeout=120, what="2 prepared summaries", workers=celery_workers)
    assert client.send_task(reclaim, queue=queue).get(timeout=60) == 0  # once
    for item in items:
        assert list(
            PreMeetingSummary.objects.filter(agenda_item=item).values_list("version", flat=True)
        ) == [1], f"agenda item {item.pk}"
    assert dict(preparations.values_list("agenda_item_id", "attempts")) == dict.fromkeys(ids, 2)
