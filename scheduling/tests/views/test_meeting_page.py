"""The meeting page: who may read and change it (views.meeting_page)."""

import pytest
from django.urls import reverse

from scheduling.models import AgendaItem, Meeting
from scheduling.tests.helpers import page, ready_case
from tests.factories import in_days

pytestmark = pytest.mark.django_db


def test_pages_need_clinical_staff(cast, client, meeting):
    paths = [
        reverse("meeting-list"),
        reverse("meeting-detail", args=[meeting.uuid]),
        reverse("readiness-board"),
        reverse("my-invitations"),
    ]
    for path in paths:
        assert client.get(path).status_code == 302  # to the login page
    for user in (cast.patient_user, cast.stranger):
        client.force_login(user)
        for path in paths:
            assert client.get(path).status_code == 403
    client.force_login(cast.surgeon)
    for path in paths:
        assert client.get(path).status_code == 200


def test_outsider_gets_404_for_the_meeting_page(cast, client, meeting):
    client.force_login(cast.outsider)
    assert client.get(reverse("meeting-detail", args=[meeting.uuid])).status_code == 404
    response = client.post(
        reverse("agenda-add", args=[meeting.uuid]), {"add-case": str(ready_case(cast.board).uuid)}
    )
    assert response.status_code == 404


def test_member_reads_the_meeting_but_cannot_edit_it(cast, client, meeting):
    case = ready_case(cast.board)
    client.force_login(cast.surgeon)
    html = page(client, reverse("meeting-detail", args=[meeting.uuid]))
    assert "Add a case" not in html
    assert reverse("agenda-add", args=[meeting.uuid]) not in html
    response = client.post(reverse("agenda-add", args=[meeting.uuid]), {"add-case": str(case.uuid)})
    assert response.status_code == 403
    assert not AgendaItem.objects.exists()
    response = client.post(
        reverse("meeting-create"),
        {
            "meeting-board": cast.board.pk,
            "meeting-date": str(in_days(9).date()),
            "meeting-start_time": "07:30",
            "meeting-end_time": "08:30",
        },
    )
    assert response.status_code == 403
    assert list(Meeting.objects.all()) == [meeting]
