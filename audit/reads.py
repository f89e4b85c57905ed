"""Recording reads of patient data: one cheap call where a view has shown it.

    from audit import reads
    reads.record(request, "case", patient=case.patient.uuid, obj=case.uuid)

`record` only notes the read on the request (no query). `ReadLogMiddleware` writes the notes of a
request in one INSERT after the view has answered, with the answer's status, unless the answer was
a refusal or a failure (`shows_nothing`: 401, 403, 404, 405, 410, 429, 5xx), which showed nothing.
Other 4xx answers are written: a form re-shown with its errors (400) or a conflict answered with
the record as it is now (409, 412) shows the data the view noted. Pass
ids the view has already loaded (`case.patient.uuid` with the patient selected with the case), so
recording adds no SELECT.

A view that shows several patients (a meeting's agenda) calls `record_many`: one row per patient,
the rows of a request sharing its `request_id`. Which URL names must record is listed in
`audit.registry` (a test fails on a view that is in neither list).
"""

from __future__ import annotations

import functools
import ipaddress
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.http import HttpRequest

from tumorboard.roles import user_roles

from .models import ReadEvent

_PENDING = "_audit_reads"
USER_AGENT_LENGTH = ReadEvent._meta.get_field("user_agent").max_length

Id = uuid.UUID | str | None


def _django_request(request) -> HttpRequest:
    # A DRF Request wraps the HttpRequest the middleware sees.
    return getattr(request, "_request", request)


def _as_uuid(value: Id) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def record(request, what: str, *, patient: Id = None, obj: Id = None) -> None:
    """Note that this request shows `what` (a record kind: "case", "plan", ...) with public id
    `obj`, belonging to the patient with public id `patient`."""
    record_many(request, what, [(patient, obj)])


def record_many(request, what: str, reads: Iterable[tuple[Id, Id]]) -> None:
    """Note several reads of one kind: (patient, obj) public-id pairs."""
    pending = _django_request(request).__dict__.setdefault(_PENDING, [])
    pending.extend((what, _as_uuid(patient), _as_uuid(obj)) for patient, obj in reads)


def pending(request) -> list[tuple[str, uuid.UUID | None, uuid.UUID | None]]:
    return list(_django_request(request).__dict__.get(_PENDING, ()))


def client_ip(request: HttpRequest) -> str | None:
    """The reader's address. Behind the TLS proxy (BEHIND_TLS_PROXY) it is the last address of
    X-Forwarded-For, the one the proxy appended (earlier ones are whatever the client sent)."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_TLS_PROXY:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if hops:
            address = hops[-1]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


# Answers that show nothing of what the view noted: refusals and failures.
_SHOWS_NOTHING = frozenset({401, 403, 404, 405, 410, 429})


def shows_nothing(status: int) -> bool:
    return status in _SHOWS_NOTHING or status >= 500


def write(request: HttpRequest, status: int) -> int:
    """Write the request's noted reads in one INSERT; returns how many rows. Called by the
    middleware once the view has answered."""
    noted = request.__dict__.pop(_PENDING, None)
    if not noted or shows_nothing(status) or not settings.READ_LOG_ENABLED:
        return 0
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    match = request.resolver_match
    common = {
        "request_id": uuid.uuid4(),
        "user_id": user.pk if signed_in else None,
        "username": user.get_username() if signed_in else "",
        "roles": ",".join(sorted(user_roles(user))) if signed_in else "",
        "view_name": (match.view_name if match else "")[:100],
        "method": request.method or "",
        "status": status,
        "client_ip": client_ip(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH],
    }
    unique = dict.fromkeys(noted)  # a page that shows a record twice read it once
    rows = [ReadEvent(what=what, patient_uuid=p, object_uuid=o, **common) for what, p, o in unique]
    _insert(rows)
    return len(rows)


def asynchronous_commit() -> bool:
    """Whether the read log's INSERT commits without waiting for its WAL flush.

    A logged GET commits one write: the read entry. With `READ_LOG_SYNCHRONOUS_COMMIT` false (the
    default) that commit does not wait for the WAL flush: the INSERT, run on its own outside any
    transaction, sets `synchronous_commit` off for its own implicit transaction (`set_config(...,
    true)` in the statement, so still one round trip). PostgreSQL still writes the row to the WAL
    in order and never corrupts or reorders anything, but a crash of the database server (not of
    the app) can lose the read entries of its last moments (at most three times
    `wal_writer_delay`, 0.6 s by default). Clinical writes are untouched: the setting ends with
    the read entry's own transaction, and inside a caller's transaction (an `atomic` block) the
    INSERT joins it unchanged, so that transaction keeps its durability."""
    return (
        not settings.READ_LOG_SYNCHRONOUS_COMMIT
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


_FIELDS = [f for f in ReadEvent._meta.concrete_fields if not f.primary_key]


def _insert(rows: list[ReadEvent]) -> None:
    if asynchronous_commit():
        _insert_asynchronously(rows)
    elif len(rows) == 1:
        # One INSERT: bulk_create would wrap even one row in BEGIN … COMMIT (three round trips).
        rows[0].save(force_insert=True)
    else:
        ReadEvent.objects.bulk_create(rows)  # one INSERT, in a transaction of its own


def _insert_asynchronously(rows: list[ReadEvent]) -> None:
    """One statement, its own implicit transaction, committed with synchronous_commit off.

    The values go through a VALUES list with each column's type cast (a VALUES list in a SELECT
    does not take its types from the target table); the one-time filter sets the commit mode."""
    db = connections[DEFAULT_DB_ALIAS]  # the `connection` proxy costs a lookup per attribute
    params = [f.get_db_prep_save(f.pre_save(obj, add=True), db) for obj in rows for f in _FIELDS]
    with db.cursor() as cursor:
        cursor.execute(_asynchronous_insert_sql(len(rows)), params)


@functools.cache
def _asynchronous_insert_sql(rows: int) -> str:
    db = connections[DEFAULT_DB_ALIAS]
    columns = ", ".join(db.ops.quote_name(f.column) for f in _FIELDS)
    row = "(" + ", ".join(f"%s::{f.db_type(db)}" for f in _FIELDS) + ")"
    # Built from the model's own table and column names only; every value is a parameter.
    return (
        f"INSERT INTO {db.ops.quote_name(ReadEvent._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT * FROM (VALUES {', '.join([row] * rows)}) AS v "
        "WHERE set_config('synchronous_commit', 'off', true) = 'off'"
    )
