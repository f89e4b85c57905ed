"""API shapes: input parsing and the output of a case."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from cases.selectors import case_detail
from cases.serializers import (
    BoardSummarySerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseUpdateSerializer,
    LesionSerializer,
)
from tests.factories import AgendaItemFactory, CaseFactory, LesionFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def request_by(user):
    request = APIRequestFactory().post("/")
    request.user = user
    return request


def test_a_board_is_summarised_by_uuid_and_name(cast):
    assert BoardSummarySerializer(cast.board).data == {
        "uuid": str(cast.board.uuid),
        "name": "Spine Oncology Board",
    }


def test_a_spinal_level_is_read_in_any_case_with_spaces():
    serializer = LesionSerializer(data={"level": " t10 "})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["level"] == "T10"
    refused = LesionSerializer(data={"level": "T13"})
    assert not refused.is_valid()
    assert "T13 is not a spinal level" in refused.errors["level"][0]


def test_the_board_and_patient_of_a_new_case_are_looked_up_in_the_user_scope(cast):
    patient = CaseFactory(board=cast.board).patient
    data = {
        "patient": str(patient.uuid),
        "board": str(cast.board.uuid),
        "referring_clinician": "Dr R",
        "clinical_question": "Radiotherapy now?",
        "primary_site": "breast",
    }
    mine = CaseCreateSerializer(data=data, context={"request": request_by(cast.surgeon)})
    assert mine.is_valid(), mine.errors
    assert mine.validated_data["board"] == cast.board
    assert mine.validated_data["patient"] == patient
    theirs = CaseCreateSerializer(data=data, context={"request": request_by(cast.outsider)})
    assert not theirs.is_valid()
    assert theirs.errors["board"] == ["No such board is available to you."]
    assert theirs.errors["patient"] == ["No such patient is available to you."]


@pytest.mark.parametrize(
    ("onset", "message"),
    [
        (dt.datetime(1850, 1, 1, tzinfo=dt.UTC), "Give a date on or after 1950-01-01."),
        (timezone.now() + dt.timedelta(days=2), "A date cannot be in the future."),
    ],
)
def test_an_implausible_deficit_onset_is_refused(onset, message):
    serializer = CaseUpdateSerializer(data={"deficit_onset": onset.isoformat()}, partial=True)
    assert not serializer.is_valid()
    assert serializer.errors["deficit_onset"] == [message]


def test_status_and_board_cannot_be_set_by_an_update():
    serializer = CaseUpdateSerializer(data={"status": "closed", "board": "x"}, partial=True)
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"status", "board"}


def test_the_case_detail_shows_board_agenda_and_flags(cast):
    case = CaseFactory(board=cast.board, neuro_progression="days")
    LesionFactory(case=case)  # ESCC 3 with a deficit progressing over days: cord compression
    meeting = MeetingFactory(board=cast.board)
    AgendaItemFactory(case=case, meeting=meeting, position=1)
    data = CaseDetailSerializer(case_detail(user=cast.surgeon, uuid=case.uuid)).data
    assert data["board"] == {"uuid": str(cast.board.uuid), "name": cast.board.name}
    assert [entry["meeting"] for entry in data["agenda"]] == [str(meeting.uuid)]
    assert "cord_compression" in [flag["code"] for flag in data["flags"]]
