"""The read log's pages, CSV export and API: the privacy officer's, and nobody else's."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from audit import views
from tests.factories import UserFactory
from tumorboard import roles

from .conftest import days_ago

URLS = [reverse("read-log"), reverse("read-log-csv")]


@pytest.mark.parametrize("url", URLS)
def test_everybody_but_the_privacy_officer_is_refused(client_for, cast, url, privacy_officer):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    for user in (
        cast.coordinator,
        cast.chair,
        cast.surgeon,
        cast.patient_user,
        cast.stranger,
        superuser,
    ):
        assert client_for(user).get(url).status_code == 403, user.username
    assert client_for(None).get(url).status_code == 302  # to the login page
    assert client_for(privacy_officer).get(url).status_code == 200


def test_the_api_is_the_privacy_officers_only(api, cast, privacy_officer, read_event):
    read_event()
    url = reverse("api:read-log")
    for user in (cast.coordinator, cast.chair, cast.patient_user, cast.stranger):
        assert api(user).get(url).status_code == 403
    assert api(None).get(url).status_code in (401, 403)
    response = api(privacy_officer).get(url)
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["username"] == "chair" and row["view_name"] == "case-detail"


def test_the_api_filters_and_refuses_bad_filters(api, privacy_officer, read_event):
    patient = uuid.uuid4()
    mine = read_event(patient_uuid=patient)
    read_event()
    url = reverse("api:read-log")
    response = api(privacy_officer).get(url, {"patient": str(patient)})
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]
    bad = api(privacy_officer).get(url, {"patient": "not-a-uuid", "since": "1800-01-01"})
    assert bad.status_code == 400
    assert {"detail", "patient", "since"} <= set(bad.json())


def test_the_privacy_officer_sees_no_clinical_pages(client_for, cast, privacy_officer):
    client = client_for(privacy_officer)
    assert client.get(reverse("case-list")).status_code == 403
    assert client.get(reverse("meeting-list")).status_code == 403
    assert client.get(reverse("home")).url == reverse("read-log")


def test_page_filters_by_reader_patient_and_dates(client_for, privacy_officer, read_event):
    patient = uuid.uuid4()
    wanted = read_event(username="surgeon", patient_uuid=patient, at=days_ago(3))
    read_event(username="surgeon", at=days_ago(3))  # another patient
    read_event(username="chair", patient_uuid=patient, at=days_ago(3))  # another reader
    read_event(username="surgeon", patient_uuid=patient, at=days_ago(40))  # too early
    today = timezone.localdate()
    response = client_for(privacy_officer).get(
        reverse("read-log"),
        {
            "user": "surgeon",
            "patient": str(patient),
            "since": (today - dt.timedelta(days=10)).isoformat(),
            "until": today.isoformat(),
        },
    )
    assert response.status_code == 200
    assert [row.pk for row in response.context["rows"]] == [wanted.pk]


def test_page_refuses_bad_filters(client_for, privacy_officer):
    response = client_for(privacy_officer).get(
        reverse("read-log"), {"patient": "MRN-123", "since": "2026-05-01", "until": "2026-04-01"}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"patient", "until"}


def test_page_is_bounded_and_pages_by_id(client_for, privacy_officer, read_event, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    rows = [read_event() for _ in range(5)]
    client = client_for(privacy_officer)
    first = client.get(reverse("read-log"))
    assert [r.pk for r in first.context["rows"]] == [rows[4].pk, rows[3].pk]
    second = client.get(reverse("read-log") + "?" + first.context["next_query"])
    assert [r.pk for r in second.context["rows"]] == [rows[2].pk, rows[1].pk]


def test_page_queries_do_not_grow_with_rows(
    client_for, privacy_officer, read_event, django_assert_max_num_queries
):
    for _ in range(30):
        read_event()
    client = client_for(privacy_officer)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("read-log")).status_code == 200


def test_csv_export_has_every_row_and_column(client_for, privacy_officer, read_event):
    patient = uuid.uuid4()
    first = read_event(patient_uuid=patient, user_agent="=HYPERLINK(evil)")
    second = read_event(patient_uuid=patient, what="patient_summary.link", username="")
    read_event()  # another patient: filtered out
    response = client_for(privacy_officer).get(reverse("read-log-csv"), {"patient": str(patient)})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["request_id"] for row in rows] == [str(second.request_id), str(first.request_id)]
    assert rows[1]["patient_uuid"] == str(patient)
    assert rows[1]["view_name"] == "case-detail" and rows[1]["status"] == "200"
    assert rows[1]["user_agent"] == "'=HYPERLINK(evil)"  # a spreadsheet will not run it
    assert rows[0]["what"] == "patient_summary.link" and rows[0]["username"] == ""


def test_csv_refuses_bad_filters(client_for, privacy_officer):
    response = client_for(privacy_officer).get(reverse("read-log-csv"), {"patient": "x"})
    assert response.status_code == 400
    assert b"patient" in response.content


def test_reading_the_log_is_not_itself_a_patient_read(client_for, privacy_officer, read_event):
    from audit.models import ReadEvent

    read_event()
    client_for(privacy_officer).get(reverse("read-log"))
    assert ReadEvent.objects.count() == 1


def test_roles_include_the_privacy_officer():
    assert roles.PRIVACY_OFFICER in roles.ALL_ROLES
    assert roles.PRIVACY_OFFICER not in roles.STAFF_ROLES
