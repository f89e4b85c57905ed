"""The user's boards and a board's decision-support settings (api.boards)."""

import pytest
from django.urls import reverse

from cases.tests.demo_cases import walter
from clinical.regimens import SBRT_REGIMENS
from scheduling.models import Board
from scheduling.tests.helpers import board_settings_snapshot, results
from tests.factories import CARE_TEAM_PHONE, OUT_OF_HOURS_PHONE, MembershipFactory

pytestmark = pytest.mark.django_db


PROJECT_LABELS = [regimen.label for regimen in SBRT_REGIMENS]


def settings_api_url(board) -> str:
    return reverse("api:board-settings", kwargs={"uuid": board.uuid})


@pytest.mark.parametrize("name", ["coordinator", "chair", "surgeon"])
def test_member_lists_own_boards_only(cast, api, name):
    rows = results(api(getattr(cast, name)).get(reverse("api:board-list")))
    assert [row["uuid"] for row in rows] == [str(cast.board.uuid)]
    assert rows[0]["name"] == "Spine Oncology Board"


def test_outsider_lists_their_board_only(cast, api):
    rows = results(api(cast.outsider).get(reverse("api:board-list")))
    assert [row["uuid"] for row in rows] == [str(cast.other_board.uuid)]


def test_user_with_two_roles_on_a_board_sees_it_once(cast, api):
    MembershipFactory(board=cast.board, user=cast.chair, role="member")
    rows = results(api(cast.chair).get(reverse("api:board-list")))
    assert [row["uuid"] for row in rows] == [str(cast.board.uuid)]


@pytest.mark.parametrize(
    ("who", "can_change"), [("coordinator", True), ("chair", True), ("surgeon", False)]
)
def test_board_members_read_the_settings(cast, api, who, can_change):
    response = api(getattr(cast, who)).get(settings_api_url(cast.board))
    assert response.status_code == 200
    assert response.json() == {
        "uuid": str(cast.board.uuid),
        "name": "Spine Oncology Board",
        "escc_1c_high_grade": False,
        "intermediate_histology": "sensitive",
        "sbrt_regimens": [],
        "sbrt_regimens_in_force": [
            {"total_dose_gy": r.total_dose_gy, "fractions": r.fractions, "label": r.label}
            for r in SBRT_REGIMENS
        ],
        "sbrt_regimens_source": "project",
        "sbrt_regimens_problems": [],
        "too_ill_kps_at_most": 40,
        "too_ill_ecog_at_least": 3,
        "too_ill_survival_under_months": 3,
        "too_ill_source": "project",
        "care_team_phone": CARE_TEAM_PHONE,
        "out_of_hours_phone": OUT_OF_HOURS_PHONE,
        "can_change": can_change,
    }


def test_an_unreadable_stored_list_is_reported_not_hidden(cast, api):
    Board.objects.filter(pk=cast.board.pk).update(sbrt_regimens=[{"total_dose_gy": 24}])
    body = api(cast.coordinator).get(settings_api_url(cast.board)).json()
    assert body["sbrt_regimens_source"] == "project"
    assert body["sbrt_regimens_problems"] == ["Regimen 1: fractions is required."]
    assert [r["label"] for r in body["sbrt_regimens_in_force"]] == PROJECT_LABELS


def test_outsider_gets_404_but_reads_their_own_board(cast, api):
    assert api(cast.outsider).get(settings_api_url(cast.board)).status_code == 404
    assert api(cast.outsider).get(settings_api_url(cast.other_board)).status_code == 200


@pytest.mark.parametrize("who", ["patient_user", "stranger"])
def test_patients_and_roleless_users_are_refused(cast, api, who):
    assert api(getattr(cast, who)).get(settings_api_url(cast.board)).status_code == 403
    response = api(getattr(cast, who)).patch(
        settings_api_url(cast.board), {"escc_1c_high_grade": True}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["coordinator", "chair"])
def test_coordinator_and_chair_change_the_settings(cast, api, who):
    user = getattr(cast, who)
    response = api(user).patch(
        settings_api_url(cast.board),
        {
            "escc_1c_high_grade": True,
            "intermediate_histology": "resistant",
            "sbrt_regimens": [
                {"total_dose_gy": 24.0, "fractions": 2},
                {"total_dose_gy": 16.5, "fractions": 1},
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["escc_1c_high_grade"] is True
    assert body["intermediate_histology"] == "resistant"
    assert [r["label"] for r in body["sbrt_regimens_in_force"]] == ["24 Gy/2", "16.5 Gy x 1"]
    assert body["sbrt_regimens_source"] == "board"
    board = Board.objects.get(pk=cast.board.pk)
    assert board.escc_1c_high_grade is True
    assert board.intermediate_histology == "resistant"
    assert board.sbrt_regimens == [
        {"total_dose_gy": 24, "fractions": 2},
        {"total_dose_gy": 16.5, "fractions": 1},
    ]
    assert board.updated_by == user
    latest = board.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == user
    assert latest.escc_1c_high_grade is True


def test_specialist_cannot_change_the_settings(cast, api):
    before = board_settings_snapshot(cast.board)
    response = api(cast.surgeon).patch(
        settings_api_url(cast.board), {"escc_1c_high_grade": True}, format="json"
    )
    assert response.status_code == 403
    assert "coordinators and chair" in response.json()["detail"]
    assert board_settings_snapshot(cast.board) == before


def test_coordinator_of_another_board_gets_404(cast, api):
    before = board_settings_snapshot(cast.board)
    response = api(cast.outsider).patch(
        settings_api_url(cast.board), {"escc_1c_high_grade": True}, format="json"
    )
    assert response.status_code == 404
    assert board_settings_snapshot(cast.board) == before


def test_an_empty_list_restores_the_project_list(cast, api):
    client = api(cast.coordinator)
    client.patch(
        settings_api_url(cast.board),
        {"sbrt_regimens": [{"total_dose_gy": 24, "fractions": 2}]},
        format="json",
    )
    response = client.patch(settings_api_url(cast.board), {"sbrt_regimens": []}, format="json")
    assert response.status_code == 200
    assert response.json()["sbrt_regimens_source"] == "project"
    assert [r["label"] for r in response.json()["sbrt_regimens_in_force"]] == PROJECT_LABELS
    assert Board.objects.get(pk=cast.board.pk).sbrt_regimens == []


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            {"sbrt_regimens": [{"total_dose_gy": 24, "fractions": 12}]},
            "sbrt_regimens",
            "Regimen 1: fractions must be a whole number from 1 to 10 (got 12).",
        ),
        (
            {"sbrt_regimens": [{"total_dose_gy": 24, "fractions": 2},
                               {"total_dose_gy": -5, "fractions": 1}]},
            "sbrt_regimens",
            "Regimen 2: total_dose_gy must be a number of Gy above 0 (got -5).",
        ),
        (
            {"sbrt_regimens": [{"total_dose_gy": "lots", "fractions": 1}]},
            "sbrt_regimens",
            "Regimen 1: total_dose_gy must be a number of Gy above 0 (got 'lots').",
        ),
        (
            {"sbrt_regimens": [{"fractions": 1}]},
            "sbrt_regimens",
            "Regimen 1: total_dose_gy is required.",
        ),
        (
            {"sbrt_regimens": {"total_dose_gy": 24, "fractions": 2}},
            "sbrt_regimens",
            "Give a list of regimens, each with total_dose_gy and fractions.",
        ),
        ({"intermediate_histology": "sometimes"}, "intermediate_histology", None),
        ({"escc_1c_high_grade": "perhaps"}, "escc_1c_high_grade", None),
        ({"opinions_blind": False}, "opinions_blind", "This field cannot be set here."),
        ({"too_ill_kps_at_most": 45}, "too_ill_kps_at_most", "Karnofsky is 0–100 in steps of 10."),
        ({"too_ill_ecog_at_least": 6}, "too_ill_ecog_at_least", None),
        ({"too_ill_survival_under_months": 0}, "too_ill_survival_under_months", None),
    ],
)  # fmt: skip
def test_bad_input_is_400_with_field_errors_and_changes_nothing(cast, api, payload, field, message):
    before = board_settings_snapshot(cast.board)
    payload = {"escc_1c_high_grade": True, **payload} if field != "escc_1c_high_grade" else payload
    response = api(cast.coordinator).patch(settings_api_url(cast.board), payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    assert field in body
    if message:
        assert message in body[field]
    assert board_settings_snapshot(cast.board) == before


def test_too_ill_thresholds_are_the_boards_setting_and_reach_noms(cast, api):
    # NOMS (Laufer 2013) "too ill for any local treatment / very limited survival": the row and its
    # thresholds are unconfirmed, so the board sets them; the assessment shows whose they are.
    case = walter(cast.board)  # KPS 70, expected survival 12 months
    client = api(cast.coordinator)
    assessment = reverse("api:case-assessment", kwargs={"uuid": case.uuid})
    before = client.get(assessment).json()
    assert before["lesions"][0]["noms"]["result"]["rules"] != ["s_too_ill"]
    response = client.patch(
        settings_api_url(cast.board), {"too_ill_kps_at_most": 70}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["too_ill_kps_at_most"], response.json()["too_ill_source"]) == (
        70,
        "board",
    )
    after = client.get(assessment).json()
    assert after["lesions"][0]["noms"]["result"]["rules"] == ["s_too_ill"]
    assert after["settings"]["too_ill_source"] == "board"
    assert "the board's setting; unconfirmed" in after["settings"]["too_ill_text"]
