"""API fuzzing: schemathesis sends requests generated from the OpenAPI schema to the app in-process.

Every operation of /api/schema/ is exercised as four users of the demo board: its coordinator
(every phase: explicit examples, the coverage phase's boundary and invalid values, fuzzing), its
chair and a specialist (radiation oncology, still blind to case 1's opinions) (examples and
fuzzing), and nobody (no token: everything is refused). They act on the demo data plus an
opinion, a prepared pre-meeting summary, invitations, a started meeting with a draft and a signed
plan, patient summaries (draft and released), a cancelled meeting and a standing schedule. For a
share of the generated requests, path parameters and references in the query and body (uuids of
cases, meetings, boards, patients and plans; usernames and user ids) are swapped for those of the
seeded records, so that requests get past the 404 and the "no such case" 400 and reach the
serializers and services.

Each request runs inside a savepoint that is rolled back afterwards: every request sees the same
seeded world, and none can leave the transaction broken for the next. Checks: no 5xx, the body
matches the documented response schema, the status code and the content type are documented ones.

The stateful phase (`test_api_workflows_never_fail`, as the chair and as the specialist) chains
calls along the links schemathesis infers between operations (a uuid in one answer is the path
parameter of the next call); the steps of a scenario see each other's writes, and the scenario is
rolled back at its end. It adds the stateful checks: a deleted resource is gone, a created one
can be read.

Generation is derandomized, so CI sends the same requests on every run. Deeper local runs:
FUZZ_MAX_EXAMPLES=200 FUZZ_STATEFUL_SCENARIOS=200 FUZZ_STATEFUL_STEPS=15.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
import zlib
from types import SimpleNamespace

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from cases.models import Case
from recommendations.decisions import services as decisions
from recommendations.models import ConsensusPlan
from recommendations.opinions import services
from recommendations.patient_summaries import services as patient_summary
from recommendations.summaries.preparation import summary_prepare
from scheduling import services as scheduling_services
from scheduling.models import AgendaItem, Attendance, Board, BoardMembership, Invitation, Meeting
from tumorboard import demo
from tumorboard.wsgi import application

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db]

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
# Per operation in the fuzzing phase (the coverage phase adds its own cases). CI runs the default;
# FUZZ_MAX_EXAMPLES=200 digs deeper locally.
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
# The stateful phase: scenarios per role, each a chain of up to STATEFUL_STEPS linked calls.
STATEFUL_SCENARIOS = int(os.environ.get("FUZZ_STATEFUL_SCENARIOS", "25"))
STATEFUL_STEPS = int(os.environ.get("FUZZ_STATEFUL_STEPS", "8"))

# Who the requests come from: demo users of the seeded board (a DRF token each). The specialist
# is radiation oncology, who has given no opinion on case 1: the blind-opinion rule hides its
# other opinions and its record from them until the meeting starts.
ROLES = {
    "coordinator": demo.COORDINATOR_USERNAME,
    "chair": "chair",
    "specialist": "radonc",
}


# --- the seeded world -------------------------------------------------------------------------


def _case(number: int) -> Case:
    return Case.objects.select_related("patient").get(patient__mrn=demo.mrn(number))


def _started_meeting(board: Board, cases: list[Case], *, by) -> Meeting:
    """A meeting that started ten minutes ago with `cases` on its agenda (written with the ORM:
    the scheduling services refuse to place a meeting in the past)."""
    now = timezone.now()
    meeting = Meeting.objects.create(
        board=board,
        starts_at=now - dt.timedelta(minutes=10),
        ends_at=now + dt.timedelta(minutes=50),
        status=Meeting.Status.IN_PROGRESS,
        created_by=by,
    )
    for position, case in enumerate(cases, 1):
        AgendaItem.objects.create(meeting=meeting, case=case, position=position, created_by=by)
        Case.objects.filter(pk=case.pk).update(status=Case.Status.SCHEDULED)
    return meeting


def seed_world() -> SimpleNamespace:
    """The demo board and its ten cases, plus a record of every kind the API addresses.

    Returns the coordinator's token, the seeded values for each path template
    (`path_parameters`) and the seeded values for each reference name (`references`).
    """
    demo.seed_demo()
    users = {user.username: user for user in get_user_model().objects.all()}
    coordinator, chair = users[demo.COORDINATOR_USERNAME], users["chair"]
    board = Board.objects.get(name=demo.BOARD_NAME)
    cases = {number: _case(number) for number in range(1, 11)}
    regular = cases[1].agenda_items.get().meeting
    urgent = cases[10].agenda_items.get().meeting

    # Before the regular meeting: an opinion, a prepared summary and the invitations.
    opinion = services.opinion_submit(
        case=cases[1],
        meeting=regular,
        author=users["surgeon"],
        options=["separation_surgery"],
        rationale="High-grade ESCC in a radioresistant primary: decompress, then SBRT.",
        confidence="high",
        urgency="urgent",
    )
    summary_prepare(cases[1].agenda_items.get().pk)
    scheduling_services.invite_members(meeting=regular, by=coordinator)

    # A started meeting: case 7 has a draft plan with an activity, case 8 a signed plan with a
    # released patient summary and a newer draft.
    started = _started_meeting(board, [cases[7], cases[8]], by=coordinator)
    for username in ("surgeon", "radonc", "chair", "coordinator"):
        Attendance.objects.create(
            meeting=started, user=users[username], mode=Attendance.Mode.IN_PERSON
        )
    record = decisions.decision_record_open(
        agenda_item=cases[7].agenda_items.get(meeting=started), by=chair
    )
    draft_activity = decisions.activity_add(
        plan=record.plan,
        by=chair,
        kind="radiation",
        description="SBRT to the lesion",
        details={"regimen": "24 Gy/2", "timing": "after_surgery"},
        responsible_discipline="radiation_oncology",
    )
    # The seed signed case 8's plan at last week's meeting (and released its summaries).
    signed = ConsensusPlan.objects.get(
        decision__agenda_item__case=cases[8], status=ConsensusPlan.Status.SIGNED
    )
    released = patient_summary.patient_summary_draft(plan=signed, by=coordinator)
    released = patient_summary.patient_summary_release(summary=released, by=chair)
    draft_summary = patient_summary.patient_summary_draft(plan=signed, by=coordinator)

    cancelled = scheduling_services.meeting_create(
        board=board,
        starts_at=regular.starts_at + dt.timedelta(days=14),
        ends_at=regular.ends_at + dt.timedelta(days=14),
        kind=Meeting.Kind.REGULAR,
        location="Spine MDT room",
        video_link="",
        by=coordinator,
    )
    scheduling_services.meeting_cancel(meeting=cancelled, by=coordinator, reason="Bank holiday.")
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
    scheduling_services.calendar_feed_token(user=coordinator)

    meetings = [regular, urgent, started, cancelled]
    items = list(
        AgendaItem.objects.filter(meeting__in=meetings)
        .select_related("meeting", "case")
        .order_by("meeting_id", "position")
    )
    agenda = [{"uuid": str(i.meeting.uuid), "case_uuid": str(i.case.uuid)} for i in items]
    lesions = [
        {"uuid": str(case.uuid), "lesion_id": lesion.pk}
        for case in cases.values()
        for lesion in case.lesions.all()
    ]
    plans = [record.plan, signed]
    activities = [draft_activity, *signed.activities.all()]
    # The coordinator's own invitation first: the others are not theirs to answer.
    invitations = sorted(
        Invitation.objects.filter(meeting=regular).values_list("pk", "user_id"),
        key=lambda row: (row[1] != coordinator.pk, row[0]),
    )
    members = BoardMembership.objects.filter(board=board).select_related("user")

    def uuids(objects) -> list[dict]:
        return [{"uuid": str(obj.uuid)} for obj in objects]

    path_parameters = {
        "/api/v1/activities/{uuid}/": uuids(activities),
        "/api/v1/boards/{uuid}/": uuids([board]),
        "/api/v1/boards/{uuid}/members/{user_id}/": [
            {"uuid": str(board.uuid), "user_id": m.user_id} for m in members
        ],
        "/api/v1/cases/{uuid}/": uuids(cases.values()),
        "/api/v1/cases/{uuid}/lesions/{lesion_id}/": lesions,
        "/api/v1/decisions/{uuid}/": uuids([record, signed.decision]),
        "/api/v1/invitations/{id}/": [{"id": pk} for pk, _user in invitations[:3]],
        "/api/v1/meetings/{uuid}/": uuids(meetings),
        "/api/v1/meetings/{uuid}/agenda/{case_uuid}/": agenda,
        "/api/v1/meetings/{uuid}/items/{case_uuid}/": agenda,
        "/api/v1/meetings/{uuid}/preparation/{case_uuid}/": agenda,
        "/api/v1/meetings/{uuid}/summaries/{case_uuid}/": agenda,
        "/api/v1/my/summaries/{uuid}/": uuids([released]),
        "/api/v1/opinions/{uuid}/": uuids([opinion]),
        "/api/v1/patient-summaries/{uuid}/": uuids([released, draft_summary]),
        "/api/v1/patients/{uuid}/": uuids(case.patient for case in cases.values()),
        "/api/v1/plans/{uuid}/": uuids(plans),
        "/api/v1/schedules/{id}/": [{"id": schedule.pk}],
    }
    references = {
        "case": [str(case.uuid) for case in cases.values()],
        "meeting": [str(meeting.uuid) for meeting in meetings],
        "board": [str(board.uuid)],
        "patient": [str(case.patient.uuid) for case in cases.values()],
        "plan": [str(plan.uuid) for plan in plans],
        # Lists of case uuids: a new meeting's cases, an agenda's new order.
        "cases": [[str(cases[9].uuid)], [str(cases[9].uuid), str(cases[5].uuid)]],
        "order": [
            [str(i.case.uuid) for i in items if i.meeting_id == meeting.pk][::step]
            for meeting in meetings
            for step in (1, -1)
        ],
        "member": [m.user.username for m in members],
        "responsible_user": [m.user.username for m in members],
        "user": [m.user_id for m in members],
    }
    tokens = {
        role: Token.objects.create(user=users[username]).key for role, username in ROLES.items()
    }
    # Each role answers its own invitation first: the others are not theirs to answer.
    own_invitations = {
        role: [
            {"id": pk}
            for pk, _user in sorted(
                invitations, key=lambda row: (row[1] != users[username].pk, row[0])
            )[:3]
        ]
        for role, username in ROLES.items()
    }
    # A case and a meeting named together (an opinion) should often be a case on that agenda.
    pairs = [{"meeting": item["uuid"], "case": item["case_uuid"]} for item in agenda]
    return SimpleNamespace(
        tokens=tokens,
        path_parameters=path_parameters,
        own_invitations=own_invitations,
        references=references,
        pairs=pairs,
    )


def _real_path_parameters(world: SimpleNamespace, path: str) -> list[dict]:
    """The seeded parameter sets for the longest template prefix of `path` that has some."""
    if path.startswith("/api/v1/invitations/{id}/") and _ROLE and _ROLE[0] in ROLES:
        return world.own_invitations[_ROLE[0]]
    best: list[dict] = []
    best_length = -1
    for prefix, options in world.path_parameters.items():
        if path.startswith(prefix) and len(prefix) > best_length:
            best, best_length = options, len(prefix)
    return best


# Loaded at collection, from the app itself (no server): one test per operation. Not through
# `schemathesis.pytest.from_fixture`: its lazy loader sets `Node._nodeid`, which pytest 9.2 removed.
# The schema is generated in-process (the endpoint is for signed-in users; generating reads nothing
# from the database) and the calls go to the WSGI application.
_RAW_SCHEMA = json.loads(
    OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
)


def _load(config: SchemathesisConfig | None = None):
    loaded = schemathesis.openapi.from_dict(_RAW_SCHEMA, config=config)
    loaded.app = application
    loaded.location = "/api/schema/"
    return loaded


# As the coordinator: every phase (explicit examples, the coverage phase's boundary and invalid
# values, random fuzzing).
schema = _load()
# As the other roles: explicit examples and fuzzing. The coverage phase's boundary values test the
# input checks, which do not depend on who asks, and it is the longest phase by far.
role_schema = _load(SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}}))
# The seeded world of the running module, for the generation hooks below (set by `fuzz_world`),
# and the role the running test acts as (set by `acting_as`).
_WORLD: list[SimpleNamespace] = []
_ROLE: list[str] = []


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker):
    """Seed once for the module, inside a transaction rolled back at the end (as Django's
    TestCase.setUpClass does); each request then runs in its own savepoint (see the test).

    Module scope, not pytest-django's function-scoped `db`: Hypothesis calls the test once per
    generated request, and the seed is shared by all of them.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        world = seed_world()
        # Like Django's test client: a request must not close the connection of the transaction.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        _WORLD.append(world)
        try:
            yield world
        finally:
            _WORLD.clear()
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
            transaction.set_rollback(True)


# --- fuzzing phase: half of the draws use seeded values -------------------------------------


def _kept_or_seeded(value, options: list):
    return st.one_of(st.sampled_from(options), st.just(value))


def _with_references(values):
    """A strategy: `values` (query or body) with each reference kept or swapped for a seeded one."""
    if not _WORLD or not isinstance(values, dict):
        return st.just(values)
    references = _WORLD[0].references
    keys = [key for key in values if key in references]
    if not keys:
        return st.just(values)
    swaps = st.fixed_dictionaries(
        {key: _kept_or_seeded(values[key], references[key]) for key in keys}
    )
    if {"case", "meeting"} <= set(keys):
        swaps = st.one_of(swaps, st.sampled_from(_WORLD[0].pairs))
    return swaps.map(lambda swapped: {**values, **swapped})


def seeded_path_parameters(context, path_parameters):
    options = _real_path_parameters(_WORLD[0], context.operation.path) if _WORLD else []
    if not options or not path_parameters:
        return st.just(path_parameters)
    return _kept_or_seeded(None, options).map(
        lambda chosen: path_parameters if chosen is None else {**path_parameters, **chosen}
    )


def seeded_query(context, query):
    return _with_references(query)


def seeded_body(context, body):
    return _with_references(body)


for _schema in (schema, role_schema):
    _schema.hook("flatmap_path_parameters")(seeded_path_parameters)
    _schema.hook("flatmap_query")(seeded_query)
    _schema.hook("flatmap_body")(seeded_body)


# --- coverage phase: the hooks do not run there, so the test aims its cases -----------------


def _pick(options: list, salt: str):
    return options[zlib.crc32(salt.encode()) % len(options)]


def _is_uuid(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _well_formed(value, options: list) -> bool:
    """Whether `value` has the shape of the seeded options (so it is not what the case tests)."""
    sample = options[0]
    if isinstance(sample, list):
        return isinstance(value, list) and all(_is_uuid(item) for item in value)
    if isinstance(sample, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if _is_uuid(sample):
        return _is_uuid(value)
    return isinstance(value, str) and 0 < len(value) <= 150


def _aim_references(world: SimpleNamespace, values, salt: str, tested: str):
    if not isinstance(values, dict):
        return values
    aimed = {
        key: _pick(world.references[key], salt)
        if key in world.references
        and _well_formed(value, world.references[key])
        and not re.search(rf"/{re.escape(key)}(/|$)", tested)
        else value
        for key, value in values.items()
    }
    if all(aimed.get(key) in world.references[key] for key in ("case", "meeting")):
        aimed.update(_pick(world.pairs, salt))
    return aimed


def _aim_coverage_case(world: SimpleNamespace, case) -> None:
    """Point a coverage-phase case at seeded records, except the part the case is testing.

    Coverage cases would otherwise all end at a 404 or at a 400 for an unknown case. A seeded
    value is picked by the case's description, so every run sends the same requests.
    """
    phase = case.meta.phase if case.meta is not None else None
    if phase is None or phase.name != TestPhase.COVERAGE:
        return
    salt, tested = phase.data.description, phase.data.location or ""
    options = _real_path_parameters(world, case.operation.path)
    if options and case.path_parameters and phase.data.parameter_location != ParameterLocation.PATH:
        case.path_parameters = {**case.path_parameters, **_pick(options, salt)}
    if isinstance(case.query, dict) and case.query:
        case.query = _aim_references(world, case.query, salt, tested)
    if isinstance(case.body, dict):
        case.body = _aim_references(world, case.body, salt, tested)


@pytest.fixture
def acting_as(request, fuzz_world):
    """The role of the running test (its name ends with it), for the generation hooks."""
    role = request.node.name.split("[")[0].rsplit("_as_", 1)[1]
    _ROLE.append(role)
    yield role
    _ROLE.clear()


def _headers(world: SimpleNamespace, role: str) -> dict[str, str]:
    return {"Authorization": f"Token {world.tokens[role]}"} if role in world.tokens else {}


def _fuzz(case, world: SimpleNamespace, role: str) -> None:
    _aim_coverage_case(world, case)
    with transaction.atomic():
        try:
            response = case.call(headers=_headers(world, role))
        finally:
            transaction.set_rollback(True)
    case.validate_response(response, checks=CHECKS)


# `acting_as` only names the role for the generation hooks: nothing in it needs resetting
# between the generated requests.
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_conforms_to_its_schema_and_never_fails_as_coordinator(case, fuzz_world, acting_as):
    _fuzz(case, fuzz_world, acting_as)


@role_schema.parametrize()
@FUZZ_SETTINGS
def test_api_conforms_to_its_schema_and_never_fails_as_chair(case, fuzz_world, acting_as):
    _fuzz(case, fuzz_world, acting_as)


@role_schema.parametrize()
@FUZZ_SETTINGS
def test_api_conforms_to_its_schema_and_never_fails_as_specialist(case, fuzz_world, acting_as):
    _fuzz(case, fuzz_world, acting_as)


@role_schema.parametrize()
@settings(FUZZ_SETTINGS, max_examples=3)
def test_api_conforms_to_its_schema_and_never_fails_as_anonymous(case, fuzz_world, acting_as):
    """Without a token every operation is refused (documented 403), whatever the input."""
    _fuzz(case, fuzz_world, acting_as)


# --- stateful phase: chains of calls, each fed by what the previous one answered -------------

# Links between operations are inferred by schemathesis from the schema (response fields and
# path parameters with the same names, e.g. POST /patients/ -> GET /patients/{uuid}/).
StatefulBase = schema.as_state_machine()


class Workflows(StatefulBase):  # type: ignore[misc, valid-type]
    """Each scenario runs in a savepoint rolled back at its end: the steps of one scenario see
    each other's writes, the next scenario starts from the seeded world again."""

    role = ""

    def setup(self) -> None:
        self._scenario = transaction.atomic()
        self._scenario.__enter__()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._scenario.__exit__(None, None, None)

    def get_call_kwargs(self, case) -> dict:
        return {"headers": _headers(_WORLD[0], self.role)}

    def call(self, case, **kwargs):
        # A savepoint per step: a refused write leaves the scenario's transaction usable.
        with transaction.atomic():
            return case.call(**kwargs)

    def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
        case.validate_response(
            response,
            checks=[*CHECKS, use_after_free, ensure_resource_availability],
            recorder=self.recorder,
        )


@pytest.mark.parametrize("role", ["chair", "specialist"])
def test_api_workflows_never_fail(fuzz_world, role):
    _ROLE.append(role)
    try:
        type(f"WorkflowsAs{role.title()}", (Workflows,), {"role": role}).run(
            settings=settings(
                max_examples=STATEFUL_SCENARIOS,
                stateful_step_count=STATEFUL_STEPS,
                derandomize=True,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
        )
    finally:
        _ROLE.clear()
