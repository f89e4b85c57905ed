"""PostgreSQL plans a repeated query once per connection (DB_PREPARED_STATEMENTS, on by default)."""

import pytest
from django.conf import settings
from django.db import connection

from cases.models import Case

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(
    "prepare_threshold" not in settings.DATABASES["default"].get("OPTIONS", {}),
    reason="prepared statements are a PostgreSQL feature, turned off by DB_PREPARED_STATEMENTS",
)
def test_a_query_run_past_the_threshold_is_prepared_on_the_connection():
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    assert connection.vendor == "postgresql"

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%cases_case%uuid%"],
            )
            return cursor.fetchone()[0]

    before = prepared()
    for _ in range(threshold + 1):
        list(Case.objects.filter(uuid="00000000-0000-0000-0000-000000000000"))
    assert prepared() == before + 1
