"""The read log is append-only: through the ORM, and on PostgreSQL through SQL too."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AppendOnlyError, ReadEvent


def test_a_row_is_written_once_and_never_changed(read_event):
    row = read_event()
    row.username = "someone-else"
    with pytest.raises(AppendOnlyError):
        row.save()
    assert ReadEvent.objects.get(pk=row.pk).username == "chair"


def test_the_orm_refuses_deletes_and_updates(read_event):
    row = read_event()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        ReadEvent.objects.filter(pk=row.pk).delete()
    with pytest.raises(AppendOnlyError):
        ReadEvent.objects.filter(pk=row.pk).update(username="x")
    with pytest.raises(AppendOnlyError):
        ReadEvent.objects.bulk_update([row], ["username"])
    assert ReadEvent.objects.filter(pk=row.pk, username="chair").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_readevent SET username = 'x' WHERE id = %s",
        "DELETE FROM audit_readevent WHERE id = %s",
    ],
)
def test_the_database_refuses_sql_that_changes_a_row(read_event, statement):
    row = read_event()
    refused = pytest.raises(DatabaseError, match="append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [row.pk])
    assert ReadEvent.objects.filter(pk=row.pk, username="chair").exists()
