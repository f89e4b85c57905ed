"""A board's decision-support settings page (views.boards)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from scheduling.models import Board
from scheduling.tests.helpers import board_settings_snapshot
from tests.factories import CARE_TEAM_PHONE, OUT_OF_HOURS_PHONE

pytestmark = pytest.mark.django_db


def settings_page_url(board) -> str:
    return reverse("board-settings", args=[board.uuid])


def form_data(**overrides) -> dict:
    return {
        "escc_1c_high_grade": "false",
        "intermediate_histology": "sensitive",
        "sbrt_regimens": "",
        "too_ill_kps_at_most": "40",
        "too_ill_ecog_at_least": "3",
        "too_ill_survival_under_months": "3",
        "care_team_phone": CARE_TEAM_PHONE,
        "out_of_hours_phone": OUT_OF_HOURS_PHONE,
    } | overrides


def test_coordinator_sees_the_form_with_current_values(cast, client_for):
    cast.board.sbrt_regimens = [{"total_dose_gy": 24, "fractions": 2}]
    cast.board.save()
    response = client_for(cast.coordinator).get(settings_page_url(cast.board))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<form" in page
    assert '<textarea name="sbrt_regimens"' in page
    assert ">\n24 Gy/2</textarea>" in page
    assert re.search(r'value="false"[^>]*checked', page)
    assert not re.search(r'value="true"[^>]*checked', page)


def test_coordinator_changes_the_settings_on_the_page(cast, client_for):
    client = client_for(cast.coordinator)
    response = client.post(
        settings_page_url(cast.board),
        form_data(
            escc_1c_high_grade="true",
            intermediate_histology="resistant",
            sbrt_regimens="24 Gy/2\n\n27/3\n18 Gy x 1",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == settings_page_url(cast.board)
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
    page = client.get(settings_page_url(cast.board)).content.decode()
    assert "Decision-support settings saved." in page
    assert "24 Gy/2\n27 Gy/3\n18 Gy x 1</textarea>" in page


def test_coordinator_sets_the_too_ill_thresholds_and_cases_follow(cast, client_for):
    # NOMS (Laufer 2013) "too ill for any local treatment": unconfirmed thresholds, the board's.
    client = client_for(cast.coordinator)
    response = client.post(
        settings_page_url(cast.board),
        form_data(too_ill_kps_at_most="50", too_ill_survival_under_months="6"),
    )
    assert response.status_code == 302
    board = Board.objects.get(pk=cast.board.pk)
    assert (board.too_ill_kps_at_most, board.too_ill_ecog_at_least) == (50, 3)
    assert board.too_ill_survival_under_months == 6
    page = client.get(settings_page_url(cast.board)).content.decode()
    assert "Unconfirmed threshold (project default 40)." in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("too_ill_kps_at_most", "45", "Select a valid choice. 45 is not one of the available"),
        ("too_ill_ecog_at_least", "6", "Ensure this value is less than or equal to 5."),
        ("too_ill_survival_under_months", "0", "Ensure this value is greater than or equal to 1."),
    ],
)
def test_bad_too_ill_thresholds_are_shown_and_nothing_changes(
    cast, client_for, field, value, message
):
    before = board_settings_snapshot(cast.board)
    response = client_for(cast.coordinator).post(
        settings_page_url(cast.board), form_data(**{field: value})
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert board_settings_snapshot(cast.board) == before


def test_saving_unchanged_settings_writes_nothing(cast, client_for):
    before = board_settings_snapshot(cast.board)
    response = client_for(cast.chair).post(settings_page_url(cast.board), form_data(), follow=True)
    assert "Nothing was changed." in response.content.decode()
    assert board_settings_snapshot(cast.board) == before


@pytest.mark.parametrize(
    ("regimens", "message"),
    [
        ("24 Gy/12", "Regimen 1: fractions must be a whole number from 1 to 10 (got 12)."),
        ("24/2\nlots", "Regimen 2: “lots” is not total dose / fractions, e.g. 24 Gy/2."),
        ("8 Gy x 5", "Regimen 1: “8 Gy x 5” is ambiguous"),
        ("24/2\n24 Gy/2", "Regimen 2: 24 Gy/2 is listed twice."),
    ],
)
def test_bad_regimens_are_shown_on_the_form_and_nothing_changes(
    cast, regimens, message, client_for
):
    before = board_settings_snapshot(cast.board)
    response = client_for(cast.coordinator).post(
        settings_page_url(cast.board), form_data(escc_1c_high_grade="true", sbrt_regimens=regimens)
    )
    assert response.status_code == 200
    page = response.content.decode().replace("&quot;", '"')
    assert "Nothing was saved: please correct the errors below." in page
    assert 'class="field field--error"' in page
    assert message in page
    assert board_settings_snapshot(cast.board) == before


def test_specialist_reads_the_settings_but_cannot_post(cast, client_for):
    client = client_for(cast.surgeon)
    response = client.get(settings_page_url(cast.board))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<textarea" not in page
    assert "Only the board's coordinators and chair can change these settings." in page
    assert "24 Gy x 1, 24 Gy/2, 27 Gy/3, 30 Gy/4, 35 Gy/5" in page
    before = board_settings_snapshot(cast.board)
    assert client.post(
        settings_page_url(cast.board), form_data(escc_1c_high_grade="true")
    ).status_code == (403)
    assert board_settings_snapshot(cast.board) == before


def test_outsider_gets_404_on_the_page(cast, client_for):
    assert client_for(cast.outsider).get(settings_page_url(cast.board)).status_code == 404
    assert client_for(cast.outsider).get(settings_page_url(cast.other_board)).status_code == 200


@pytest.mark.parametrize("who", ["patient_user", "stranger"])
def test_patients_and_roleless_users_get_403_on_the_page(cast, who, client_for):
    assert client_for(getattr(cast, who)).get(settings_page_url(cast.board)).status_code == 403


def test_page_needs_login(cast):
    response = Client().get(settings_page_url(cast.board))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_contact_numbers_are_set_on_the_form_and_checked(cast, client_for):
    """Issue 13: the numbers every patient summary gives; a bad one is a form error."""
    client = client_for(cast.coordinator)
    bad = client.post(settings_page_url(cast.board), form_data(out_of_hours_phone="ring us"))
    assert bad.status_code == 200 and "Give a phone number" in bad.content.decode()
    assert Board.objects.get(pk=cast.board.pk).out_of_hours_phone == OUT_OF_HOURS_PHONE
    client.post(settings_page_url(cast.board), form_data(care_team_phone="0161 496 0000"))
    assert Board.objects.get(pk=cast.board.pk).care_team_phone == "0161 496 0000"
