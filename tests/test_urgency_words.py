"""Urgency words are the same on every page, e-mail and PDF (issue 14): Case.Urgency's labels,
rendered by templates/cases/_urgency.html; the opinions' urgency uses the same labels."""

import re

import pytest
from django.urls import reverse

from cases.models import Case
from recommendations.models import Opinion
from scheduling.models import Notification
from scheduling.services import agenda_circulate, agenda_item_add
from scheduling.tests.helpers import ready_case

pytestmark = pytest.mark.django_db

BADGE = re.compile(r'<span class="badge badge--(routine|urgent|emergency)">(?:⚠ )?([^<]*)</span>')
# Words the pages used before there was one source.
OLD_WORDS = ("Urgent (days)", "Emergency (hours)", "Emergency (cord compression)", "Urgent –")


def test_the_opinions_urgency_has_the_cases_words():
    assert Opinion.Urgency.choices == Case.Urgency.choices


def test_every_page_says_the_same_urgency_words(cast, client_for, meeting):
    emergency = ready_case(cast.board, urgency=Case.Urgency.EMERGENCY)
    urgent = ready_case(cast.board, urgency=Case.Urgency.URGENT)
    for case in (emergency, urgent):
        agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    client = client_for(cast.coordinator)
    pages = {
        "case list": reverse("case-list"),
        "case page": reverse("case-detail", args=[emergency.uuid]),
        "patient page": reverse("patient-page", args=[emergency.patient.uuid]),
        "meeting page": reverse("meeting-detail", args=[meeting.uuid]),
        "readiness board": reverse("readiness-board"),
        "readiness column": reverse("readiness-column", args=["scheduled"]),
    }
    seen = set()
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        badges = BADGE.findall(html)
        assert badges, f"{name} shows no urgency"
        for value, words in badges:
            assert words == Case.Urgency(value).label, f"{name}: {words!r} for {value}"
            seen.add(value)
        for old in OLD_WORDS:
            assert old not in html, f"{name} still says {old!r}"
    assert seen == {"emergency", "urgent"}

    agenda_circulate(meeting=meeting, by=cast.coordinator)
    body = Notification.objects.filter(recipient=cast.chair).latest("pk").body
    assert "[Emergency, placed first]" in body
    assert "[Urgent, placed first]" in body
