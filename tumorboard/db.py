"""Shared model bases: who created and changed a record, and when."""

import uuid

from django.conf import settings
from django.db import models
from django.db.backends.signals import connection_created
from django.db.migrations.operations.base import Operation
from django.db.models.functions import Collate


class TrackedModel(models.Model):
    """created/updated timestamps and users; the history table keeps every earlier version."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class PublicIdModel(models.Model):
    """A UUID for URLs, so database ids and MRNs never appear in an address."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class OnPostgreSQL(Operation):
    """A migration operation (an index PostgreSQL serves, such as an operator class or the "C"
    collation) applied on PostgreSQL only; on SQLite, the embedded default of `make run`, the
    schema stays without it. The migration state is the same on both, so `makemigrations` sees
    no change."""

    reduces_to_sql = False

    def __init__(self, operation: Operation) -> None:
        self.operation = operation

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.operation], {})

    def describe(self) -> str:
        return f"{self.operation.describe()} (PostgreSQL only)"

    def state_forwards(self, app_label, state) -> None:
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)


class ByteOrder(Collate):
    """Text compared byte by byte: COLLATE "C" on PostgreSQL (what its indexes are built with),
    BINARY on SQLite, the embedded default, which has no collation named "C"."""

    def __init__(self, expression) -> None:
        super().__init__(expression, "C")

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, collation="BINARY", **extra_context)


def _byte_order(left: str, right: str) -> int:
    return (left > right) - (left < right)


def _sqlite_c_collation(sender, connection, **kwargs) -> None:
    """SQLite, the embedded default, gets a collation named "C" (byte order, as PostgreSQL's):
    the patient-name index is declared with it, and SQLite recreates a table's indexes from the
    model state whenever a migration rebuilds the table (adding a column)."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation("C", _byte_order)


connection_created.connect(_sqlite_c_collation, dispatch_uid="tumorboard-sqlite-c-collation")
