"""Shared model bases: who created and changed a record, and when."""

import uuid

from django.conf import settings
from django.db import models


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
