"""Deferring a case through the API (api.deferral)."""

import pytest

from cases.models import Case
from scheduling import services
from scheduling.models import AgendaItem, Notification
from scheduling.tests.helpers import api_url, assert_bad_input, ready_case
from tests.factories import CaseFactory, LesionFactory, MeetingFactory, in_days

pytestmark = pytest.mark.django_db


def test_defer_moves_the_case_to_the_next_meeting_and_tells_the_responsible(cast, api, meeting):
    later = MeetingFactory(board=cast.board, starts_at=in_days(12), ends_at=in_days(12, 8, 30))
    case = CaseFactory(board=cast.board, status=Case.Status.READY, created_by=cast.surgeon)
    LesionFactory(case=case)
    services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    response = api(cast.coordinator).post(
        api_url("case-defer", case.uuid), {"reason": "No performance status"}
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "case": str(case.uuid),
        "status": "scheduled",
        "from_meeting": str(meeting.uuid),
        "to_meeting": str(later.uuid),
        "not_placed": "",
    }
    assert list(AgendaItem.objects.filter(case=case).values_list("meeting_id", flat=True)) == [
        later.pk
    ]
    told = Notification.objects.get(recipient=cast.surgeon, kind="case_deferred")
    assert "No performance status" in told.body


def test_defer_needs_a_reason_and_a_coordinator(cast, api, meeting):
    case = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    assert (
        api(cast.surgeon).post(api_url("case-defer", case.uuid), {"reason": "x"}).status_code == 403
    )
    assert (
        api(cast.outsider).post(api_url("case-defer", case.uuid), {"reason": "x"}).status_code
        == 404
    )
    assert_bad_input(api(cast.coordinator).post(api_url("case-defer", case.uuid), {}), "reason")
    case.refresh_from_db()
    assert case.status == Case.Status.SCHEDULED
    assert AgendaItem.objects.get(case=case).meeting == meeting


def test_a_reason_at_its_limit_is_kept_in_full_and_nothing_fails(cast, api, meeting):
    """A 300-character deferral reason went into a 100-character history column (a 500)."""
    MeetingFactory(board=cast.board, starts_at=in_days(12), ends_at=in_days(12, 8, 30))
    case = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    reason = "r" * 300
    client = api(cast.coordinator)
    client.raise_request_exception = False
    response = client.post(api_url("case-defer", case.uuid), {"reason": reason})
    assert response.status_code == 200, response.content[:300]
    assert AgendaItem.history.filter(
        meeting=meeting, history_type="-", history_change_reason=f"Deferred: {reason}"
    ).exists()
