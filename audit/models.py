"""The read log: who read which patient's data, when, how and from where.

Append-only. The ORM refuses to change or delete a row (`save` of an existing row, `delete`, and
the queryset's `update`/`delete`); on PostgreSQL a trigger refuses UPDATE and DELETE as well, so
raw SQL cannot either, except the retention purge (`audit.retention`), which sets the
transaction-local `audit.purge` switch the trigger checks.

No foreign keys: the read log sits below the clinical apps (it must not import them), and it must
outlive what it points at (a user or a case deleted later). Records are named by their public ids
(UUIDs), the reader by id and a copy of their username.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """A read-log row was about to be changed or deleted."""


class ReadEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The read log is append-only.")

    def delete(self):
        raise AppendOnlyError("The read log is append-only: old rows go by the retention purge.")

    # Same for update_or_create/bulk_update, which go through update().
    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("The read log is append-only.")


class ReadEvent(models.Model):
    """One read of one patient's data (or of one record not tied to a patient)."""

    at = models.DateTimeField(default=timezone.now)
    # The rows one request wrote (a meeting page shows several patients) share this id.
    request_id = models.UUIDField()
    user_id = models.BigIntegerField(null=True, blank=True)
    # "" for a reader without an account (a patient opening a single-use summary link).
    username = models.CharField(max_length=150, blank=True)
    roles = models.CharField(max_length=100, blank=True)
    # What was read, in the log's words: "case", "patient", "plan", "patient_summary", ...
    what = models.CharField(max_length=40)
    object_uuid = models.UUIDField(null=True, blank=True)
    patient_uuid = models.UUIDField(null=True, blank=True)
    # The URL's name ("case-detail", "api:case-detail"): never the path's query string.
    view_name = models.CharField(max_length=100)
    method = models.CharField(max_length=10)
    status = models.PositiveSmallIntegerField()
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    objects = ReadEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["at"], name="readevent_at"),
            models.Index(fields=["patient_uuid", "at"], name="readevent_patient_at"),
            models.Index(fields=["username", "at"], name="readevent_username_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__gte=100, status__lte=599), name="readevent_status_http"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '(link)'} {self.view_name}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The read log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The read log is append-only: old rows go by the retention purge.")
