"""Pages of lists.

`LimitOffsetPages`: DRF's limit/offset pages for short lists (boards, meetings).

Keyset pages (`keyset_page`, and `KeysetPages` for the API) for lists that grow with the network
(cases, patients): a page starts after the last row of the one before, by a row comparison that an
index serves, so page 10,000 costs what page 1 costs, and no page counts the whole list.

The cursor names its anchor row by uuid (signed, so it cannot be forged to probe another board's
rows), never by its sort values: a patient list's cursor would otherwise carry a name into the
URL. The anchor's sort values are read in the same SQL statement. If the anchor's own sort values
change meanwhile (a case's urgency), the next page continues from its new place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import models
from django.db.models import F, Func, QuerySet, Subquery
from django.db.models.lookups import GreaterThan, LessThan
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class LimitOffsetPages(LimitOffsetPagination):
    """DRF's limit/offset pages, with a larger `limit` cut to MAX_LIMIT.

    Uncapped, a `limit` beyond the database's 64-bit LIMIT (e.g. 10**30) failed the query with a
    500 (found by the API fuzzer).
    """

    MAX_LIMIT = 500
    max_limit = MAX_LIMIT
    limit_query_description = f"Number of results to return per page (at most {MAX_LIMIT})."


# --- keyset pages ---------------------------------------------------------------------------------

_SALT = "tumorboard.pagination.cursor"
NEXT, PREVIOUS = "n", "p"


class InvalidCursor(ValueError):
    """A cursor this server did not issue (edited, truncated, or from another list)."""


class ImproperlyOrdered(TypeError):
    """A queryset a keyset page cannot follow: a programming error, not bad input."""


class Row(Func):
    """SQL ROW(a, b, c), for a row comparison that a multi-column index serves."""

    function = "ROW"
    output_field = models.Field()


@dataclass(frozen=True)
class KeysetPage:
    rows: list[Any]
    next_cursor: str | None
    previous_cursor: str | None


def _order_of(queryset: QuerySet) -> tuple[list[str], bool]:
    """The queryset's order as field names and one direction (descending or not)."""
    order = list(queryset.query.order_by)
    if not order or not all(isinstance(term, str) for term in order):
        raise ImproperlyOrdered(f"{queryset.model.__name__}: order by field names for keyset pages")
    descending = {term.startswith("-") for term in order}
    if len(descending) != 1 or order[-1].lstrip("-") not in {"pk", "id"}:
        raise ImproperlyOrdered(
            f"{queryset.model.__name__}: keyset pages need one direction and the id last: {order}"
        )
    return [term.lstrip("-") for term in order], descending.pop()


def encode_cursor(direction: str, row: Any) -> str:
    return signing.dumps([direction, row.uuid.hex], salt=_SALT)


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        direction, anchor = signing.loads(cursor, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidCursor from exc
    if direction not in {NEXT, PREVIOUS} or not isinstance(anchor, str):
        raise InvalidCursor
    return direction, anchor


def keyset_page(queryset: QuerySet, *, cursor: str | None, size: int) -> KeysetPage:
    """One page of `queryset` (ordered by fields in one direction, the id last; the model has a
    uuid) after or before the cursor's anchor row. One query. Raises InvalidCursor."""
    names, descending = _order_of(queryset)
    direction, anchor = decode_cursor(cursor) if cursor else (NEXT, None)
    forward = direction == NEXT
    if anchor is not None:
        # The anchor's sort values, each an uncorrelated subquery (run once): the comparison
        # stays a plain index condition.
        of_anchor = queryset.model._base_manager.filter(uuid=anchor).order_by()
        position = Row(*(Subquery(of_anchor.values(name)[:1]) for name in names))
        compare = LessThan if descending == forward else GreaterThan
        queryset = queryset.filter(compare(Row(*(F(name) for name in names)), position))
    if not forward:
        queryset = queryset.reverse()
    rows = list(queryset[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    if not rows:
        return KeysetPage(rows=[], next_cursor=None, previous_cursor=None)
    has_next = more if forward else True
    has_previous = anchor is not None if forward else more
    return KeysetPage(
        rows=rows,
        next_cursor=encode_cursor(NEXT, rows[-1]) if has_next else None,
        previous_cursor=encode_cursor(PREVIOUS, rows[0]) if has_previous else None,
    )


class KeysetPages(BasePagination):
    """Keyset pages for the API: `cursor` (opaque, from `next`/`previous`) and `page_size`.

    The answer has no count: counting a million rows on every page is what made the list slow.
    """

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    page_size = 50
    MAX_PAGE_SIZE = 200

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({self.page_size_query_param: ["Enter a whole number."]}) from None
        if size < 1:
            raise ValidationError({self.page_size_query_param: ["Enter 1 or more."]})
        return min(size, self.MAX_PAGE_SIZE)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self._page_size(request)
        try:
            self.page = keyset_page(
                queryset, cursor=request.query_params.get(self.cursor_query_param), size=size
            )
        except InvalidCursor:
            raise ValidationError(
                {self.cursor_query_param: ["Invalid cursor: use a `next` or `previous` link."]}
            ) from None
        return self.page.rows

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self._link(self.page.next_cursor),
                "previous": self._link(self.page.previous_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "The next page; null on the last."},
                "previous": {**link, "description": "The page before; null on the first."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque position, from a `next` or `previous` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {self.page_size}, "
                f"at most {self.MAX_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]
