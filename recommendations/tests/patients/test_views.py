"""The staff's patient page: a patient's cases, meetings and decisions (issue 14)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recommendations.decisions import services as decisions
from tests.factories import CaseFactory
from tests.meeting_mode import quorum, ready_to_sign, started_agenda

pytestmark = pytest.mark.django_db


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def signed(cast):
    """A case the board discussed, with the plan the chair signed."""
    _meeting, (item,) = started_agenda(cast.board)
    quorum(cast, item.meeting)
    _record, plan = ready_to_sign(cast, item)
    return decisions.plan_sign(plan=plan, by=cast.chair)


def test_the_page_lists_the_patients_cases_with_their_decisions(cast, client_for, signed):
    case = signed.decision.agenda_item.case
    patient = case.patient
    later = CaseFactory(board=cast.board, patient=patient, clinical_question="Re-irradiate L2?")
    hidden = CaseFactory(board=cast.other_board, patient=patient, clinical_question="Elsewhere?")

    page = text(client_for(cast.coordinator).get(reverse("patient-page", args=[patient.uuid])))
    assert patient.mrn in page
    assert reverse("case-detail", args=[case.uuid]) in page
    assert reverse("case-detail", args=[later.uuid]) in page
    assert "Re-irradiate L2?" in page
    assert reverse("plan-page", args=[signed.uuid]) in page
    assert f">{signed.get_outcome_display()}</a>" in page
    assert "(signed," in page
    assert "Not on any meeting's agenda" in page  # the later case
    assert "Elsewhere?" not in page  # another board's case, as on the case list
    assert reverse("case-detail", args=[hidden.uuid]) not in page
    # newest case first
    assert page.index(str(later.uuid)) < page.index(str(case.uuid))


def test_the_page_is_hidden_outside_the_users_boards(cast, client_for):
    patient = CaseFactory(board=cast.board).patient
    url = reverse("patient-page", args=[patient.uuid])
    assert client_for(cast.outsider).get(url).status_code == 404
    assert client_for(cast.patient_user).get(url).status_code == 403
    assert client_for(cast.surgeon).get(url).status_code == 200


def test_the_page_costs_the_same_queries_for_more_cases(cast, client_for, signed):
    patient = signed.decision.agenda_item.case.patient
    client = client_for(cast.coordinator)
    url = reverse("patient-page", args=[patient.uuid])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        text(client.get(url))
    for _ in range(3):
        CaseFactory(board=cast.board, patient=patient)
    with CaptureQueriesContext(connection) as more:
        text(client.get(url))
    assert len(more) == len(few)


def test_the_case_page_and_the_search_lead_to_the_patient(cast, client_for):
    case = CaseFactory(board=cast.board)
    client = client_for(cast.coordinator)
    target = reverse("patient-page", args=[case.patient.uuid])
    page = text(client.get(reverse("case-detail", args=[case.uuid])))
    assert f'<a href="{target}">Earlier cases of this patient</a>' in page
    found = text(client.post(reverse("case-search"), {"mrn": case.patient.mrn.lower()}))
    assert target in found
    assert target not in text(client.get(reverse("case-list")))  # the plain list: case links
