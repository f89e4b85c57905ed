"""EXPLAIN (ANALYZE, BUFFERS) of the main list queries, built by the real selectors.

    .venv/bin/python bench/explain.py --db tb_bench_10k --port 5432 [--only list] [--deep 10000]

Each query is the queryset the application runs, taken from `cases.selectors` as the bench
coordinator (the first page of 50, as the API and page slice it), so the plans follow the
selectors when they change: case list first page; filtered by status, urgency, board and meeting;
a deep page (OFFSET, and the keyset equivalent built from the list's own ORDER BY); search by MRN
and by name prefix (the selectors' search functions when they exist, otherwise the patient scope
filtered the way a search would); the patient list. The database must come from bench/seed.py.
For each: the SQL's first line, the plan, and the execution time PostgreSQL reports.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Callable
from pathlib import Path

if __package__ in {None, ""}:  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.seed import (
    BENCH_USERNAME,
    MEETING_LOCATION,
    MRN_PREFIX,
    add_target_arguments,
    created_by_us,
    setup_django,
    target_from,
)

PAGE = 50
# Names a search selector may have in cases.selectors, tried in order.
MRN_SEARCH = ("case_search", "cases_search", "patient_search", "search_cases", "search_patients")
NAME_SEARCH = ("patient_search", "search_patients", "case_search", "cases_search")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_target_arguments(parser)
    parser.add_argument("--deep", type=int, default=10_000, help="row offset of the deep page")
    parser.add_argument("--only", action="append", help="queries whose name contains this")
    parser.add_argument("--no-analyze", action="store_true", help="plain EXPLAIN (no execution)")
    args = parser.parse_args(argv)
    if args.deep < 0:
        parser.error("--deep must be >= 0")
    return args


def order_of(qs) -> list[str]:
    """The queryset's ORDER BY as field names ("-created_at"); expressions are not supported."""
    order = list(qs.query.order_by or qs.model._meta.ordering)
    if not all(isinstance(term, str) for term in order):
        raise ValueError("the order contains expressions: give them a name with annotate()")
    return order


def keyset_after(qs, row_values: dict):
    """The rows after `row_values` in the queryset's own ORDER BY (a keyset page), whatever
    that order is: (a > x) OR (a = x AND b > y) …, each field in its own direction."""
    from django.db.models import F, Q, Value

    order = order_of(qs)
    try:  # the project's keyset pages compare ROW(...) values, which an index serves
        from django.db.models.lookups import GreaterThan, LessThan

        from tumorboard.pagination import Row
    except ImportError:
        Row = None
    if Row is not None and len({term.startswith("-") for term in order}) == 1:
        names = [term.lstrip("-") for term in order]
        compare = LessThan if order[0].startswith("-") else GreaterThan
        after = Row(*(Value(row_values[name]) for name in names))
        return qs.filter(compare(Row(*(F(name) for name in names)), after))
    clauses, equal = [], Q()
    for term in order:
        name = term.lstrip("-")
        op = "lt" if term.startswith("-") else "gt"
        clauses.append(equal & Q(**{f"{name}__{op}": row_values[name]}))
        equal &= Q(**{name: row_values[name]})
    condition = Q()
    for clause in clauses:
        condition |= clause
    return qs.filter(condition)


def _search(names: tuple[str, ...], user, term: str, kind: str):
    """A search queryset from cases.selectors when it offers one, else the patient scope
    filtered as a search would be (labelled as such)."""
    from cases import selectors

    for name in names:
        function = getattr(selectors, name, None)
        if function is None:
            continue
        params = inspect.signature(function).parameters
        keywords = (kind, "family_name", "term", "query", "q", "text")
        for keyword in keywords if kind == "name" else (kind, *keywords[2:]):
            if keyword in params:
                found = function(user=user, **{keyword: term})
                if hasattr(found, "query"):
                    return f"selectors.{name}", found
                # The search returns its rows, not a queryset: explain the queryset it filters
                # (its list's, with the same patient match).
                matches = getattr(selectors, "_patient_matches", None)
                listing = {"case_search": "case_list", "patient_search": "patient_list"}.get(name)
                if matches is None or listing is None:
                    break
                prefix = "patient__" if name == "case_search" else ""
                qs = getattr(selectors, listing)(user=user)
                source = f"selectors.{name} (its {listing} + _patient_matches)"
                return source, qs.filter(matches(prefix=prefix, **{keyword: term}))
    scope = selectors.patients_visible_to(user)
    if kind == "mrn":
        return "fallback: patients_visible_to + mrn__iexact", scope.filter(mrn__iexact=term)
    return "fallback: patients_visible_to + family_name__istartswith", scope.filter(
        family_name__istartswith=term
    ).order_by("family_name", "given_name")


def queries(deep: int) -> list[tuple[str, str, Callable]]:
    """(name, where it comes from, a function returning the queryset to explain)."""
    from django.contrib.auth import get_user_model

    from cases import selectors
    from cases.models import Case
    from scheduling.models import Meeting

    user = get_user_model().objects.get(username=BENCH_USERNAME)
    meeting = Meeting.objects.get(location=MEETING_LOCATION)
    board = selectors.boards_of(user).order_by("id").first()
    patient = Case.objects.filter(patient__mrn__startswith=MRN_PREFIX).order_by("id")
    sample = patient.select_related("patient")[patient.count() // 2].patient

    def listed(**filters):
        return lambda: selectors.case_list(user=user, filters=filters)[:PAGE]

    def deep_keyset():
        qs = selectors.case_list(user=user)
        fields = [term.lstrip("-") for term in order_of(qs)]
        boundary = qs.values(*fields)[deep - 1 : deep].get() if deep else None
        return keyset_after(qs, boundary)[:PAGE] if boundary else qs[:PAGE]

    mrn_from, mrn_qs = _search(MRN_SEARCH, user, sample.mrn.lower(), "mrn")
    name_from, name_qs = _search(NAME_SEARCH, user, sample.family_name[:4].lower(), "name")
    return [
        ("case-list", "selectors.case_list", listed()),
        ("case-list status=ready", "selectors.case_list", listed(status="ready")),
        ("case-list urgency=emergency", "selectors.case_list", listed(urgency="emergency")),
        ("case-list board", "selectors.case_list", listed(board=str(board.uuid))),
        ("case-list meeting", "selectors.case_list", listed(meeting=str(meeting.uuid))),
        (
            f"case-list deep page (offset {deep:,})",
            "selectors.case_list",
            lambda: selectors.case_list(user=user)[deep : deep + PAGE],
        ),
        (f"case-list deep page (keyset after row {deep:,})", "selectors.case_list", deep_keyset),
        ("search by MRN", mrn_from, lambda: mrn_qs[:PAGE]),
        ("search by name prefix", name_from, lambda: name_qs[:PAGE]),
        (
            "patient list",
            "selectors.patient_list",
            lambda: selectors.patient_list(user=user)[:PAGE],
        )
        if hasattr(selectors, "patient_list")
        else (
            "patient list",
            "selectors.patients_visible_to",
            lambda: selectors.patients_visible_to(user).order_by("family_name", "given_name")[
                :PAGE
            ],
        ),
    ]


def explain(qs, analyze: bool = True) -> list[str]:
    """EXPLAIN of the queryset's own SQL, with its parameters bound by the driver."""
    from django.db import connection

    sql, params = qs.query.sql_with_params()
    options = "ANALYZE, BUFFERS" if analyze else "COSTS"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {sql}", params)
        return [row[0] for row in cursor.fetchall()]


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    target = target_from(args)
    if not created_by_us(target):
        raise SystemExit(f"{args.db} was not seeded by bench/seed.py: run it first")
    setup_django(target, debug=False)
    from cases.models import Case

    print(f"{args.db}: {Case.objects.count():,} cases; first page of {PAGE} unless stated\n")
    for name, source, build in queries(args.deep):
        if args.only and not any(word in name for word in args.only):
            continue
        qs = build()
        plan = explain(qs, analyze=not args.no_analyze)
        print(f"=== {name}  [{source}]")
        sql = str(qs.query)
        print("    …" + sql[sql.find(" FROM ") :][:400])
        for line in plan:
            print("    " + line)
        print()


if __name__ == "__main__":
    main()
