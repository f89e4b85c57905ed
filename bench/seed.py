"""Seed a benchmark database with N fictional cases, fast (server-side INSERT … SELECT).

    .venv/bin/python bench/seed.py --db tb_bench_10k --port 5432 [--host 127.0.0.1] [--cases 10000]
    .venv/bin/python bench/seed.py --db tb_bench_10k --port 5432 --drop

1. Creates the database if it is absent and records that this script created it (a one-row table
   `bench_seed_marker` inside it). It seeds only into a database it created, and `--drop` drops only
   such a database: a database it did not create is never written to or dropped.
2. Runs `migrate` and `seed_demo` (the demo board, its members, ten cases, two meetings).
3. Adds two more boards and a bench coordinator on all three (`bench-coordinator` /
   `bench-pass-2026`, public: a bench database only) with an API token.
4. Inserts the missing cases up to N in batches of one statement each: patients, their cases (60% on
   the demo board; statuses, urgencies, primaries, performance status spread like a real list),
   1–3 lesions per case and a prior radiation for one case in five. Columns the script does not set
   get their model default, so a column added later does not break it.
5. Puts 40 ready cases of the demo board on a "bench" meeting's agenda, with an opinion from each
   specialist of the board on 30 of them, then ANALYZEs. If the project has a
   `cases_refresh_assessments` command (stored decision support), it runs it unless --skip-derived.

Running it again with the same N does nothing; a larger N adds the difference.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
MARKER_TABLE = "bench_seed_marker"
# The seeding process and the server under test must share it: sessions are signed with it.
SECRET_KEY = "bench-only-" + "k" * 60
BENCH_USERNAME = "bench-coordinator"
BENCH_PASSWORD = "bench-pass-2026"  # public on purpose: a throwaway bench database only
BENCH_BOARDS = ("Bench Board North", "Bench Board South")
MRN_PREFIX = "BENCH"
MEETING_LOCATION = "Bench meeting room"
MEETING_CASES = 40
OPINION_CASES = 30
DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

GIVEN = [
    "Alex",
    "Ana",
    "Ben",
    "Carla",
    "Dan",
    "Eva",
    "Femi",
    "Grace",
    "Hugo",
    "Ines",
    "Jon",
    "Kim",
    "Lena",
    "Marco",
    "Nora",
    "Omar",
    "Pia",
    "Raj",
    "Sara",
    "Tom",
    "Uma",
    "Vera",
    "Will",
    "Yara",
    "Zoe",
    "Ada",
    "Ivo",
    "Lars",
    "Mina",
    "Noel",
]
ROOTS = [
    "Ander",
    "Bel",
    "Car",
    "Dal",
    "Ell",
    "Fer",
    "Gar",
    "Hal",
    "Ing",
    "Jen",
    "Kel",
    "Lam",
    "Mor",
    "Nor",
    "Ost",
    "Par",
    "Quin",
    "Ros",
    "Sal",
    "Tor",
    "Ulm",
    "Var",
    "Wes",
    "Yor",
    "Zan",
    "Ash",
    "Brook",
    "Clay",
    "Dun",
    "Ever",
]
SUFFIXES = ["son", "sen", "ley", "ford", "ton", "wood", "berg", "man", "ez", "ini"]
QUESTIONS = [
    "Radiotherapy alone, or surgery first?",
    "Is the spine stable enough for SBRT?",
    "Separation surgery before SBRT?",
    "Cement augmentation for pain?",
    "Re-irradiation possible after previous cEBRT?",
]


@dataclass(frozen=True)
class Target:
    """Where the bench database lives. Connections use the server's trust/peer authentication."""

    db: str
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"

    def url(self) -> str:
        return f"postgres://{self.user}@{self.host}:{self.port}/{self.db}"

    def connect(self, dbname: str | None = None) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            dbname=dbname or self.db,
            autocommit=True,
            connect_timeout=5,
        )


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """--db/--port/--host/--user, shared by every bench script."""
    parser.add_argument("--db", required=True, type=database_name, help="bench database name")
    parser.add_argument("--port", type=int, default=5432)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="postgres")


def target_from(args: argparse.Namespace) -> Target:
    return Target(db=args.db, host=args.host, port=args.port, user=args.user)


def database_name(value: str) -> str:
    if not DB_NAME.match(value) or value in {"postgres", "template0", "template1"}:
        raise argparse.ArgumentTypeError(f"{value!r} is not a usable bench database name")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_target_arguments(parser)
    parser.add_argument("--cases", type=int, default=10_000, help="cases in total (10,000)")
    parser.add_argument("--batch", type=int, default=100_000, help="cases per INSERT statement")
    parser.add_argument("--drop", action="store_true", help="drop the database (if we made it)")
    parser.add_argument(
        "--skip-derived", action="store_true", help="do not run cases_refresh_assessments"
    )
    args = parser.parse_args(argv)
    if args.cases < MEETING_CASES:
        parser.error(f"--cases must be at least {MEETING_CASES} (the bench meeting's agenda)")
    if args.batch < 1:
        parser.error("--batch must be positive")
    return args


# --- the database: created by us, or left alone ---------------------------------------------


def database_exists(target: Target) -> bool:
    with target.connect("postgres") as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target.db])
        return found.fetchone() is not None


def created_by_us(target: Target) -> bool:
    """True only when the database exists and carries the marker this script writes."""
    if not database_exists(target):
        return False
    with target.connect() as conn:
        table = conn.execute("SELECT to_regclass(%s)", [f"public.{MARKER_TABLE}"]).fetchone()
        if table is None or table[0] is None:
            return False
        row = conn.execute(f"SELECT created_by FROM {MARKER_TABLE} LIMIT 1").fetchone()
        return row is not None and row[0] == "bench/seed.py"


def ensure_database(target: Target) -> bool:
    """Create the database with its marker; True if created now. Refuses a foreign database."""
    if database_exists(target):
        if not created_by_us(target):
            raise SystemExit(
                f"database {target.db!r} exists and was not created by bench/seed.py: "
                "refusing to touch it (choose another --db)"
            )
        return False
    with target.connect("postgres") as conn:
        conn.execute(f'CREATE DATABASE "{target.db}"')  # name checked by database_name()
    with target.connect() as conn:
        conn.execute(
            f"CREATE TABLE {MARKER_TABLE} (created_by text NOT NULL, created_at timestamptz "
            "NOT NULL DEFAULT now(), cases integer NOT NULL DEFAULT 0)"
        )
        conn.execute(f"INSERT INTO {MARKER_TABLE} (created_by) VALUES ('bench/seed.py')")
    return True


def drop_database(target: Target) -> None:
    if not created_by_us(target):
        raise SystemExit(
            f"refusing to drop {target.db!r}: it is absent or was not created by bench/seed.py"
        )
    with target.connect("postgres") as conn:
        conn.execute(f'DROP DATABASE "{target.db}" WITH (FORCE)')


# --- Django -----------------------------------------------------------------------------------


def setup_django(target: Target, *, debug: bool = True) -> None:
    """Configure this process for the bench database (tasks in-process, no broker)."""
    os.environ["DATABASE_URL"] = target.url()
    os.environ["DJANGO_SETTINGS_MODULE"] = "tumorboard.settings"
    os.environ["DEBUG"] = "true" if debug else "false"
    os.environ["SECRET_KEY"] = SECRET_KEY
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ["BENCH_FLOOR"] = "true"
    # As on the bench servers: the second factor is a step of signing in, not of the reads.
    os.environ["REQUIRE_STAFF_2FA"] = "false"
    # Plain HTTP on loopback, as the bench server runs (bench/endpoints.py).
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        os.environ[name] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def insert_select(model, given: dict[str, str], source: str) -> tuple[str, dict]:
    """`INSERT INTO <model> (every column) SELECT … FROM source`: the columns in `given` take
    those SQL expressions, every other column its model default (so a column added later does
    not break the seed). Generated columns and the primary key are left to the database."""
    from django.db import connection

    columns, values, params = [], [], {}
    for field in model._meta.concrete_fields:
        if field.primary_key or getattr(field, "generated", False):
            continue
        columns.append(field.column)
        if field.column in given:
            values.append(given[field.column])
        elif field.has_db_default():
            values.append("DEFAULT")
        else:
            key = f"{model._meta.db_table}__{field.column}"
            params[key] = field.get_db_prep_save(field.get_default(), connection)
            values.append(f"%({key})s")
    unknown = set(given) - set(columns)
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)}"
    return f"{sql} FROM {source}", params


def pick(array: str, r: str) -> str:
    """SQL: an element of the array parameter `array` chosen by r in [0, 1)."""
    return f"(%({array})s::text[])[1 + floor({r} * cardinality(%({array})s::text[]))::int]"


def batch_sql() -> tuple[str, dict]:
    """One statement inserting the patients, cases, lesions and prior treatments of one batch
    (parameters `first`, `last`, `total`, `boards`, `user`)."""
    from cases.models import Case, Patient, PriorTreatment, SpinalLesion

    patients, p_params = insert_select(
        Patient,
        {
            "uuid": "gen_random_uuid()",
            "mrn": f"'{MRN_PREFIX}' || lpad(i::text, 8, '0')",
            "given_name": pick("given", "r1"),
            "family_name": pick("roots", "r2") + " || " + pick("suffixes", "r3"),
            "date_of_birth": "date '1935-01-01' + floor(r4 * 20000)::int",
            "sex": "CASE WHEN r1 < 0.5 THEN 'female' ELSE 'male' END",
            "created_at": "created",
            "updated_at": "created",
            "created_by_id": "%(user)s",
            "updated_by_id": "%(user)s",
        },
        "(SELECT i, random() r1, random() r2, random() r3, random() r4, now() - make_interval("
        "secs => (%(total)s::int - i)::float8 / %(total)s::int * 94608000) AS created "
        "FROM generate_series(%(first)s::int, %(last)s::int) i) s",
    )
    status = (
        "CASE WHEN r1 < 0.22 THEN 'referred' WHEN r1 < 0.40 THEN 'ready' WHEN r1 < 0.48 THEN "
        "'discussed' WHEN r1 < 0.58 THEN 'plan_signed' WHEN r1 < 0.90 THEN 'closed' WHEN r1 < 0.96 "
        "THEN 'deferred' ELSE 'withdrawn' END"
    )
    cases, c_params = insert_select(
        Case,
        {
            "uuid": "gen_random_uuid()",
            "patient_id": "pid",
            "board_id": "(%(boards)s::bigint[])[CASE WHEN r2 < 0.6 THEN 1 WHEN r2 < 0.85 THEN 2 "
            "ELSE 3 END]",
            "referring_clinician": "'Dr ' || " + pick("roots", "r3"),
            "clinical_question": pick("questions", "r4"),
            "urgency": "CASE WHEN r5 < 0.04 THEN 'emergency' WHEN r5 < 0.18 THEN 'urgent' "
            "ELSE 'routine' END",
            "status": status,
            # A deferral or withdrawal carries its reason (the case_deferral_reason constraint).
            "status_reason": "CASE WHEN r1 >= 0.90 THEN 'Bench: the patient asked to wait' "
            "ELSE '' END",
            "status_changed_at": "created",
            "primary_site": pick("primaries", "r6"),
            "kps": "40 + 10 * floor(r7 * 7)::int",
            "ecog": "CASE WHEN r7 > 0.7 THEN 0 WHEN r7 > 0.45 THEN 1 WHEN r7 > 0.2 THEN 2 "
            "ELSE 3 END",
            "pain_score": "floor(r3 * 11)::int",
            "ambulatory": "r5 > 0.1",
            "vertebral_body_mets": "1 + floor(r4 * 5)::int",
            "visceral_mets": pick("visceral", "r6"),
            "brain_mets": "CASE WHEN r2 < 0.1 THEN 'treated' ELSE 'none' END",
            "expected_survival_months": "2 + floor(r1 * 36)::int",
            "created_at": "created",
            "updated_at": "created",
            "created_by_id": "%(user)s",
            "updated_by_id": "%(user)s",
        },
        "(SELECT p.id pid, p.created_at created, random() r1, random() r2, random() r3, "
        "random() r4, random() r5, random() r6, random() r7 FROM p) s",
    )
    lesions, l_params = insert_select(
        SpinalLesion,
        {
            "case_id": "c.id",
            "level": "(%(levels)s::text[])[1 + (c.id %% 20 + k)::int]",
            "imaging_date": "current_date - (c.id %% 60)::int",
            "pain": "(ARRAY['mechanical','occasional','none'])[1 + ((c.id + k) %% 3)::int]",
            "bone_lesion": "(ARRAY['lytic','mixed','blastic'])[1 + ((c.id / 3 + k) %% 3)::int]",
            "alignment": "(ARRAY['normal','normal','deformity','subluxation'])"
            "[1 + ((c.id / 7 + k) %% 4)::int]",
            "collapse": "(ARRAY['none','under_50','over_50','none_over_50_involved'])"
            "[1 + ((c.id / 5 + k) %% 4)::int]",
            "posterolateral": "(ARRAY['none','unilateral','bilateral'])"
            "[1 + ((c.id / 11 + k) %% 3)::int]",
            "escc_grade": "(ARRAY['0','1a','1b','1c','2','3'])[1 + ((c.id / 13 + k) %% 6)::int]",
            "created_at": "c.created_at",
            "updated_at": "c.created_at",
        },
        "c, LATERAL generate_series(0, (c.id %% 3)::int) k",
    )
    treatments, t_params = insert_select(
        PriorTreatment,
        {
            "case_id": "c.id",
            "kind": "'radiation'",
            "level_from": "(%(levels)s::text[])[1 + (c.id %% 20)::int]",
            "treated_on": "current_date - 200 - (c.id %% 300)::int",
            "dose_gy": "8",
            "fractions": "1",
            "created_at": "c.created_at",
            "updated_at": "c.created_at",
        },
        "c WHERE c.id %% 5 = 0",
    )
    sql = (
        f"WITH p AS ({patients} RETURNING id, created_at), "
        f"c AS ({cases} RETURNING id, created_at), "
        f"l AS ({lesions} RETURNING 1) "
        f"{treatments}"
    )
    return sql, {**p_params, **c_params, **l_params, **t_params}


def seed_cases(target: Target, *, total: int, batch: int, boards: list[int], user: int) -> int:
    """Insert bench cases numbered after those present up to `total`; returns how many."""
    from clinical.levels import SPINAL_LEVELS
    from clinical.primaries import PRIMARY_SITE_CHOICES

    sql, defaults = batch_sql()
    params = {
        **defaults,
        "given": GIVEN,
        "roots": ROOTS,
        "suffixes": SUFFIXES,
        "questions": QUESTIONS,
        "primaries": [slug for slug, _ in PRIMARY_SITE_CHOICES],
        "visceral": ["none", "none", "removable", "treatable", "untreatable"],
        "levels": list(SPINAL_LEVELS),
        "boards": boards,
        "user": user,
        "total": total,
    }
    with target.connect() as conn:
        have = conn.execute(
            "SELECT count(*) FROM cases_patient WHERE mrn LIKE %s", [MRN_PREFIX + "%"]
        ).fetchone()[0]
        for first in range(have + 1, total + 1, batch):
            last = min(first + batch - 1, total)
            began = time.perf_counter()
            conn.execute("SELECT setseed(%s)", [first / (total + 1)])  # repeatable data
            conn.execute(sql, {**params, "first": first, "last": last})
            print(f"  cases {first:,}–{last:,} in {time.perf_counter() - began:.1f} s", flush=True)
        conn.execute(f"UPDATE {MARKER_TABLE} SET cases = %s", [max(have, total)])
    return max(0, total - have)


def seed_people(boards_needed=BENCH_BOARDS):
    """The demo board plus the bench boards, and the bench coordinator on all of them."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from scheduling.models import Board, BoardMembership
    from tumorboard import roles
    from tumorboard.demo.data import BOARD_NAME, BOARD_REQUIRED_DISCIPLINES

    groups = roles.ensure_role_groups()
    demo = Board.objects.get(name=BOARD_NAME)
    boards = [demo] + [
        Board.objects.get_or_create(
            name=name, defaults={"required_disciplines": BOARD_REQUIRED_DISCIPLINES}
        )[0]
        for name in boards_needed
    ]
    user, _ = get_user_model().objects.get_or_create(
        username=BENCH_USERNAME, defaults={"first_name": "Bench", "last_name": "Coordinator"}
    )
    user.set_password(BENCH_PASSWORD)
    user.save()
    user.groups.add(groups[roles.COORDINATOR])
    for board in boards:
        BoardMembership.objects.get_or_create(
            board=board, user=user, role=BoardMembership.Role.COORDINATOR
        )
    Token.objects.get_or_create(user=user)
    return user, boards


def seed_meeting(demo_board, user) -> tuple[int, int]:
    """A meeting of the demo board with 40 cases on its agenda and specialists' opinions."""
    from django.db import transaction
    from django.utils import timezone

    from cases.models import Case
    from recommendations.models import Opinion
    from recommendations.opinions.options import OPTIONS
    from scheduling.models import AgendaItem, BoardMembership, Meeting

    meeting = Meeting.objects.filter(board=demo_board, location=MEETING_LOCATION).first()
    if meeting is not None:
        return meeting.agenda_items.count(), meeting.opinions.count()
    start = (timezone.now() + dt.timedelta(days=10)).replace(
        hour=7, minute=45, second=0, microsecond=0
    )
    with transaction.atomic():
        meeting = Meeting.objects.create(
            board=demo_board,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            location=MEETING_LOCATION,
            created_by=user,
            updated_by=user,
        )
        cases = list(
            Case.objects.filter(
                board=demo_board,
                status=Case.Status.READY,
                patient__mrn__startswith=MRN_PREFIX,
            )
            .exclude(agenda_items__is_open=True)
            .order_by("id")[:MEETING_CASES]
        )
        Case.objects.filter(pk__in=[c.pk for c in cases]).update(status=Case.Status.SCHEDULED)
        AgendaItem.objects.bulk_create(
            AgendaItem(meeting=meeting, case=case, position=n, created_by=user, updated_by=user)
            for n, case in enumerate(cases, start=1)
        )
        specialists = [
            m.user
            for m in BoardMembership.objects.filter(board=demo_board)
            .select_related("user__specialist_profile")
            .exclude(user__specialist_profile=None)
        ]
        now = timezone.now()
        opinions = Opinion.objects.bulk_create(
            Opinion(
                case=case,
                meeting=meeting,
                author=author,
                discipline=author.specialist_profile.discipline,
                options=[OPTIONS[author.specialist_profile.discipline][0][0]]
                if author.specialist_profile.discipline in OPTIONS
                else [],
                rationale="Bench opinion: fictional.",
                confidence=Opinion.Confidence.MODERATE,
                submitted_at=now,
                created_by=author,
                updated_by=author,
            )
            for case in cases[:OPINION_CASES]
            for author in {s.pk: s for s in specialists}.values()
        )
    return len(cases), len(opinions)


def seed(target: Target, *, cases: int, batch: int, derived: bool = True) -> dict:
    from django.core.management import call_command, get_commands
    from django.db import connection

    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--force", stdout=io.StringIO())
    user, boards = seed_people()
    connection.close()  # the bulk inserts run on their own connection
    added = seed_cases(
        target, total=cases, batch=batch, boards=[b.pk for b in boards], user=user.pk
    )
    items, opinions = seed_meeting(boards[0], user)
    with target.connect() as conn:
        conn.execute("ANALYZE")
    if derived and "cases_refresh_assessments" in get_commands():
        call_command("cases_refresh_assessments")
    return {
        "added": added,
        "agenda_items": items,
        "opinions": opinions,
        "seconds": time.perf_counter() - began,
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    target = target_from(args)
    if args.drop:
        drop_database(target)
        print(f"dropped {target.db}")
        return
    created = ensure_database(target)
    print(f"{'created' if created else 'reusing'} {target.db} on {target.host}:{target.port}")
    setup_django(target)
    result = seed(target, cases=args.cases, batch=args.batch, derived=not args.skip_derived)
    print(
        f"seeded {result['added']:,} new cases (total {args.cases:,}) "
        f"in {result['seconds']:.1f} s; "
        f"bench meeting: {result['agenda_items']} agenda items, {result['opinions']} opinions; "
        f"login {BENCH_USERNAME} / {BENCH_PASSWORD}"
    )


if __name__ == "__main__":
    main()
