"""The case page's change history speaks the clinic's language: field labels, values as the forms
show them, times on the board's clock, people by name (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cases import services
from tests.factories import CaseFactory, MembershipFactory, UserFactory
from tests.history_pages import assert_in_the_clinics_words, visible_section
from tumorboard import roles

pytestmark = pytest.mark.django_db


def test_every_kind_of_change_reads_in_the_clinics_words(cast, client_for):
    cast.board.time_zone = "America/New_York"
    cast.board.save()
    case = CaseFactory(board=cast.board, goals_ranked=["pain_relief"])
    nameless = UserFactory(
        username="kj0042",
        first_name="",
        last_name="",
        email="k.jones@h.org",
        roles=[roles.SPECIALIST],
    )
    MembershipFactory(board=cast.board, user=nameless)
    services.case_update(
        case=case,
        expected_version=case.version,
        by=cast.surgeon,
        kps=60,  # a number
        ambulatory=False,  # a yes/no
        fit_for_surgery=True,
        urgency="urgent",  # a choice
        diagnosis_date=dt.date(2025, 3, 4),  # a date
        deficit_onset=dt.datetime(2026, 1, 2, 14, 30, tzinfo=dt.UTC),  # a moment
        goals_ranked=["time_at_home", "pain_relief"],  # a list kept as JSON
    )
    lesion = services.lesion_add(case=case, by=cast.surgeon, level="L4")
    services.lesion_update(
        lesion=lesion, expected_version=lesion.version, by=nameless, pain="none", radiculopathy=True
    )
    services.prior_treatment_add(
        case=case, by=cast.surgeon, kind="surgery", level_from="T10", treated_on=dt.date(2024, 1, 5)
    )
    services.lesion_remove(lesion=lesion, expected_version=2, by=cast.surgeon)

    page = client_for(cast.coordinator).get(reverse("case-detail", args=[case.uuid]))
    history = visible_section(page.content.decode(), "history")

    assert_in_the_clinics_words(
        history, cast.surgeon.username, nameless.username, cast.coordinator.username
    )
    assert "Karnofsky (KPS)" in history
    assert "Case registered" in history
    assert "Lesion L4 added" in history and "Lesion L4 removed" in history
    assert "Prior treatment Surgery T10 added" in history
    assert "4 Mar 2025" in history  # a date as people write it
    assert "2 Jan 2026, 09:30" in history  # 14:30 UTC on the board's clock (New York)
    assert "Time at home, Pain relief" in history
    assert cast.surgeon.get_full_name() in history
    assert "k.jones@h.org" in history  # a user without a name, by e-mail, not username
    for yes_no in ("Yes", "No"):
        assert yes_no in history
