"""Fixtures of the read-log tests: a privacy officer, and read-log rows written as the
middleware writes them."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from audit.models import ReadEvent
from tests.factories import UserFactory
from tumorboard import roles


@pytest.fixture
def privacy_officer(db):
    return UserFactory(username="privacy", roles=[roles.PRIVACY_OFFICER])


@pytest.fixture
def read_event(db):
    """read_event(**fields) -> a saved row (a clinician's read of a case now, by default)."""

    def make(**fields) -> ReadEvent:
        values = {
            "at": timezone.now(),
            "request_id": uuid.uuid4(),
            "user_id": 1,
            "username": "chair",
            "roles": "chair,specialist",
            "what": "case",
            "object_uuid": uuid.uuid4(),
            "patient_uuid": uuid.uuid4(),
            "view_name": "case-detail",
            "method": "GET",
            "status": 200,
            "client_ip": "10.0.0.7",
            "user_agent": "Firefox",
            **fields,
        }
        return ReadEvent.objects.create(**values)

    return make


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)
