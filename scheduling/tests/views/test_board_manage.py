"""A board's management page: members, every setting, standing schedules (views.board_manage)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from scheduling import services
from scheduling.models import Board, BoardMembership, BoardSchedule
from tests.factories import UserFactory
from tumorboard import roles

pytestmark = pytest.mark.django_db


def url(name, board, *args) -> str:
    return reverse(name, args=[board.uuid, *args])


def settings_data(board, **overrides) -> dict:
    """The settings form as the page fills it, with `overrides`."""
    data = {
        "name": board.name,
        "time_zone": board.time_zone,
        "opinion_deadline_hours": board.opinion_deadline_hours,
        "agenda_circulation_hours": board.agenda_circulation_hours,
        "mri_max_age_days": board.mri_max_age_days,
        "mri_from_attachments": "true" if board.mri_from_attachments else "false",
        "default_case_minutes": board.default_case_minutes,
        "opinions_blind": "true" if board.opinions_blind else "false",
        "required_disciplines": list(board.required_disciplines),
        "quorum_min_present": board.quorum_min_present,
        "follow_up_days": ", ".join(str(days) for days in board.follow_up_days),
        "target_referral_to_meeting_days": board.target_referral_to_meeting_days,
        "target_urgent_hours": board.target_urgent_hours,
        "target_plan_signed_days": board.target_plan_signed_days,
        "target_treatment_days": board.target_treatment_days,
        "escc_1c_high_grade": "false",
        "intermediate_histology": "sensitive",
        "sbrt_regimens": "",
        "too_ill_kps_at_most": "40",
        "too_ill_ecog_at_least": "3",
        "too_ill_survival_under_months": "3",
        "care_team_phone": board.care_team_phone,
        "out_of_hours_phone": board.out_of_hours_phone,
    }
    return data | overrides


def schedule_data(prefix="new-schedule", **overrides) -> dict:
    data = {
        "frequency": "weekly",
        "weekday": "3",
        "week_of_month": "",
        "local_start_time": "07:30",
        "time_zone": "Europe/London",
        "duration_minutes": "60",
        "starts_on": str(timezone.localdate()),
        "location": "Seminar room 2",
        "video_link": "",
    } | overrides
    return {f"{prefix}-{key}": value for key, value in data.items()}


@pytest.mark.parametrize("who", ["coordinator", "chair"])
def test_coordinator_and_chair_see_members_settings_and_schedules(cast, client_for, who):
    response = client_for(getattr(cast, who)).get(url("board-manage", cast.board))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-member="spec_spine_surgery"' in page
    assert "Spine surgery" in page
    for heading in ("Members and duties", "Quorum", "Meetings and readiness", "Standing sched"):
        assert heading in page
    assert 'name="opinion_deadline_hours"' in page
    assert "FREQ=" not in page


@pytest.mark.parametrize(
    ("who", "code"), [("surgeon", 403), ("outsider", 404), ("patient_user", 403)]
)
def test_others_cannot_open_or_use_the_page(cast, client_for, who, code):
    client = client_for(getattr(cast, who))
    assert client.get(url("board-manage", cast.board)).status_code == code
    response = client.post(
        url("board-manage", cast.board), settings_data(cast.board, opinion_deadline_hours=2)
    )
    assert response.status_code == code
    response = client.post(url("board-member-remove", cast.board, cast.surgeon.pk))
    assert response.status_code == code
    assert Board.objects.get(pk=cast.board.pk).opinion_deadline_hours == 24
    assert BoardMembership.objects.filter(board=cast.board, user=cast.surgeon).exists()


def test_coordinator_finds_and_adds_a_member(cast, client_for):
    nurse = UserFactory(
        username="nurse", first_name="Nora", last_name="Quill", roles=[roles.SPECIALIST]
    )
    UserFactory(username="quilty", first_name="Pat", last_name="Quill", roles=[roles.PATIENT])
    client = client_for(cast.coordinator)
    found = client.post(url("board-member-search", cast.board), {"search-q": "quill"})
    assert found.status_code == 200
    page = found.content.decode()
    assert "Nora Quill" in page
    assert "Pat Quill" not in page  # a patient is not staff
    nobody = client.post(url("board-member-search", cast.board), {"search-q": "spec"})
    assert "Nobody of the clinical staff who is not on the board matches." in (
        nobody.content.decode()
    )
    response = client.post(
        url("board-member-add", cast.board), {"add-user": nurse.pk, "add-role": "member"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#members")
    row = BoardMembership.objects.get(board=cast.board, user=nurse)
    assert (row.role, row.created_by) == ("member", cast.coordinator)
    again = client.post(
        url("board-member-add", cast.board), {"add-user": nurse.pk, "add-role": "member"}
    )
    assert again.status_code == 400
    page = again.content.decode()
    assert "Nora Quill is already on the board" in page
    assert page.count('name="add-user"') == 1  # only the person chosen, not every user
    unknown = client.post(
        url("board-member-add", cast.board), {"add-user": "x", "add-role": "member"}
    )
    assert unknown.status_code == 400
    assert 'name="add-user"' not in unknown.content.decode()


def test_coordinator_changes_a_duty_and_removes_a_member(cast, client_for):
    client = client_for(cast.coordinator)
    pk = cast.surgeon.pk
    response = client.post(url("board-member-role", cast.board, pk), {f"role-{pk}-role": "chair"})
    assert response.status_code == 302
    assert BoardMembership.objects.get(board=cast.board, user=cast.surgeon).role == "chair"
    bad = client.post(url("board-member-role", cast.board, pk), {f"role-{pk}-role": "boss"})
    assert bad.status_code == 400
    response = client.post(url("board-member-remove", cast.board, pk))
    assert response.status_code == 302
    assert not BoardMembership.objects.filter(board=cast.board, user=cast.surgeon).exists()
    gone = client.post(url("board-member-remove", cast.board, pk))
    assert gone.status_code == 404


def test_a_coordinator_who_leaves_goes_back_to_the_meetings(cast, client_for):
    services.board_member_set_role(
        board=cast.board, user=cast.chair, role="coordinator", by=cast.coordinator
    )
    client = client_for(cast.coordinator)
    response = client.post(url("board-member-remove", cast.board, cast.coordinator.pk))
    assert response.status_code == 302
    assert response["Location"] == reverse("meeting-list")
    assert client.get(url("board-manage", cast.board)).status_code == 404


def test_the_last_coordinator_stays_with_a_form_error(cast, client_for):
    client = client_for(cast.chair)
    pk = cast.coordinator.pk
    response = client.post(url("board-member-remove", cast.board, pk))
    assert response.status_code == 400
    assert "The board needs at least one coordinator" in response.content.decode()
    demote = client.post(url("board-member-role", cast.board, pk), {f"role-{pk}-role": "member"})
    assert demote.status_code == 400
    assert "The board needs at least one coordinator" in demote.content.decode()
    assert BoardMembership.objects.get(board=cast.board, user=cast.coordinator).role == (
        "coordinator"
    )


def test_coordinator_saves_every_setting_on_one_form(cast, client_for):
    client = client_for(cast.coordinator)
    response = client.post(
        url("board-manage", cast.board),
        settings_data(
            cast.board,
            opinion_deadline_hours="36",
            agenda_circulation_hours="48",
            mri_max_age_days="42",
            mri_from_attachments="true",
            opinions_blind="false",
            required_disciplines=["spine_surgery", "pain_medicine"],
            quorum_min_present="3",
            time_zone="Europe/Madrid",
            follow_up_days="28, 91,365",
            target_urgent_hours="24",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    board = Board.objects.get(pk=cast.board.pk)
    assert (board.opinion_deadline_hours, board.agenda_circulation_hours) == (36, 48)
    assert (board.mri_max_age_days, board.opinions_blind, board.time_zone) == (
        42,
        False,
        "Europe/Madrid",
    )
    assert board.required_disciplines == ["spine_surgery", "pain_medicine"]
    assert board.quorum_min_present == 3
    assert board.follow_up_days == [28, 91, 365]
    assert board.mri_from_attachments is True
    assert board.target_urgent_hours == 24
    assert board.history.first().history_user == cast.coordinator
    page = client.get(url("board-manage", cast.board)).content.decode()
    assert "Board settings saved." in page
    versions = board.history.count()
    unchanged = client.post(url("board-manage", cast.board), settings_data(board))
    assert unchanged.status_code == 302
    assert board.history.count() == versions
    assert "Nothing was changed." in client.get(url("board-manage", cast.board)).content.decode()


@pytest.mark.parametrize(
    ("overrides", "shown"),
    [
        ({"opinion_deadline_hours": "999"}, "less than or equal to 336"),
        ({"mri_max_age_days": "0"}, "greater than or equal to 1"),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice"),
        ({"required_disciplines": ["cardiology"]}, "Select a valid choice"),
        ({"name": ""}, "This field is required."),
        ({"follow_up_days": "91, 42"}, "in increasing order"),
        ({"follow_up_days": "six weeks"}, "Give whole numbers of days"),
        ({"follow_up_days": "42, 2000"}, "1–1825"),
    ],
)
def test_bad_settings_are_form_errors_and_change_nothing(cast, client_for, overrides, shown):
    before = Board.objects.get(pk=cast.board.pk).history.count()
    response = client_for(cast.coordinator).post(
        url("board-manage", cast.board),
        settings_data(cast.board, opinion_deadline_hours="12", **overrides)
        if "opinion_deadline_hours" not in overrides
        else settings_data(cast.board, **overrides),
    )
    assert response.status_code == 400
    assert shown in response.content.decode()
    board = Board.objects.get(pk=cast.board.pk)
    assert board.history.count() == before
    assert board.opinion_deadline_hours == 24


def test_coordinator_adds_changes_and_removes_a_standing_schedule(cast, client_for):
    client = client_for(cast.coordinator)
    response = client.post(url("board-schedule-add", cast.board), schedule_data())
    assert response.status_code == 302
    schedule = BoardSchedule.objects.get()
    assert schedule.recurrence == "FREQ=WEEKLY;BYDAY=TH"
    page = client.get(url("board-manage", cast.board)).content.decode()
    assert "Every Thursday at 07:30, Europe/London" in page
    prefix = f"schedule-{schedule.pk}"
    response = client.post(
        url("board-schedule-edit", cast.board, schedule.pk),
        schedule_data(prefix, frequency="monthly", week_of_month="1", active="on"),
    )
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.description == "The first Thursday of every month at 07:30, Europe/London"
    bad = client.post(
        url("board-schedule-edit", cast.board, schedule.pk),
        schedule_data(prefix, frequency="monthly", week_of_month=""),
    )
    assert bad.status_code == 400
    assert "Choose the week of the month." in bad.content.decode()
    response = client.post(url("board-schedule-remove", cast.board, schedule.pk))
    assert response.status_code == 302
    assert not BoardSchedule.objects.exists()


def test_a_schedule_of_another_board_is_not_found(cast, client_for, other_coordinator):
    other = services.board_schedule_create(
        board=cast.other_board,
        frequency="weekly",
        weekday=1,
        local_start_time=dt.time(8, 0),
        time_zone="UTC",
        duration_minutes=60,
        starts_on=timezone.localdate(),
        by=other_coordinator,
    )
    client = client_for(cast.coordinator)
    response = client.post(url("board-schedule-remove", cast.board, other.pk))
    assert response.status_code == 404
    bad = client.post(url("board-schedule-add", cast.board), schedule_data(time_zone="Nowhere"))
    assert bad.status_code == 400
    assert BoardSchedule.objects.count() == 1
