"""Computed rules: readiness, urgency, quorum, booked minutes, conflicts, next meeting."""

import datetime as dt

import pytest

from cases.models import Case
from scheduling import rules
from scheduling.models import Attendance, Invitation, Meeting
from scheduling.tests.helpers import ready_case
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    MeetingFactory,
    MembershipFactory,
    in_days,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


# --- readiness --------------------------------------------------------------------------------


def test_complete_case_is_ready(cast):
    readiness = rules.case_readiness(ready_case(cast.board, today=TODAY), cast.board, TODAY)
    assert readiness == rules.Readiness(ready=True, missing=[], stale=[])


def test_mri_older_than_the_board_allows_is_stale_and_the_setting_decides(cast):
    case = ready_case(cast.board, mri_days_ago=40, today=TODAY)
    cast.board.mri_max_age_days = 28
    readiness = rules.case_readiness(case, cast.board, TODAY)
    assert readiness.ready is False
    assert readiness.missing == []
    assert readiness.stale == [
        "Spine MRI of 06 May 2026 is 40 days old; this board accepts up to 28 days"
    ]
    cast.board.mri_max_age_days = 42  # a board that accepts six-week-old imaging
    assert rules.case_readiness(case, cast.board, TODAY).ready is True


def test_mri_exactly_at_the_limit_is_recent(cast):
    case = ready_case(cast.board, mri_days_ago=28, today=TODAY)
    assert rules.case_readiness(case, cast.board, TODAY).ready is True


def test_ct_only_counts_as_no_mri(cast):
    case = ready_case(cast.board, today=TODAY)
    case.lesions.update(imaging_modality="ct")
    readiness = rules.case_readiness(case, cast.board, TODAY)
    assert readiness.missing == ["Spine MRI (no dated MRI on any lesion)"]


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"histology_confirmed": None}, ["Histology: whether the diagnosis is tissue-proven"]),
        ({"histology": ""}, ["Histology: the tissue-proven type"]),
        (
            {"kps": None},
            [
                "Performance status (KPS or ECOG)",
                "Tokuhashi (revised): Karnofsky (KPS)",
                # NOMS's "too ill for local treatment" needs a performance status (issue 13).
                "NOMS at T10: Karnofsky (KPS) or ECOG",
            ],
        ),
        ({"neuro_exam_date": None}, ["Neurological examination: date"]),
        (
            {"frankel_grade": ""},
            [
                "Neurological examination: Frankel or ASIA grade",
                "Tokuhashi (revised): frankel grade",
            ],
        ),
        (
            {"vertebral_body_mets": None},
            [
                "Tokuhashi (revised): vertebral body mets",
                "Tomita: vertebral body mets",
            ],
        ),
        ({"fit_for_surgery": None}, ["NOMS at T10: fit for surgery"]),
    ],
)
def test_missing_data_is_listed(cast, changes, missing):
    case = ready_case(cast.board, today=TODAY, **changes)
    readiness = rules.case_readiness(case, cast.board, TODAY)
    assert readiness.ready is False
    assert readiness.missing == missing
    assert readiness.stale == []


def test_not_tissue_proven_is_recorded_data_not_missing(cast):
    case = ready_case(cast.board, today=TODAY, histology_confirmed=False, histology="")
    assert rules.case_readiness(case, cast.board, TODAY).ready is True


def test_ecog_alone_is_a_performance_status(cast):
    case = ready_case(cast.board, today=TODAY, kps=None, ecog=1)
    assert rules.case_readiness(case, cast.board, TODAY).missing == []


def test_blank_question_and_no_lesion(cast):
    case = CaseFactory(board=cast.board)
    case.clinical_question = "  "  # the database refuses a blank one; the rule still checks it
    readiness = rules.case_readiness(case, cast.board, TODAY)
    assert readiness.missing[:2] == [
        "Clinical question for the board",
        "Spine MRI (no dated MRI on any lesion)",
    ]
    assert "NOMS: no spinal lesion recorded" in readiness.missing


def test_future_neuro_exam_is_stale(cast):
    case = ready_case(cast.board, today=TODAY, neuro_exam_date=TODAY + dt.timedelta(days=3))
    assert rules.case_readiness(case, cast.board, TODAY).stale == [
        "Neurological examination dated in the future (2026-06-18)"
    ]


# --- urgency ----------------------------------------------------------------------------------


def test_urgent_by_referral_or_by_clinical_flag(cast):
    routine = ready_case(cast.board)
    assert rules.is_urgent(routine) is False
    assert rules.is_urgent(ready_case(cast.board, urgency=Case.Urgency.EMERGENCY)) is True
    progressing = ready_case(cast.board, neuro_progression=Case.Progression.DAYS)
    assert [f.code for f in rules.case_urgent_flags(progressing)] == ["cord_compression"]
    assert rules.is_urgent(progressing) is True


def test_instability_alone_is_flagged_but_not_urgent(cast):
    unstable = ready_case(cast.board)
    unstable.lesions.update(
        level="T12", alignment="subluxation", collapse="over_50", posterolateral="bilateral"
    )
    flags = rules.case_urgent_flags(unstable)
    assert [f.code for f in flags] == ["unstable"]
    assert flags[0].text == "T12: SINS 18, unstable (Fisher 2010)."
    assert rules.is_urgent(unstable) is False


# --- quorum -----------------------------------------------------------------------------------


@pytest.fixture
def todays_meeting(cast):
    """A meeting running today, from 00:05 to 23:00."""
    return MeetingFactory(board=cast.board, starts_at=in_days(0, 0, 5), ends_at=in_days(0, 23, 0))


def attend(meeting, user, mode):
    return Attendance.objects.create(meeting=meeting, user=user, mode=mode)


def test_quorum_needs_every_required_discipline_present(cast, todays_meeting):
    attend(todays_meeting, cast.surgeon, Attendance.Mode.IN_PERSON)
    attend(todays_meeting, cast.specialists["radiation_oncology"], Attendance.Mode.REMOTE)
    attend(todays_meeting, cast.specialists["medical_oncology"], Attendance.Mode.ABSENT)
    quorum = rules.meeting_quorum(todays_meeting)
    assert quorum == rules.Quorum(
        met=False,
        required=["spine_surgery", "radiation_oncology", "medical_oncology"],
        present=["radiation_oncology", "spine_surgery"],
        missing_disciplines=["medical_oncology"],
        minimum_present=1,
        present_count=2,
    )
    attend(todays_meeting, cast.chair, Attendance.Mode.REMOTE)  # the chair is a medical oncologist
    quorum = rules.meeting_quorum(todays_meeting)
    assert quorum.met is True
    assert quorum.missing_disciplines == []
    assert quorum.present == ["medical_oncology", "radiation_oncology", "spine_surgery"]


def test_quorum_needs_the_boards_minimum_of_people_present(cast, todays_meeting):
    board = todays_meeting.board
    board.required_disciplines = ["spine_surgery"]
    board.quorum_min_present = 2
    board.save()
    attend(todays_meeting, cast.surgeon, Attendance.Mode.IN_PERSON)
    quorum = rules.meeting_quorum(todays_meeting)
    assert (quorum.met, quorum.present_count, quorum.minimum_present) == (False, 1, 2)
    attend(todays_meeting, cast.coordinator, Attendance.Mode.REMOTE)
    assert rules.meeting_quorum(todays_meeting).met is True


def test_quorum_uses_the_discipline_invited_for(cast, todays_meeting):
    # The coordinator has no specialist profile; invited to speak for pathology.
    Invitation.objects.create(meeting=todays_meeting, user=cast.coordinator, discipline="pathology")
    attend(todays_meeting, cast.coordinator, Attendance.Mode.IN_PERSON)
    cast.board.required_disciplines = ["pathology"]
    cast.board.save()
    assert rules.meeting_quorum(todays_meeting).met is True


def test_board_without_required_disciplines_needs_someone_present(cast, todays_meeting):
    cast.board.required_disciplines = []
    cast.board.save()
    assert rules.meeting_quorum(todays_meeting).met is False
    attend(todays_meeting, cast.coordinator, Attendance.Mode.IN_PERSON)
    assert rules.meeting_quorum(todays_meeting).met is True


# --- minutes, conflicts, next meeting ---------------------------------------------------------


def test_booked_minutes_and_length(cast):
    meeting = MeetingFactory(board=cast.board, starts_at=in_days(3), ends_at=in_days(3, 8, 30))
    assert rules.meeting_booked_minutes(meeting) == 0
    AgendaItemFactory(meeting=meeting, case=CaseFactory(board=cast.board), minutes_allotted=15)
    AgendaItemFactory(meeting=meeting, case=CaseFactory(board=cast.board), minutes_allotted=25)
    assert rules.meeting_booked_minutes(meeting) == 40
    assert rules.meeting_minutes(meeting) == 60


def test_member_conflicts_across_boards(cast):
    ours = MeetingFactory(board=cast.board, starts_at=in_days(3), ends_at=in_days(3, 8, 30))
    theirs = MeetingFactory(
        board=cast.other_board, starts_at=in_days(3, 8, 0), ends_at=in_days(3, 9, 0)
    )
    later = MeetingFactory(
        board=cast.other_board, starts_at=in_days(3, 8, 30), ends_at=in_days(3, 9, 30)
    )
    MembershipFactory(board=cast.other_board, user=cast.surgeon)
    invitation = Invitation.objects.create(meeting=theirs, user=cast.surgeon)
    Invitation.objects.create(meeting=later, user=cast.surgeon)  # touches, does not overlap
    assert rules.member_conflicts(cast.surgeon, ours) == [theirs]
    assert rules.member_conflicts(cast.specialists["radiation_oncology"], ours) == []
    invitation.response = Invitation.Response.DECLINED
    invitation.save()
    assert rules.member_conflicts(cast.surgeon, ours) == []


def test_next_meeting_skips_past_cancelled_and_started(cast):
    MeetingFactory(board=cast.board, starts_at=in_days(-7), ends_at=in_days(-7, 8, 30))
    MeetingFactory(
        board=cast.board,
        starts_at=in_days(2),
        ends_at=in_days(2, 8, 30),
        status=Meeting.Status.CANCELLED,
    )
    MeetingFactory(board=cast.other_board, starts_at=in_days(3), ends_at=in_days(3, 8, 30))
    wanted = MeetingFactory(board=cast.board, starts_at=in_days(9), ends_at=in_days(9, 8, 30))
    MeetingFactory(board=cast.board, starts_at=in_days(16), ends_at=in_days(16, 8, 30))
    assert rules.next_meeting_for(cast.board) == wanted
    assert rules.next_meeting_for(cast.board, wanted.starts_at).starts_at == in_days(16)
    assert rules.next_meeting_for(cast.board, in_days(20)) is None
