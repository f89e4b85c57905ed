"""Shared fixtures: a fixed cast of users around one board, and an API or page client per role."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from scheduling.models import BoardMembership, Discipline
from tests.factories import (
    BoardFactory,
    MeetingFactory,
    MembershipFactory,
    PatientFactory,
    SpecialistProfileFactory,
    UserFactory,
    in_days,
)
from tests.workers import CeleryWorkers
from tumorboard import roles


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counts (tumorboard.password_reset) do not carry from one test to the next."""
    cache.clear()


@pytest.fixture
def board(db):
    return BoardFactory(name="Spine Oncology Board")


@pytest.fixture
def other_board(db):
    return BoardFactory(name="Other Hospital Board")


@pytest.fixture
def cast(db, board, other_board):
    """Coordinator, chair, a specialist per core discipline, patient, outsider, stranger."""
    roles.ensure_role_groups()
    people = SimpleNamespace(board=board, other_board=other_board, specialists={})
    people.coordinator = UserFactory(username="coord", roles=[roles.COORDINATOR])
    MembershipFactory(board=board, user=people.coordinator, role=BoardMembership.Role.COORDINATOR)
    people.chair = UserFactory(username="chair", roles=[roles.CHAIR, roles.SPECIALIST])
    MembershipFactory(board=board, user=people.chair, role=BoardMembership.Role.CHAIR)
    SpecialistProfileFactory(user=people.chair, discipline=Discipline.MEDICAL_ONCOLOGY)
    for discipline in (
        Discipline.SPINE_SURGERY,
        Discipline.RADIATION_ONCOLOGY,
        Discipline.MEDICAL_ONCOLOGY,
        Discipline.PAIN_MEDICINE,
        Discipline.REHABILITATION,
    ):
        user = UserFactory(username=f"spec_{discipline}", roles=[roles.SPECIALIST])
        SpecialistProfileFactory(user=user, discipline=discipline)
        MembershipFactory(board=board, user=user)
        people.specialists[str(discipline)] = user
    people.surgeon = people.specialists["spine_surgery"]
    # A specialist of another board: clinical staff, but not of ours.
    people.outsider = UserFactory(username="outsider", roles=[roles.SPECIALIST])
    SpecialistProfileFactory(user=people.outsider, discipline=Discipline.SPINE_SURGERY)
    MembershipFactory(board=other_board, user=people.outsider)
    people.stranger = UserFactory(username="stranger")
    people.patient_user = UserFactory(username="patient", roles=[roles.PATIENT])
    people.patient = PatientFactory(user=people.patient_user)
    return people


@pytest.fixture
def meeting(cast):
    """A planned one-hour meeting of the cast's board in five days, 07:30 London time."""
    return MeetingFactory(board=cast.board, starts_at=in_days(5), ends_at=in_days(5, 8, 30))


@pytest.fixture
def api():
    """api(user) -> an APIClient authenticated as that user (None: anonymous)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def client_for():
    """client_for(user) -> a page Client signed in as that user (None: anonymous)."""

    def make(user=None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def celery_workers(transactional_db, tmp_path):
    """A CeleryWorkers controller, no worker started yet; every worker is ended at teardown.

    Data written by the test must be committed (transactional_db) for a worker to see it.
    """
    workers = CeleryWorkers(tmp_path)
    try:
        yield workers
    finally:
        workers.close()


@pytest.fixture
def real_worker(transactional_db, tmp_path):
    """Start `celery worker` as a separate process on Redis, consuming a queue private to this test.

    Yields (client_app, queue): send with client_app.send_task(name, args=[...], queue=queue).
    Data written by the test must be committed (transactional_db) for the worker to see it.
    """
    workers = CeleryWorkers(tmp_path)
    try:
        workers.start()
        yield workers.client, workers.queue
    finally:
        workers.close()


@pytest.fixture
def attachment_storage(settings, tmp_path):
    """Attachments stored in a folder of this test; returns the folder."""
    folder = tmp_path / "attachments"
    folder.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "base_url": None},
        },
    }
    return folder
