"""The read log through the pages and the API (issue 15 item 8): each read of a patient's data
writes exactly one row per patient shown, with who, when, what and from where; a refused read
writes none; recording costs one INSERT and no other query.

The time a read costs is measured by `bench/read_log.py` (house rule: no wall clock in unit tests).
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import ReadEvent
from recommendations.patient_summaries import services as summary_services
from tests.factories import AgendaItemFactory, CaseFactory, LesionFactory, PatientFactory
from tests.plans import signed_plan

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"


@pytest.fixture
def case(cast):
    case = CaseFactory(board=cast.board, patient=cast.patient)
    LesionFactory(case=case)
    return case


@pytest.fixture
def released(cast):
    """A released patient summary of the cast's patient (a signed plan of a new case)."""
    plan = signed_plan(CaseFactory(board=cast.board, patient=cast.patient), 1, chair=cast.chair)
    draft = summary_services.patient_summary_draft(plan=plan, by=cast.chair)
    return summary_services.patient_summary_release(summary=draft, by=cast.chair)


def _only_new_row(before: int) -> ReadEvent:
    assert ReadEvent.objects.count() == before + 1
    return ReadEvent.objects.order_by("-id").first()


def test_case_page_writes_one_row_with_who_what_when_and_where(client_for, cast, case):
    client = client_for(cast.surgeon)
    before = ReadEvent.objects.count()
    response = client.get(
        reverse("case-detail", args=[case.uuid]) + "?tab=history",
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR="192.0.2.10",
    )
    assert response.status_code == 200
    row = _only_new_row(before)
    assert (row.user_id, row.username, row.roles) == (
        cast.surgeon.pk,
        cast.surgeon.username,
        "specialist",
    )
    assert (row.what, row.object_uuid, row.patient_uuid) == ("case", case.uuid, cast.patient.uuid)
    assert (row.view_name, row.method, row.status) == ("case-detail", "GET", 200)
    assert (row.client_ip, row.user_agent) == ("192.0.2.10", BROWSER)
    assert "tab" not in row.view_name  # a URL name, never the path or its query


def test_case_api_writes_one_row(api, cast, case):
    before = ReadEvent.objects.count()
    response = api(cast.coordinator).get(reverse("api:case-detail", args=[case.uuid]))
    assert response.status_code == 200
    row = _only_new_row(before)
    assert (row.username, row.roles, row.view_name) == ("coord", "coordinator", "api:case-detail")
    assert (row.what, row.object_uuid, row.patient_uuid) == ("case", case.uuid, cast.patient.uuid)


def test_patient_api_and_page_write_one_row_each(api, client_for, cast, case):
    before = ReadEvent.objects.count()
    assert (
        api(cast.chair).get(reverse("api:patient-detail", args=[cast.patient.uuid])).status_code
        == 200
    )
    assert _only_new_row(before).view_name == "api:patient-detail"
    before += 1
    page = client_for(cast.chair).get(reverse("patient-page", args=[cast.patient.uuid]))
    assert page.status_code == 200
    row = _only_new_row(before)
    assert (row.what, row.patient_uuid, row.view_name) == (
        "patient",
        cast.patient.uuid,
        "patient-page",
    )


@pytest.mark.parametrize("user", ["outsider", "patient_user", "stranger"])
def test_a_refused_read_writes_nothing(client_for, api, cast, case, user):
    """404 (another board), 403 (a patient, no role): nothing was shown, nothing is logged."""
    reader = getattr(cast, user)
    before = ReadEvent.objects.count()
    assert client_for(reader).get(reverse("case-detail", args=[case.uuid])).status_code in (
        403,
        404,
    )
    assert api(reader).get(reverse("api:case-detail", args=[case.uuid])).status_code in (403, 404)
    assert ReadEvent.objects.count() == before


def test_recording_costs_exactly_one_insert(api, cast, case, settings):
    """The same request with the log off and on: one more query, and it is the INSERT."""
    client = api(cast.chair)
    url = reverse("api:case-detail", args=[case.uuid])
    client.get(url)  # warm caches (roles, content types) out of the comparison
    settings.READ_LOG_ENABLED = False
    with CaptureQueriesContext(connection) as off:
        assert client.get(url).status_code == 200
    settings.READ_LOG_ENABLED = True
    with CaptureQueriesContext(connection) as on:
        assert client.get(url).status_code == 200
    assert len(on.captured_queries) == len(off.captured_queries) + 1
    extra = [q["sql"] for q in on.captured_queries if "audit_readevent" in q["sql"]]
    assert len(extra) == 1 and extra[0].startswith("INSERT INTO")


def test_the_log_off_writes_nothing(api, cast, case, settings):
    settings.READ_LOG_ENABLED = False
    api(cast.chair).get(reverse("api:case-detail", args=[case.uuid]))
    assert not ReadEvent.objects.exists()


def test_meeting_page_writes_one_row_per_patient_in_one_insert(client_for, cast, meeting):
    patients = [cast.patient, PatientFactory(), PatientFactory()]
    cases = [CaseFactory(board=cast.board, patient=p) for p in patients]
    for position, case in enumerate(cases, start=1):
        AgendaItemFactory(meeting=meeting, case=case, position=position)
    client = client_for(cast.coordinator)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("meeting-detail", args=[meeting.uuid])).status_code == 200
    assert sum("audit_readevent" in q["sql"] for q in queries.captured_queries) == 1
    rows = list(ReadEvent.objects.all())
    assert {r.patient_uuid for r in rows} == {p.uuid for p in patients}
    assert {r.object_uuid for r in rows} == {c.uuid for c in cases}
    assert len({r.request_id for r in rows}) == 1 and len(rows) == 3
    assert {r.view_name for r in rows} == {"meeting-detail"}


def test_the_patients_own_summary_and_pdf(client_for, cast, released):
    client = client_for(cast.patient_user)
    before = ReadEvent.objects.count()
    assert client.get(reverse("my-summary-detail", args=[released.uuid])).status_code == 200
    row = _only_new_row(before)
    assert (row.what, row.username, row.roles) == ("patient_summary", "patient", "patient")
    assert (row.object_uuid, row.patient_uuid) == (released.uuid, cast.patient.uuid)
    pdf = client.get(reverse("my-summary-pdf", args=[released.uuid]))
    assert pdf.content.startswith(b"%PDF")
    row = _only_new_row(before + 1)
    assert (row.what, row.view_name) == ("patient_summary.pdf", "my-summary-pdf")


def test_a_single_use_link_read_is_logged_without_a_user(client, cast, released):
    token = summary_services.access_link_create(summary=released, by=cast.chair)
    url = reverse("patient-summary-link-open", args=[token])
    assert client.get(url).status_code == 200  # checks the link only: nothing read yet
    assert not ReadEvent.objects.exists()
    opened = client.post(url)
    assert not ReadEvent.objects.exists()
    assert client.get(opened["Location"]).status_code == 200
    row = ReadEvent.objects.get()
    assert (row.user_id, row.username, row.roles) == (None, "", "")
    assert (row.what, row.object_uuid) == ("patient_summary.link", released.uuid)
    assert row.patient_uuid == cast.patient.uuid


def test_staff_review_and_api_of_a_patient_summary(client_for, api, cast, released):
    before = ReadEvent.objects.count()
    plan_uuid = released.plan.uuid
    assert (
        client_for(cast.chair).get(reverse("plan-patient-summary", args=[plan_uuid])).status_code
        == 200
    )
    assert _only_new_row(before).patient_uuid == cast.patient.uuid
    detail = api(cast.chair).get(reverse("api:patient-summary-detail", args=[released.uuid]))
    assert detail.status_code == 200
    row = _only_new_row(before + 1)
    assert (row.what, row.object_uuid, row.view_name) == (
        "patient_summary",
        released.uuid,
        "api:patient-summary-detail",
    )


def test_plan_page_and_meeting_packet_pdf(client_for, cast, released):
    plan = released.plan
    client = client_for(cast.chair)
    before = ReadEvent.objects.count()
    assert client.get(reverse("plan-page", args=[plan.uuid])).status_code == 200
    row = _only_new_row(before)
    assert (row.what, row.object_uuid, row.patient_uuid) == ("plan", plan.uuid, cast.patient.uuid)
    meeting = plan.decision.agenda_item.meeting
    pdf = client.get(reverse("meeting-packet-pdf", args=[meeting.uuid]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    row = _only_new_row(before + 1)
    assert (row.what, row.patient_uuid, row.view_name) == (
        "meeting_packet.pdf",
        cast.patient.uuid,
        "meeting-packet-pdf",
    )


def test_behind_the_proxy_the_forwarded_address_is_the_readers(api, cast, case, settings):
    settings.BEHIND_TLS_PROXY = True
    api(cast.chair).get(
        reverse("api:case-detail", args=[case.uuid]),
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",
    )
    assert ReadEvent.objects.get().client_ip == "198.51.100.7"  # the hop the proxy appended
    settings.BEHIND_TLS_PROXY = False
    api(cast.chair).get(
        reverse("api:case-detail", args=[case.uuid]),
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert ReadEvent.objects.order_by("-id").first().client_ip == "10.0.0.2"


def test_attachments_viewer_file_and_api_each_write_one_row(
    client_for, api, cast, case, attachment_storage, django_capture_on_commit_callbacks
):
    """Imaging (issue 18): the viewer, each file and thumbnail, and the API are reads."""
    import io

    from cases import services as case_services
    from tests import attachment_files as files

    with django_capture_on_commit_callbacks(execute=True):
        row = case_services.attachment_add(
            case=case,
            by=cast.coordinator,
            upload=io.BytesIO(files.dicom_bytes(modality="CT")),
            name="spine.dcm",
            kind="ct",
            caption="Axial T10",
        )
    client = client_for(cast.surgeon)
    reads = [
        (client, reverse("case-attachment-viewer", args=[case.uuid]), "case.attachments", case),
        (
            client,
            reverse("case-attachment-file", args=[case.uuid, row.uuid]),
            "attachment.file",
            row,
        ),
        (
            client,
            reverse("case-attachment-thumbnail", args=[case.uuid, row.uuid]),
            "attachment.thumbnail",
            row,
        ),
        (
            api(cast.surgeon),
            reverse("api:case-attachment-detail", args=[case.uuid, row.uuid]),
            "attachment",
            row,
        ),
    ]
    for reader, url, what, obj in reads:
        before = ReadEvent.objects.count()
        response = reader.get(url)
        assert response.status_code == 200, url
        written = _only_new_row(before)
        assert (written.what, written.object_uuid, written.patient_uuid) == (
            what,
            obj.uuid,
            cast.patient.uuid,
        )
    before = ReadEvent.objects.count()
    assert client_for(cast.patient_user).get(reads[1][1]).status_code == 403
    assert ReadEvent.objects.count() == before


def test_follow_up_pages_write_one_row(client_for, api, cast, released):
    """Outcomes (issue 16): the clinical follow-ups and the patient's own check-in are reads."""
    from recommendations.models import FollowUp
    from recommendations.outcomes import services as outcome_services

    plan = released.plan
    outcome_services.follow_ups_schedule(
        plan=plan, treatment_date=plan.signed_at.date(), by=cast.chair
    )
    follow_up = FollowUp.objects.filter(plan=plan).order_by("due_on").first()
    case = plan.decision.agenda_item.case
    before = ReadEvent.objects.count()
    assert (
        client_for(cast.surgeon).get(reverse("case-follow-ups", args=[case.uuid])).status_code
        == 200
    )
    row = _only_new_row(before)
    assert (row.what, row.object_uuid, row.patient_uuid) == (
        "case.follow_ups",
        case.uuid,
        cast.patient.uuid,
    )
    before = ReadEvent.objects.count()
    url = reverse("api:follow-up-detail", args=[follow_up.uuid])
    assert api(cast.surgeon).get(url).status_code == 200
    row = _only_new_row(before)
    assert (row.what, row.object_uuid) == ("follow_up", follow_up.uuid)


def test_fhir_case_export_writes_one_row(api, cast, case):
    """FHIR (issue 17): a case's Bundle is a read of the patient's data."""
    before = ReadEvent.objects.count()
    response = api(cast.surgeon).get(reverse("api:case-fhir", args=[case.uuid]))
    assert response.status_code == 200
    row = _only_new_row(before)
    assert (row.what, row.object_uuid, row.patient_uuid) == (
        "case.fhir",
        case.uuid,
        cast.patient.uuid,
    )


# --- worklists, boards and pickers that name patients: one row per patient shown ----------------
#
# Each read is run twice, the log off then on: recording must add exactly one query, the INSERT
# (the selectors bring each row's patient with it), and write exactly the rows expected.


# A related record fetched by itself (`case.patient` not selected with the case).
_LAZY_LOAD = re.compile(
    r'FROM "(cases_patient|cases_case|scheduling_agendaitem|recommendations_decisionrecord'
    r'|recommendations_consensusplan|recommendations_planactivity)" '
    r'WHERE "\1"\."id" = \d+ LIMIT 21$'
)


def _recorded(settings, read) -> set[tuple[str, object, object]]:
    """The rows one read writes, as (what, patient_uuid, object_uuid); asserts the log costs
    exactly one INSERT and that no row is written twice."""
    read()  # warm caches (roles, content types) out of the comparison
    settings.READ_LOG_ENABLED = False
    with CaptureQueriesContext(connection) as off:
        assert read().status_code == 200
    settings.READ_LOG_ENABLED = True
    last = ReadEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with CaptureQueriesContext(connection) as on:
        assert read().status_code == 200
    log = [q["sql"] for q in on.captured_queries if "audit_readevent" in q["sql"]]
    assert len(log) == 1 and log[0].startswith("INSERT INTO"), log
    assert len(on.captured_queries) == len(off.captured_queries) + 1
    # The ids come with the rows shown: no record (patient, case, plan…) loaded on its own for it
    # (the same in both runs, so the comparison above cannot see it).
    lazy = [q["sql"] for q in on.captured_queries if _LAZY_LOAD.search(q["sql"])]
    assert lazy == [], lazy
    rows = list(ReadEvent.objects.filter(id__gt=last))
    assert len({r.request_id for r in rows}) == 1
    found = {(r.what, r.patient_uuid, r.object_uuid) for r in rows}
    assert len(found) == len(rows)
    return found


def _cases(what, *cases) -> set[tuple[str, object, object]]:
    return {(what, case.patient.uuid, case.uuid) for case in cases}


@pytest.fixture
def week(cast, meeting):
    from tests.worklists import board_week

    return board_week(cast, meeting)


def _activity(what, activity):
    case = activity.plan.decision.agenda_item.case
    return (what, case.patient.uuid, activity.uuid)


def test_the_specialists_worklist_records_each_case_and_activity(client_for, cast, week, settings):
    client = client_for(cast.surgeon)
    rows = _recorded(settings, lambda: client.get(reverse("home")))
    assert rows == _cases("worklist.case", week.overdue_case, week.due_case) | {
        _activity("worklist.plan_activity", week.named_activity),
        _activity("worklist.plan_activity", week.discipline_activity),
    }


def test_the_coordinators_worklist_records_gaps_ready_cases_and_overdue(
    client_for, cast, week, settings
):
    client = client_for(cast.coordinator)
    rows = _recorded(settings, lambda: client.get(reverse("home")))
    assert rows == _cases("worklist.case", week.gap_case, week.ready_case) | {
        _activity("worklist.plan_activity", week.named_activity)
    }


def test_the_chairs_worklist_records_the_plans_to_sign(client_for, cast, week, settings):
    client = client_for(cast.chair)
    rows = _recorded(settings, lambda: client.get(reverse("home")))
    plans = {row for row in rows if row[0] == "worklist.plan"}
    assert plans == {("worklist.plan", week.to_sign_case.patient.uuid, week.to_sign.uuid)}


def test_missing_follow_ups_on_the_worklist_are_recorded(client_for, cast, week, settings):
    import datetime as dt

    from django.utils import timezone

    from recommendations.models import FollowUp

    follow_up = FollowUp.objects.create(
        case=week.signed.decision.agenda_item.case,
        plan=week.signed,
        timepoint_days=42,
        due_on=timezone.localdate() - dt.timedelta(days=3),
    )
    client = client_for(cast.coordinator)
    rows = _recorded(settings, lambda: client.get(reverse("home")))
    assert ("worklist.follow_up", follow_up.case.patient.uuid, follow_up.uuid) in rows


def test_my_cases_records_each_case_on_the_coming_agendas(client_for, cast, week, settings):
    client = client_for(cast.surgeon)
    rows = _recorded(settings, lambda: client.get(reverse("my-cases")))
    on_agendas = [week.overdue_case, week.due_case, week.meeting.agenda_items.get(position=2).case]
    assert rows == _cases("case.agenda", *on_agendas)


@pytest.fixture
def readiness_cases(cast):
    from scheduling.tests.helpers import ready_case

    referred = [CaseFactory(board=cast.board, status="referred") for _ in range(2)]
    ready = ready_case(cast.board)
    CaseFactory(board=cast.other_board, status="referred")  # not the user's: not shown, not logged
    return referred, ready


@pytest.mark.parametrize("name", ["readiness-board", "api:readiness-board"])
def test_the_readiness_board_records_each_card(
    client_for, api, cast, readiness_cases, settings, name
):
    referred, ready = readiness_cases
    client = api(cast.coordinator) if name.startswith("api:") else client_for(cast.coordinator)
    rows = _recorded(settings, lambda: client.get(reverse(name)))
    assert rows == _cases("readiness.case", *referred, ready)


@pytest.mark.parametrize("name", ["readiness-column", "api:readiness-column"])
def test_a_readiness_column_records_its_cards(
    client_for, api, cast, readiness_cases, settings, name
):
    referred, _ready = readiness_cases
    client = api(cast.coordinator) if name.startswith("api:") else client_for(cast.coordinator)
    rows = _recorded(settings, lambda: client.get(reverse(name, args=["referred"])))
    assert rows == _cases("readiness.case", *referred)


def test_the_case_picker_records_the_cases_it_offers(api, cast, meeting, settings):
    from scheduling.tests.helpers import ready_case

    offered = [ready_case(cast.board), CaseFactory(board=cast.board, status="referred")]
    AgendaItemFactory(meeting=meeting, case=CaseFactory(board=cast.board), position=1)
    client = api(cast.coordinator)
    url = reverse("api:board-schedulable-cases", args=[cast.board.uuid])
    rows = _recorded(
        settings, lambda: client.post(url, {"meeting": str(meeting.uuid)}, format="json")
    )
    assert rows == _cases("case.pick", *offered)


def test_the_close_page_records_the_undiscussed_cases(client_for, cast, settings):
    from tests.meeting_mode import started_agenda

    running, items = started_agenda(cast.board, 2)
    client = client_for(cast.coordinator)
    rows = _recorded(settings, lambda: client.get(reverse("meeting-close", args=[running.uuid])))
    assert rows == _cases("case.undiscussed", *(item.case for item in items))


@pytest.mark.parametrize("name", ["meeting-preparation", "api:meeting-preparation"])
def test_preparation_progress_records_each_agenda_case(
    client_for, api, cast, meeting, settings, name
):
    cases = [CaseFactory(board=cast.board, patient=PatientFactory()) for _ in range(2)]
    for position, case in enumerate(cases, start=1):
        AgendaItemFactory(meeting=meeting, case=case, position=position)
    client = api(cast.coordinator) if name.startswith("api:") else client_for(cast.coordinator)
    rows = _recorded(settings, lambda: client.get(reverse(name, args=[meeting.uuid])))
    assert rows == _cases("summary_preparation", *cases)


def test_the_opinion_list_and_an_opinions_history_are_recorded(api, cast, meeting, settings):
    from tests.meeting_mode import give_opinion

    case = CaseFactory(board=cast.board, patient=cast.patient)
    item = AgendaItemFactory(meeting=meeting, case=case, position=1)
    opinions = [
        give_opinion(item, cast.surgeon, ["surgery"]),
        give_opinion(item, cast.specialists["radiation_oncology"], ["sbrt"]),
    ]
    client = api(cast.chair)
    listed = f"{reverse('api:opinion-list')}?case={case.uuid}&meeting={meeting.uuid}"
    rows = _recorded(settings, lambda: client.get(listed))
    assert rows == {("opinion.list", cast.patient.uuid, o.uuid) for o in opinions}
    history = reverse("api:opinion-history", args=[opinions[0].uuid])
    rows = _recorded(settings, lambda: client.get(history))
    assert rows == {("opinion.history", cast.patient.uuid, opinions[0].uuid)}


def test_an_empty_list_writes_nothing(api, cast, settings):
    """A read that shows no patient costs nothing: no INSERT at all."""
    with CaptureQueriesContext(connection) as queries:
        assert api(cast.coordinator).get(reverse("api:readiness-board")).status_code == 200
    assert not any("audit_readevent" in q["sql"] for q in queries.captured_queries)


def test_the_pickers_on_the_meeting_pages_record_the_cases_they_offer(
    client_for, cast, meeting, settings
):
    """The urgent-meeting form (meetings list) and "add a case" (a meeting) name the cases they
    offer; the meeting page also records its agenda."""
    from scheduling.tests.helpers import ready_case

    offered = [ready_case(cast.board), CaseFactory(board=cast.board, status="referred")]
    on_agenda = CaseFactory(board=cast.board)
    AgendaItemFactory(meeting=meeting, case=on_agenda, position=1)
    CaseFactory(board=cast.other_board)  # another board's: never offered
    client = client_for(cast.coordinator)
    rows = _recorded(settings, lambda: client.get(reverse("meeting-list")))
    assert rows == _cases("case.pick", *offered)  # not the case already on an agenda
    rows = _recorded(settings, lambda: client.get(reverse("meeting-detail", args=[meeting.uuid])))
    assert rows == _cases("case.pick", *offered) | _cases("case.agenda", on_agenda)
    # A specialist plans no meeting: no picker, nothing read.
    specialist = client_for(cast.surgeon)
    assert specialist.get(reverse("meeting-list")).status_code == 200
    assert not ReadEvent.objects.filter(username=cast.surgeon.username).exists()


def _read_log_statements(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "audit_readevent" in q["sql"] or "synchronous_commit" in q["sql"]
    ]


@pytest.mark.django_db(transaction=True)
def test_a_read_commits_without_waiting_for_the_wal_flush(api, cast, case):
    """Outside any transaction (as in production: the middleware writes after the view), one
    INSERT that turns synchronous_commit off for its own implicit transaction, and only that one;
    the row holds what the ORM path would have written."""
    client = api(cast.chair)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse("api:case-detail", args=[case.uuid]),
            HTTP_USER_AGENT=BROWSER,
            REMOTE_ADDR="10.1.2.3",
        )
    assert response.status_code == 200
    statements = _read_log_statements(queries)
    assert len(statements) == 1
    assert statements[0].startswith("INSERT INTO")
    assert "set_config('synchronous_commit', 'off', true)" in statements[0]
    row = ReadEvent.objects.get(object_uuid=case.uuid)
    assert (row.what, row.patient_uuid, row.user_id, row.username) == (
        "case",
        cast.patient.uuid,
        cast.chair.pk,
        cast.chair.username,
    )
    assert (row.view_name, row.method, row.status) == ("api:case-detail", "GET", 200)
    assert (row.client_ip, row.user_agent) == ("10.1.2.3", BROWSER)
    assert "chair" in row.roles.split(",") and row.at is not None
    with connection.cursor() as cursor:  # the setting ended with the read entry's transaction
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


@pytest.mark.django_db(transaction=True)
def test_several_reads_of_a_request_are_one_asynchronous_insert(client_for, cast, meeting):
    patients = [cast.patient, PatientFactory(), PatientFactory()]
    for position, patient in enumerate(patients, start=1):
        case = CaseFactory(board=cast.board, patient=patient)
        AgendaItemFactory(meeting=meeting, case=case, position=position)
    with CaptureQueriesContext(connection) as queries:
        response = client_for(cast.coordinator).get(reverse("meeting-detail", args=[meeting.uuid]))
    assert response.status_code == 200
    statements = _read_log_statements(queries)
    assert len(statements) == 1 and "set_config" in statements[0]
    assert {r.patient_uuid for r in ReadEvent.objects.all()} == {p.uuid for p in patients}


@pytest.mark.django_db(transaction=True)
def test_synchronous_commit_can_be_kept_for_the_read_log(api, cast, case, settings):
    settings.READ_LOG_SYNCHRONOUS_COMMIT = True
    with CaptureQueriesContext(connection) as queries:
        assert api(cast.chair).get(reverse("api:case-detail", args=[case.uuid])).status_code == 200
    statements = _read_log_statements(queries)
    assert len(statements) == 1 and statements[0].startswith("INSERT INTO")
    assert ReadEvent.objects.filter(object_uuid=case.uuid).count() == 1


def test_inside_a_callers_transaction_the_insert_joins_it_unchanged(api, cast, case):
    """In an atomic block (here the test's own transaction) the caller's durability is kept:
    no SET LOCAL that would turn it off for the caller's writes too."""
    with CaptureQueriesContext(connection) as queries:
        assert api(cast.chair).get(reverse("api:case-detail", args=[case.uuid])).status_code == 200
    statements = _read_log_statements(queries)
    assert len(statements) == 1 and statements[0].startswith("INSERT INTO")


@pytest.mark.parametrize(
    ("status", "written"),
    [
        (200, True),
        (302, True),
        (400, True),  # a form re-shown with its errors shows the record
        (409, True),  # a conflict answered with the record as it is now
        (412, True),
        (401, False),
        (403, False),
        (404, False),
        (405, False),
        (410, False),
        (429, False),
        (500, False),
        (503, False),
    ],
)
def test_which_answers_write_the_noted_reads(rf, cast, status, written):
    from audit import reads

    request = rf.get("/")
    request.user = cast.chair
    reads.record(request, "case", patient=cast.patient.uuid, obj=cast.patient.uuid)
    assert reads.write(request, status) == int(written)
    assert ReadEvent.objects.filter(status=status).count() == int(written)


def test_a_summary_form_re_shown_with_its_errors_is_a_read(client_for, cast):
    """The review page answers 400 with the summary on it: the read is written, with the status,
    although the edit itself (a write, in the history) is not a read."""
    plan = signed_plan(CaseFactory(board=cast.board, patient=cast.patient), 1, chair=cast.chair)
    draft = summary_services.patient_summary_draft(plan=plan, by=cast.chair)
    before = ReadEvent.objects.count()
    response = client_for(cast.chair).post(
        reverse("patient-summary-edit", args=[draft.uuid]),
        {"title": "", "body": "", "version": draft.version},
    )
    assert response.status_code == 400
    rows = ReadEvent.objects.order_by("id")[before:]
    assert [(r.what, r.object_uuid, r.patient_uuid, r.status) for r in rows] == [
        ("patient_summary", draft.uuid, cast.patient.uuid, 400)
    ]
