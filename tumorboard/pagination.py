"""Pages of API lists: `limit` and `offset`, with `limit` capped."""

from rest_framework.pagination import LimitOffsetPagination


class LimitOffsetPages(LimitOffsetPagination):
    """DRF's limit/offset pages, with a larger `limit` cut to MAX_LIMIT.

    Uncapped, a `limit` beyond the database's 64-bit LIMIT (e.g. 10**30) failed the query with a
    500 (found by the API fuzzer).
    """

    MAX_LIMIT = 500
    max_limit = MAX_LIMIT
    limit_query_description = f"Number of results to return per page (at most {MAX_LIMIT})."
