"""The wiring's pages (tumorboard.views and the login): home is each person's work."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_home_sends_anonymous_to_login(client_for):
    response = client_for().get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login")


def test_home_is_the_staff_worklist_and_sends_patients_to_summaries(cast, client_for):
    staff = client_for(cast.coordinator).get("/")
    assert staff.status_code == 200
    assert "<h1>My work</h1>" in text(staff)
    assert client_for(cast.patient_user).get("/")["Location"] == reverse("my-summaries")


def test_home_refuses_user_without_role(cast, client_for):
    response = client_for(cast.stranger).get("/")
    assert response.status_code == 403
    assert "has not been given a role" in text(response)


def test_my_summaries_placeholder_for_patient_only(cast, client_for):
    allowed = client_for(cast.patient_user).get(reverse("my-summaries"))
    assert allowed.status_code == 200
    assert "No summary has been released to you yet." in text(allowed)
    assert client_for(cast.coordinator).get(reverse("my-summaries")).status_code == 403


def test_login_form_signs_in_and_logout_is_a_post(cast):
    client = Client()
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'name="password"' in text(page)
    response = client.post(reverse("login"), {"username": "coord", "password": "pw-test-1234"})
    assert response.status_code == 302
    assert client.get(reverse("case-list")).status_code == 200
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("case-list")).status_code == 302


def test_login_refuses_wrong_password(cast):
    response = Client().post(reverse("login"), {"username": "coord", "password": "wrong"})
    assert response.status_code == 200
    assert "enter a correct username and password" in text(response)


def test_navigation_follows_role(cast, client_for):
    staff_page = text(client_for(cast.coordinator).get(reverse("case-list")))
    assert reverse("case-create") in staff_page
    assert reverse("my-summaries") not in staff_page
    patient_page = text(client_for(cast.patient_user).get(reverse("my-summaries")))
    assert reverse("my-summaries") in patient_page
    assert reverse("case-create") not in patient_page
