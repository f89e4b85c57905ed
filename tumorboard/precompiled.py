"""A hot query compiled to SQL once, then run with new parameter values.

Building SQL from a queryset (Django's compiler: joins, subqueries, annotations) costs more Python
time than PostgreSQL spends running a small query, and a query that runs on every request pays it
on every request: the API token lookup with the user's roles (five EXISTS subqueries) took about a
fifth of a case read's time (issue 12's profile). `Precompiled` builds the queryset once per
database with a unique marker in place of each parameter, compiles it, and keeps the SQL, the
markers' positions among its parameters and the compiler; a call runs that SQL with the values in
place of the markers and turns the row into model instances the way Django's ModelIterable does
(field converters, select_related, annotations). The SQL text is the same on every call, so
PostgreSQL's prepared statements (DB_PREPARED_STATEMENTS) apply to it too.

Parameters are text or integers, each named with its type (a marker is a unique string, or a
unique negative integer, which no id is). A marker that does not come through
compilation unchanged (a lookup that transforms its value, such as `iexact` or `contains`) is
refused when the query is first compiled, never silently run with a wrong value.
tests/test_precompiled.py holds the results equal to the queryset's own.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


@dataclass(frozen=True)
class _Compiled:
    compiler: Any
    sql: str
    params: tuple
    slots: dict[str, list[int]]  # parameter name -> its positions among params
    model: type[Model]
    fields: slice  # the main model's columns in a row
    names: list[str]  # their attribute names
    populators: list  # select_related


def fits_primary_key(model: type[Model], value: int, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether `value` is within the range of `model`'s integer primary key column. An id from a
    session (forged, corrupt) beyond it is no row; run as a precompiled parameter it would be an
    SQL error ("out of range") where the ORM answers an empty result."""
    field = model._meta.pk
    low, high = connections[using].ops.integer_field_range(field.get_internal_type())
    return (low is None or low <= value) and (high is None or value <= high)


def _marker(name: str, kind: type) -> str | int:
    if kind is str:
        return f"precompiled-{name}-{uuid.uuid4()}"
    if kind is int:
        # Negative, so no id; within a 32-bit column's range (Django answers a lookup beyond a
        # field's range with an empty result before any SQL is made).
        return -(2**30) - secrets.randbelow(2**30)
    raise TypeError(f"{name}: a precompiled parameter is str or int, not {kind.__name__}")


class Precompiled:
    """`build(**markers)` returns the queryset; `first(**values)` runs it with the values.

    Precompiled(lambda key: Token.objects.filter(key=key), key=str)
    """

    def __init__(self, build: Callable[..., QuerySet], **types: type) -> None:
        for name, kind in types.items():
            _marker(name, kind)  # refuses a type it cannot mark
        self.build = build
        self.names = tuple(types)
        self.types = types
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, alias: str) -> _Compiled:
        markers = {name: _marker(name, kind) for name, kind in self.types.items()}
        compiler = self.build(**markers).query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = {
            name: [
                i
                for i, value in enumerate(params)
                if type(value) is type(marker) and value == marker
            ]
            for name, marker in markers.items()
        }
        unused = [name for name, positions in slots.items() if not positions]
        if unused:
            raise ImproperlyConfigured(
                f"Precompiled query: {', '.join(unused)} not passed through unchanged"
            )
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Compiled(
            compiler=compiler,
            sql=sql,
            params=tuple(params),
            slots=slots,
            model=klass_info["model"],
            fields=slice(start, end),
            names=[column[0].target.attname for column in select[start:end]],
            populators=get_related_populators(klass_info, select, alias),
        )

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> Model | None:
        """The first row as a model instance (related objects and annotations set), or None."""
        if set(values) != set(self.names):
            raise TypeError(f"expected exactly {sorted(self.names)}")
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        params = list(compiled.params)
        for name, positions in compiled.slots.items():
            for position in positions:
                params[position] = values[name]
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        # As Django's ModelIterable makes an instance of a row (django/db/models/query.py).
        (row,) = compiled.compiler.results_iter(results=[[row]])  # the fields' converters
        instance = compiled.model.from_db(using, compiled.names, row[compiled.fields])
        for populator in compiled.populators:
            populator.populate(row, instance)
        for name, position in compiled.compiler.annotation_col_map.items():
            setattr(instance, name, row[position])
        return instance
