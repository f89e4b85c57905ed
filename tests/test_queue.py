"""Background work after a change: queued on commit; a broker outage never fails the request."""

from unittest import mock

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from cases import services as case_services
from recommendations.models import SummaryPreparation
from recommendations.summaries.preparation import summary_prepare
from recommendations.summaries.services import meeting_prepare_request
from tests.factories import AgendaItemFactory, CaseFactory, LesionFactory, MeetingFactory
from tumorboard.queue import QUEUE_WARNING

pytestmark = pytest.mark.django_db

SEND_ITEM_TASK = "recommendations.summaries.preparation.prepare_agenda_item_summary.apply_async"
SEND_BATCH_TASK = "recommendations.summaries.preparation.prepare_summary_batch.apply_async"


@pytest.fixture
def prepared(cast, django_capture_on_commit_callbacks):
    meeting = MeetingFactory(board=cast.board)
    case = CaseFactory(board=cast.board)
    LesionFactory(case=case)
    item = AgendaItemFactory(meeting=meeting, case=case, position=1)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_prepare_request(meeting=meeting, by=cast.coordinator)
    item.refresh_from_db()
    assert item.preparation.status == SummaryPreparation.Status.DONE
    return item


def test_a_change_to_the_case_requeues_its_summary_after_commit(
    cast, prepared, django_capture_on_commit_callbacks
):
    with mock.patch(SEND_ITEM_TASK) as send:
        with django_capture_on_commit_callbacks() as callbacks:
            case_services.case_update(
                case=prepared.case,
                expected_version=prepared.case.version,
                by=cast.coordinator,
                pain_score=7,
            )
            send.assert_not_called()  # nothing is sent before the transaction commits
        # On commit the case's refresh task runs (eagerly here): it queues the item again and
        # sends its preparation, delayed, once that commits in turn.
        with django_capture_on_commit_callbacks(execute=True):
            for callback in callbacks:
                callback()
        prepared.preparation.refresh_from_db()
        assert prepared.preparation.status == SummaryPreparation.Status.QUEUED
    send.assert_called_once_with(args=[prepared.pk], countdown=mock.ANY)


def test_the_requeued_summary_is_a_new_version_because_an_input_changed(cast, prepared):
    first = prepared.summaries.get()
    case_services.lesion_update(
        lesion=prepared.case.lesions.get(),
        expected_version=prepared.case.lesions.get().version,
        by=cast.surgeon,
        pain="none",
    )
    second = summary_prepare(prepared.pk)
    assert second.version == first.version + 1
    assert second.inputs_fingerprint != first.inputs_fingerprint


# A real commit (not the test's wrapping transaction), so on_commit runs inside the request.
@pytest.mark.django_db(transaction=True)
def test_broker_down_keeps_the_page_working_and_says_so(cast, client, prepared):
    client.force_login(cast.coordinator)
    url = reverse("meeting-prepare", args=[prepared.meeting.uuid])
    down = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with mock.patch(SEND_BATCH_TASK, side_effect=down):
        response = client.post(url, follow=True)
    assert response.status_code == 200
    assert QUEUE_WARNING in response.content.decode()
    prepared.preparation.refresh_from_db()
    assert prepared.preparation.status == SummaryPreparation.Status.FAILED
    assert "Could not be queued" in prepared.preparation.error


@pytest.mark.django_db(transaction=True)
def test_broker_down_in_the_api_answers_with_a_warning_header(cast, api, prepared):
    down = OperationalError("Connection refused")
    with mock.patch(SEND_BATCH_TASK, side_effect=down):
        response = api(cast.coordinator).post(
            reverse("api:meeting-prepare", args=[prepared.meeting.uuid])
        )
    assert response.status_code == 202
    assert "could not be queued" in response["Warning"]
