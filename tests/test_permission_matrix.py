"""The permission matrix (tests/permission_matrix.py), checked request by request.

- Every URL the app serves has a row for each HTTP method it answers, and every row is still
  served: adding an endpoint without deciding who may use it fails here, listing what is missing.
- Each (url name, method, role) of the table is one test: the request is sent as that role and
  the response must be of the class the cell names (see the vocabulary in permission_matrix.py).

The records the requests address are built once for the module inside a transaction that is
rolled back at the end; each test runs in a savepoint of its own (the normal `db` fixture), so a
write never reaches the next test.
"""

from __future__ import annotations

import datetime as dt
import inspect
import io
import re
import tempfile
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

import conftest as repo_conftest  # the repository's fixed cast of users (root conftest.py)
from cases import services as case_services
from cases.models import Case
from recommendations.decisions import services as decisions
from recommendations.models import FhirMeetingExport
from recommendations.opinions import services as opinion_services
from recommendations.outcomes import services as outcome_services
from recommendations.patient_summaries import services as ps
from recommendations.summaries.preparation import summary_prepare
from scheduling import services as scheduling_services
from scheduling.models import AgendaItem, Invitation, Meeting
from tests import attachment_files
from tests.factories import (
    AgendaItemFactory,
    BoardFactory,
    CaseFactory,
    LesionFactory,
    MeetingFactory,
    PriorTreatmentFactory,
    UserFactory,
)
from tests.permission_matrix import MATRIX, ROLES, Expect
from tests.plans import signed_plan
from tumorboard import roles

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Refusals of the input or of the record's state: the permission check was passed.
INPUT_REFUSALS = frozenset({400, 409, 412, 428})
# Not the app's own endpoints: Django's admin, and static files if a setting ever serves them.
SKIPPED_NAMESPACES = frozenset({"admin", "djdt"})
SKIPPED_VIEWS = frozenset({"django.views.static.serve"})


# --- what the app serves ----------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    """One named URL: its route, path parameters and the methods its view answers."""

    name: str
    route: str
    params: tuple[str, ...]
    methods: frozenset[str]
    is_api: bool


def _view_methods(callback) -> frozenset[str]:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:  # Django and DRF class-based views: their handler methods
        allowed = {method.upper() for method in view_class.http_method_names}
        return frozenset(m for m in HTTP_METHODS if m in allowed and hasattr(view_class, m.lower()))
    # Function views: the list given to require_http_methods / require_GET / require_POST, found
    # in the closure of the decorator's wrapper, anywhere down the chain of decorators.
    func = callback
    while func is not None:
        code = getattr(func, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = func.__closure__[code.co_freevars.index("request_method_list")]
            return frozenset(m for m in HTTP_METHODS if m in cell.cell_contents)
        func = getattr(func, "__wrapped__", None)
    # A function view without a method decorator answers any method: GET, and POST when its
    # code reads the posted form.
    source = inspect.getsource(inspect.unwrap(callback))
    posts = "request.POST" in source or '"POST"' in source
    return frozenset({"GET", "POST"} if posts else {"GET"})


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES or entry.app_name in SKIPPED_NAMESPACES:
                continue
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            view = entry.callback
            if f"{view.__module__}.{view.__qualname__}" not in SKIPPED_VIEWS:
                yield prefix + str(entry.pattern), namespace, entry


def served_endpoints() -> tuple[dict[str, Served], list[str]]:
    """Every named URL of the app (admin excluded), and the routes that have no name."""
    served: dict[str, Served] = {}
    unnamed: list[str] = []
    for route, namespace, pattern in _walk(get_resolver().url_patterns):
        if not pattern.name:
            unnamed.append(route)
            continue
        name = namespace + pattern.name
        view_class = getattr(pattern.callback, "view_class", None)
        served[name] = Served(
            name=name,
            route=route,
            params=tuple(getattr(pattern.pattern, "converters", {})),
            methods=_view_methods(pattern.callback),
            is_api=view_class is not None and hasattr(view_class, "permission_classes"),
        )
    return served, unnamed


def test_every_served_endpoint_and_method_has_a_row_in_the_matrix():
    served, unnamed = served_endpoints()
    missing = sorted(
        f"{name} {method}"
        for name, endpoint in served.items()
        for method in endpoint.methods
        if (name, method) not in MATRIX
    )
    assert unnamed == [], "URL patterns without a name cannot be in the permission matrix"
    assert missing == [], (
        "Endpoints without a row in tests/permission_matrix.py (decide who may use them): "
        + ", ".join(missing)
    )


def test_every_row_of_the_matrix_is_still_served():
    served, _unnamed = served_endpoints()
    gone = sorted(
        f"{name} {method}"
        for name, method in MATRIX
        if name not in served or method not in served[name].methods
    )
    assert gone == [], "Rows of tests/permission_matrix.py for endpoints no longer served: " + (
        ", ".join(gone)
    )


def test_the_method_finder_sees_decorators_and_class_views():
    """The "missing row" check is only as good as this: it must find the methods, or fail."""
    served, _unnamed = served_endpoints()
    assert served["case-transition"].methods == {"POST"}  # require_POST under staff_required
    assert served["meeting-packet"].methods == {"GET"}  # require_GET under staff_required
    assert served["patient-summary-link-open"].methods == {"GET", "POST"}
    assert served["api:case-detail"].methods == {"GET", "PATCH"}
    assert served["api:case-detail"].is_api and not served["case-detail"].is_api
    assert served["case-list"].methods == {"GET"}  # a plain view that reads no form
    assert served["case-create"].methods == {"GET", "POST"}  # a plain view that reads one
    assert served["logout"].methods == {"POST"}


# --- the records the requests address ---------------------------------------------------------


def _build_world() -> SimpleNamespace:
    board = BoardFactory(name="Spine Oncology Board")
    other_board = BoardFactory(name="Other Hospital Board")
    # The repository's `cast` fixture, called once for the module (a fixture is per test).
    cast = repo_conftest.cast.__wrapped__(db=None, board=board, other_board=other_board)
    coordinator, chair, surgeon = cast.coordinator, cast.chair, cast.surgeon
    now = timezone.now()

    # The upcoming meeting: the patient's case, invitations, the surgeon's opinion, a summary.
    case = CaseFactory(board=board, patient=cast.patient, status=Case.Status.SCHEDULED)
    lesion = LesionFactory(case=case)
    prior_treatment = PriorTreatmentFactory(case=case)
    attachment = case_services.attachment_add(
        case=case,
        by=coordinator,
        upload=io.BytesIO(attachment_files.dicom_bytes()),
        name="spine.dcm",
        kind="mri",
    )
    case_services.attachment_previews_make(attachment_id=attachment.pk)
    meeting = MeetingFactory(board=board)
    item = AgendaItemFactory(meeting=meeting, case=case, position=1)
    scheduling_services.invite_members(meeting=meeting, by=coordinator)
    invitation = Invitation.objects.get(meeting=meeting, user=surgeon)
    opinion = opinion_services.opinion_submit(
        case=case,
        meeting=meeting,
        author=surgeon,
        options=["separation_surgery"],
        rationale="High-grade ESCC in a radioresistant primary: decompress, then SBRT.",
        confidence="high",
        urgency="urgent",
    )
    summary_prepare(item.pk)

    # A started meeting: a draft plan with an activity (position 1), a signed plan (position 2).
    started = Meeting.objects.create(
        board=board,
        starts_at=now - dt.timedelta(minutes=10),
        ends_at=now + dt.timedelta(minutes=50),
        status=Meeting.Status.IN_PROGRESS,
        created_by=coordinator,
    )
    draft_case = CaseFactory(board=board, status=Case.Status.SCHEDULED)
    LesionFactory(case=draft_case)
    draft_item = AgendaItem.objects.create(
        meeting=started, case=draft_case, position=1, created_by=coordinator
    )
    record = decisions.decision_record_open(agenda_item=draft_item, by=chair)
    activity = decisions.activity_add(
        plan=record.plan,
        by=chair,
        kind="radiation",
        description="SBRT to the lesion",
        details={"regimen": "24 Gy/2", "timing": "after_surgery"},
        responsible_discipline="radiation_oncology",
    )
    signed_case = CaseFactory(board=board, patient=cast.patient, status=Case.Status.SCHEDULED)
    LesionFactory(case=signed_case)
    AgendaItem.objects.create(meeting=started, case=signed_case, position=2, created_by=coordinator)
    signed = signed_plan(signed_case, 8, chair=chair)
    released = ps.patient_summary_release(
        summary=ps.patient_summary_draft(plan=signed, by=coordinator), by=chair
    )
    draft_summary = ps.patient_summary_draft(plan=signed, by=coordinator)
    link_token = ps.access_link_create(summary=released, by=chair)
    follow_up = outcome_services.follow_ups_schedule(
        plan=signed, treatment_date=timezone.localdate() - dt.timedelta(days=30), by=chair
    )[0]

    schedule = scheduling_services.board_schedule_create(
        board=board,
        frequency="weekly",
        weekday=1,
        time_zone="Europe/London",
        local_start_time=dt.time(7, 30),
        duration_minutes=60,
        starts_on=timezone.localdate() + dt.timedelta(days=30),
        by=coordinator,
    )
    feed_token = scheduling_services.calendar_feed_token(user=coordinator).token

    users = {
        "coordinator": coordinator,
        "chair": chair,
        **cast.specialists,
        "patient": cast.patient_user,
        "outsider": cast.outsider,
        "stranger": cast.stranger,
        "privacy_officer": UserFactory(username="privacy", roles=[roles.PRIVACY_OFFICER]),
        "anonymous": None,
    }
    assert set(users) == set(ROLES)
    # One signed-in session per role, made once (each test's writes to it are rolled back).
    sessions = {}
    for role, user in users.items():
        if user is not None:
            client = Client()
            client.force_login(user)
            sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return SimpleNamespace(
        users=users,
        sessions=sessions,
        board=board,
        surgeon=surgeon,
        patient=cast.patient,
        case=case,
        lesion=lesion,
        prior_treatment=prior_treatment,
        attachment=attachment,
        meeting=meeting,
        invitation=invitation,
        opinion=opinion,
        started=started,
        draft_case=draft_case,
        decision=record,
        plan=record.plan,
        activity=activity,
        signed_plan=signed,
        released=released,
        draft_summary=draft_summary,
        link_token=link_token,
        schedule=schedule,
        feed_token=feed_token,
        follow_up=follow_up,
        fhir_export=FhirMeetingExport.objects.create(meeting=meeting),
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The records, committed to nothing: one transaction around the module, rolled back."""
    md5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The attachment's files, in a folder of this module's run.
    folder = tempfile.TemporaryDirectory()
    storages = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder.name, "base_url": None},
        },
    }
    with override_settings(STORAGES=storages), folder:
        with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=md5):
            outer = transaction.atomic()
            outer.__enter__()
            try:
                built = _build_world()
            except BaseException:
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)
                raise
        yield built
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- which record each URL addresses ----------------------------------------------------------

# Names that work on the started meeting (its case at position 1 has the draft plan).
ON_STARTED_MEETING = frozenset(
    {
        "meeting-run",
        "meeting-run-attendance",
        "meeting-run-attendance-all",
        "meeting-run-open",
        "meeting-run-record",
        "meeting-run-plan",
        "meeting-run-dissent",
        "meeting-run-sign",
        "api:meeting-board",
        "api:decision-open",
    }
)
# Names that need the signed plan (amendments, the patient summary screens).
ON_SIGNED_PLAN = frozenset(
    {
        "plan-amend",
        "api:plan-amendments",
        "plan-send-back",
        "api:plan-send-back",
        "plan-patient-summary",
        "patient-summary-draft",
        "api:plan-patient-summaries",
    }
)
# Names that act on the released patient summary (links); the others use the draft.
ON_RELEASED_SUMMARY = frozenset(
    {"my-summary-detail", "my-summary-pdf", "patient-summary-link", "api:patient-summary-links"}
)


def _segment_before(route: str, param: str) -> str:
    """The path segment naming the record of `param`: "meetings" in meetings/<uuid:uuid>/."""
    segments = route.split("/")
    for index, segment in enumerate(segments):
        if re.search(rf"<(\w+:)?{param}>", segment):
            return segments[index - 1] if index else ""
    return ""


def path_kwargs(endpoint: Served, w: SimpleNamespace) -> dict:
    name = endpoint.name
    meeting = w.started if name in ON_STARTED_MEETING else w.meeting
    plan = w.signed_plan if name in ON_SIGNED_PLAN else w.plan
    summary = w.released if name in ON_RELEASED_SUMMARY else w.draft_summary
    by_segment = {
        "uuid": {
            "cases": w.case.uuid,
            "patients": w.patient.uuid,
            "meetings": meeting.uuid,
            "boards": w.board.uuid,
            "plans": plan.uuid,
            "decisions": w.decision.uuid,
            "activities": w.activity.uuid,
            "opinions": w.opinion.uuid,
            "patient-summaries": summary.uuid,
            "summaries": w.released.uuid,  # my/summaries/<uuid>/: the patient's own
            "follow-ups": w.follow_up.uuid,
            "meeting-exports": w.fhir_export.uuid,
        },
        "pk": {"schedules": w.schedule.pk, "invitations": w.invitation.pk},
        # The password-reset link's token follows its <uidb64>: a wrong one (the page says so).
        "token": {
            "calendar": w.feed_token,
            "s": w.link_token,
            "join": w.link_token,
            "<uidb64>": "set-password",
        },
    }
    fixed = {
        "meeting_uuid": meeting.uuid,
        "case_uuid": (w.draft_case if meeting is w.started else w.case).uuid,
        "plan_uuid": plan.uuid,
        "patient_uuid": w.patient.uuid,
        "summary_uuid": summary.uuid,
        "activity_uuid": w.activity.uuid,
        "follow_up_uuid": w.follow_up.uuid,
        "board_uuid": w.board.uuid,
        "lesion_id": w.lesion.pk,
        "attachment_uuid": w.attachment.uuid,
        "preset": "default",
        "treatment_id": w.prior_treatment.pk,
        "schedule_id": w.schedule.pk,
        "invitation_id": w.invitation.pk,
        "user_id": w.surgeon.pk,
        "position": 1,
        "state": "ready",
        "uidb64": "MQ",
    }
    kwargs = {}
    for param in endpoint.params:
        if param in by_segment:
            value = by_segment[param].get(_segment_before(endpoint.route, param))
        else:
            value = fixed.get(param)
        if value is None:
            pytest.fail(f"{name}: no record for the path parameter {param!r}; add one here")
        kwargs[param] = value
    return kwargs


# Views that validate the body before the permission is checked (in the service): a valid body,
# so the request reaches the check and a refusal is a 403, not a 400 that would pass as "ok".
BODIES = {
    ("api:meeting-list", "POST"): lambda w: {
        "board": str(w.board.uuid),
        "starts_at": (timezone.localdate() + dt.timedelta(days=9)).isoformat() + "T08:00",
        "ends_at": (timezone.localdate() + dt.timedelta(days=9)).isoformat() + "T09:00",
        "location": "Spine MDT room",
    },
    ("api:invitation-respond", "POST"): lambda w: {"response": "accepted"},
    ("case-patient-invite", "POST"): lambda w: {"email": "patient@example.org"},
    ("case-patient-link", "POST"): lambda w: {"account": "patient"},
    ("api:case-patient-invitations", "POST"): lambda w: {"email": "patient@example.org"},
    ("api:case-patient-account", "POST"): lambda w: {"account": "patient"},
    ("api:opinion-list", "POST"): lambda w: {
        "case": str(w.case.uuid),
        "meeting": str(w.meeting.uuid),
        "options": ["separation_surgery"],
        "rationale": "Decompress first.",
        "confidence": "high",
    },
    ("api:opinion-detail", "PATCH"): lambda w: {"revision": 1},
    ("api:plan-amendments", "POST"): lambda w: {"reason": "The patient asked to start later."},
    ("api:plan-send-back", "POST"): lambda w: {"trigger": "progression", "detail": "New lesion"},
    ("api:activity-status", "POST"): lambda w: {"status": "in_progress"},
}
QUERIES = {
    ("api:opinion-list", "GET"): lambda w: {"case": w.case.uuid, "meeting": w.meeting.uuid},
}


# --- the matrix, cell by cell -----------------------------------------------------------------


def _to_login(response) -> bool:
    return response.status_code in (301, 302, 303, 307, 308) and (
        urlsplit(response["Location"]).path == reverse("login")
    )


def matches(expect: Expect, response) -> bool:
    code = response.status_code
    if code >= 500:
        return False
    if expect is Expect.OK:
        return (code < 400 and not _to_login(response)) or code in INPUT_REFUSALS
    if expect is Expect.DENY_403:
        return code == 403
    if expect is Expect.DENY_404:
        return code == 404
    if expect is Expect.LOGIN:
        return _to_login(response)
    return code in (401, 403)  # Expect.ANON


def _send(endpoint: Served, method: str, role: str, w: SimpleNamespace):
    user = w.users[role]
    url = reverse(endpoint.name, kwargs=path_kwargs(endpoint, w))
    query = QUERIES.get((endpoint.name, method), lambda w: {})(w)
    if endpoint.is_api:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        body = BODIES.get((endpoint.name, method), lambda w: {})(w)
        if method == "GET":
            return client.get(url, query)
        return getattr(client, method.lower())(url, body, format="json")
    client = Client()
    if user is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = w.sessions[role]
    if method == "GET":
        return client.get(url, query)
    return getattr(client, method.lower())(url, {})


CELLS = [(name, method, role) for (name, method) in MATRIX for role in ROLES]


@pytest.fixture(scope="module")
def endpoints() -> dict[str, Served]:
    return served_endpoints()[0]


@pytest.mark.parametrize(
    ("name", "method", "role"), CELLS, ids=[f"{n} {m} {r}" for n, m, r in CELLS]
)
def test_permission(world, endpoints, db, name, method, role):
    if name not in endpoints:
        pytest.fail(f"{name} is in the permission matrix but no longer served")
    expect = MATRIX[(name, method)][role]
    response = _send(endpoints[name], method, role, world)
    assert matches(expect, response), (
        f"{method} {name} as {role}: expected {expect.value}, got {response.status_code} "
        + _said(response)
    )


def _said(response) -> str:
    """Where a redirect goes, or the start of a JSON answer (an HTML page says little here)."""
    if response.has_header("Location"):
        return f"→ {response['Location']}"
    if response.streaming or "json" not in response.get("Content-Type", ""):
        return ""
    return response.content[:200].decode(errors="replace")


# --- the secret tokens are checked ------------------------------------------------------------


def test_a_wrong_calendar_feed_token_is_a_404(world, db):
    response = Client().get(reverse("calendar-feed", kwargs={"token": "not-a-token"}))
    assert response.status_code == 404
    right = Client().get(reverse("calendar-feed", kwargs={"token": world.feed_token}))
    assert right.status_code == 200


def test_a_wrong_summary_link_token_is_a_404(world, db):
    for method in ("get", "post"):
        response = getattr(Client(), method)(
            reverse("patient-summary-link-open", kwargs={"token": "not-a-token"})
        )
        assert response.status_code == 404
    right = Client().get(reverse("patient-summary-link-open", kwargs={"token": world.link_token}))
    assert right.status_code == 200
