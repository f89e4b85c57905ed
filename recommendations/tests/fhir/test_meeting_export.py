import json

import pytest
from django.urls import reverse

from recommendations.fhir.services import STUCK_AFTER_SECONDS
from recommendations.fhir.tasks import TIME_LIMIT, build_meeting_export
from recommendations.models import ConsensusPlan, FhirMeetingExport
from scheduling.models import BoardMembership, Meeting

from .conftest import assert_valid_bundle, of_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(demo):
    """The demo's past meeting, with its three signed plans."""
    signed = ConsensusPlan.objects.filter(status="signed")
    return Meeting.objects.get(pk__in=signed.values("decision__agenda_item__meeting"))


def coordinator_of(meeting):
    return BoardMembership.objects.get(board=meeting.board, role="coordinator").user


def request_export(api, user, meeting):
    return api(user).post(reverse("api:meeting-fhir-exports", kwargs={"uuid": meeting.uuid}))


def test_meeting_export_is_built_by_celery_and_downloadable(
    decided, api, django_capture_on_commit_callbacks
):
    user = coordinator_of(decided)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = request_export(api, user, decided)
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert len(callbacks) == 1
    status = api(user).get(
        reverse("api:fhir-meeting-export", kwargs={"uuid": response.json()["uuid"]})
    )
    assert status.json()["status"] == "done"
    assert status.json()["plans"] == 3
    download = api(user).get(status.json()["download"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/fhir+json"
    bundle = json.loads(download.content)
    assert_valid_bundle(bundle)
    plans = ConsensusPlan.objects.filter(decision__agenda_item__meeting=decided, status="signed")
    assert {c["identifier"][0]["value"] for c in of_type(bundle, "CarePlan")} == {
        f"urn:uuid:{p.uuid}" for p in plans
    }
    assert len(of_type(bundle, "Patient")) == 3
    assert len(of_type(bundle, "Provenance")) == 3
    # The chair signed all three: one Practitioner.
    assert len(of_type(bundle, "Practitioner")) == 1


def test_the_task_is_idempotent(decided, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = request_export(api, coordinator_of(decided), decided)
    export = FhirMeetingExport.objects.get(uuid=response.json()["uuid"])
    finished = export.finished_at
    assert build_meeting_export(export.pk) == "skipped"
    export.refresh_from_db()
    assert (export.status, export.finished_at) == ("done", finished)


def test_a_pending_export_is_returned_not_queued_twice(decided, api):
    user = coordinator_of(decided)
    first = request_export(api, user, decided).json()
    second = request_export(api, user, decided).json()
    assert first["uuid"] == second["uuid"]
    assert FhirMeetingExport.objects.count() == 1
    bundle = api(user).get(
        reverse("api:fhir-meeting-export-bundle", kwargs={"uuid": first["uuid"]})
    )
    assert bundle.status_code == 409


def test_an_interrupted_build_does_not_block_a_new_export(decided, api):
    user = coordinator_of(decided)
    first = request_export(api, user, decided).json()
    export = FhirMeetingExport.objects.get(uuid=first["uuid"])
    FhirMeetingExport.objects.filter(pk=export.pk).update(status="running")
    FhirMeetingExport.objects.filter(pk=export.pk).update(
        started_at=export.created_at.replace(year=export.created_at.year - 1)
    )
    second = request_export(api, user, decided).json()
    assert second["uuid"] != first["uuid"]
    export.refresh_from_db()
    assert export.status == "failed"
    assert STUCK_AFTER_SECONDS > TIME_LIMIT


def test_meeting_export_is_scoped_to_the_board(cast, meeting, api):
    url = reverse("api:meeting-fhir-exports", kwargs={"uuid": meeting.uuid})
    assert api(cast.outsider).post(url).status_code == 404
    assert api(cast.patient_user).post(url).status_code == 403
    response = api(cast.surgeon).post(url)
    assert response.status_code == 202
    detail = reverse("api:fhir-meeting-export", kwargs={"uuid": response.json()["uuid"]})
    assert api(cast.outsider).get(detail).status_code == 404
    assert api(cast.coordinator).get(detail).status_code == 200
