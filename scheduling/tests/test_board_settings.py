"""A board's decision-support settings: who reads and changes them, bad input, the history kept."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from clinical.regimens import SBRT_REGIMENS
from scheduling.models import Board
from scheduling.services import board_settings_update

pytestmark = pytest.mark.django_db

PROJECT_LABELS = [regimen.label for regimen in SBRT_REGIMENS]


def api_url(board) -> str:
    return reverse("api:board-settings", kwargs={"uuid": board.uuid})


def page_url(board) -> str:
    return reverse("board-settings", args=[board.uuid])


def snapshot(board) -> tuple:
    board = Board.objects.get(pk=board.pk)
    return (
        board.escc_1c_high_grade,
        board.intermediate_histology,
        board.sbrt_regimens,
        board.history.count(),
    )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# API: reading -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "can_change"), [("coordinator", True), ("chair", True), ("surgeon", False)]
)
def test_board_members_read_the_settings(cast, api, who, can_change):
    response = api(getattr(cast, who)).get(api_url(cast.board))
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
        "can_change": can_change,
    }


def test_an_unreadable_stored_list_is_reported_not_hidden(cast, api):
    Board.objects.filter(pk=cast.board.pk).update(sbrt_regimens=[{"total_dose_gy": 24}])
    body = api(cast.coordinator).get(api_url(cast.board)).json()
    assert body["sbrt_regimens_source"] == "project"
    assert body["sbrt_regimens_problems"] == ["Regimen 1: fractions is required."]
    assert [r["label"] for r in body["sbrt_regimens_in_force"]] == PROJECT_LABELS


def test_outsider_gets_404_but_reads_their_own_board(cast, api):
    assert api(cast.outsider).get(api_url(cast.board)).status_code == 404
    assert api(cast.outsider).get(api_url(cast.other_board)).status_code == 200


@pytest.mark.parametrize("who", ["patient_user", "stranger"])
def test_patients_and_roleless_users_are_refused(cast, api, who):
    assert api(getattr(cast, who)).get(api_url(cast.board)).status_code == 403
    response = api(getattr(cast, who)).patch(
        api_url(cast.board), {"escc_1c_high_grade": True}, format="json"
    )
    assert response.status_code == 403


# API: changing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "chair"])
def test_coordinator_and_chair_change_the_settings(cast, api, who):
    user = getattr(cast, who)
    response = api(user).patch(
        api_url(cast.board),
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
    before = snapshot(cast.board)
    response = api(cast.surgeon).patch(
        api_url(cast.board), {"escc_1c_high_grade": True}, format="json"
    )
    assert response.status_code == 403
    assert "coordinators and chair" in response.json()["detail"]
    assert snapshot(cast.board) == before


def test_coordinator_of_another_board_gets_404(cast, api):
    before = snapshot(cast.board)
    response = api(cast.outsider).patch(
        api_url(cast.board), {"escc_1c_high_grade": True}, format="json"
    )
    assert response.status_code == 404
    assert snapshot(cast.board) == before


def test_an_empty_list_restores_the_project_list(cast, api):
    client = api(cast.coordinator)
    client.patch(
        api_url(cast.board),
        {"sbrt_regimens": [{"total_dose_gy": 24, "fractions": 2}]},
        format="json",
    )
    response = client.patch(api_url(cast.board), {"sbrt_regimens": []}, format="json")
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
    ],
)  # fmt: skip
def test_bad_input_is_400_with_field_errors_and_changes_nothing(cast, api, payload, field, message):
    before = snapshot(cast.board)
    payload = {"escc_1c_high_grade": True, **payload} if field != "escc_1c_high_grade" else payload
    response = api(cast.coordinator).patch(api_url(cast.board), payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    assert field in body
    if message:
        assert message in body[field]
    assert snapshot(cast.board) == before


# Service ----------------------------------------------------------------------------------------


def test_service_refuses_a_specialist_and_unknown_settings(cast):
    with pytest.raises(PermissionDenied):
        board_settings_update(board=cast.board, by=cast.surgeon, escc_1c_high_grade=True)
    with pytest.raises(TypeError, match="opinions_blind"):
        board_settings_update(board=cast.board, by=cast.coordinator, opinions_blind=False)
    assert Board.objects.get(pk=cast.board.pk).escc_1c_high_grade is False


def test_service_leaves_the_callers_board_untouched_on_refusal(cast):
    with pytest.raises(Exception, match="Please correct"):
        board_settings_update(
            board=cast.board,
            by=cast.coordinator,
            intermediate_histology="resistant",
            sbrt_regimens=[{"total_dose_gy": 24, "fractions": 99}],
        )
    assert cast.board.intermediate_histology == "sensitive"
    assert Board.objects.get(pk=cast.board.pk).intermediate_histology == "sensitive"


# Page -------------------------------------------------------------------------------------------


def form_data(**overrides) -> dict:
    return {
        "escc_1c_high_grade": "false",
        "intermediate_histology": "sensitive",
        "sbrt_regimens": "",
    } | overrides


def test_coordinator_sees_the_form_with_current_values(cast):
    cast.board.sbrt_regimens = [{"total_dose_gy": 24, "fractions": 2}]
    cast.board.save()
    response = client_for(cast.coordinator).get(page_url(cast.board))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<form" in page
    assert '<textarea name="sbrt_regimens"' in page
    assert ">\n24 Gy/2</textarea>" in page
    assert re.search(r'value="false"[^>]*checked', page)
    assert not re.search(r'value="true"[^>]*checked', page)


def test_coordinator_changes_the_settings_on_the_page(cast):
    client = client_for(cast.coordinator)
    response = client.post(
        page_url(cast.board),
        form_data(
            escc_1c_high_grade="true",
            intermediate_histology="resistant",
            sbrt_regimens="24 Gy/2\n\n27/3\n18 Gy x 1",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == page_url(cast.board)
    board = Board.objects.get(pk=cast.board.pk)
    assert board.escc_1c_high_grade is True
    assert board.intermediate_histology == "resistant"
    assert board.sbrt_regimens == [
        {"total_dose_gy": 24, "fractions": 2},
        {"total_dose_gy": 27, "fractions": 3},
        {"total_dose_gy": 18, "fractions": 1},
    ]
    assert board.history.order_by("-history_date", "-history_id").first().history_user == (
        cast.coordinator
    )
    page = client.get(page_url(cast.board)).content.decode()
    assert "Decision-support settings saved." in page
    assert "24 Gy/2\n27 Gy/3\n18 Gy x 1</textarea>" in page


def test_saving_unchanged_settings_writes_nothing(cast):
    before = snapshot(cast.board)
    response = client_for(cast.chair).post(page_url(cast.board), form_data(), follow=True)
    assert "Nothing was changed." in response.content.decode()
    assert snapshot(cast.board) == before


@pytest.mark.parametrize(
    ("regimens", "message"),
    [
        ("24 Gy/12", "Regimen 1: fractions must be a whole number from 1 to 10 (got 12)."),
        ("24/2\nlots", "Regimen 2: “lots” is not total dose / fractions, e.g. 24 Gy/2."),
        ("8 Gy x 5", "Regimen 1: “8 Gy x 5” is ambiguous"),
        ("24/2\n24 Gy/2", "Regimen 2: 24 Gy/2 is listed twice."),
    ],
)
def test_bad_regimens_are_shown_on_the_form_and_nothing_changes(cast, regimens, message):
    before = snapshot(cast.board)
    response = client_for(cast.coordinator).post(
        page_url(cast.board), form_data(escc_1c_high_grade="true", sbrt_regimens=regimens)
    )
    assert response.status_code == 200
    page = response.content.decode().replace("&quot;", '"')
    assert "Nothing was saved: please correct the errors below." in page
    assert 'class="field field--error"' in page
    assert message in page
    assert snapshot(cast.board) == before


def test_specialist_reads_the_settings_but_cannot_post(cast):
    client = client_for(cast.surgeon)
    response = client.get(page_url(cast.board))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<textarea" not in page
    assert "Only the board's coordinators and chair can change these settings." in page
    assert "24 Gy x 1, 24 Gy/2, 27 Gy/3, 30 Gy/4, 35 Gy/5" in page
    before = snapshot(cast.board)
    assert client.post(page_url(cast.board), form_data(escc_1c_high_grade="true")).status_code == (
        403
    )
    assert snapshot(cast.board) == before


def test_outsider_gets_404_on_the_page(cast):
    assert client_for(cast.outsider).get(page_url(cast.board)).status_code == 404
    assert client_for(cast.outsider).get(page_url(cast.other_board)).status_code == 200


@pytest.mark.parametrize("who", ["patient_user", "stranger"])
def test_patients_and_roleless_users_get_403_on_the_page(cast, who):
    assert client_for(getattr(cast, who)).get(page_url(cast.board)).status_code == 403


def test_page_needs_login(cast):
    response = Client().get(page_url(cast.board))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
