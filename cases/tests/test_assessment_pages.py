"""The decision-support section of the case page and the urgent flags on the case list."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.tests.demo_cases import bruno, walter
from tests.factories import BoardFactory, CaseFactory, LesionFactory, MembershipFactory

pytestmark = pytest.mark.django_db

UNCONFIRMED = "Unconfirmed rule — the board decides"


def page_for(user, case) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("case-detail", args=[case.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def assessment_section(page: str) -> str:
    start = page.index('id="assessment"')
    return page[start : page.index('id="history"', start)]


def squash(html: str) -> str:
    """Tags and runs of whitespace removed, to assert on the text a reader sees."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_case_page_shows_sins_total_components_and_sourced_explanation(cast):
    section = assessment_section(page_for(cast.surgeon, walter(cast.board)))
    text = squash(section)
    assert "9 / 18 Potentially unstable (7–12)" in text
    for row in (
        "Location 1",
        "Pain 3",
        "Bone lesion 2",
        "Alignment 0",
        "Vertebral body collapse 2",
        "Posterolateral involvement 1",
        "Total 9",
    ):
        assert row in text
    assert '<th scope="row">Vertebral body collapse</th>' in section
    assert "<details" in section
    assert "Location T10 is semi-rigid (T3-T10): 1 point (Fisher 2010, SINS)." in text


def test_case_page_shows_the_noms_suggestion_with_its_rules(cast):
    text = squash(assessment_section(page_for(cast.coordinator, walter(cast.board))))
    assert "Grade 3 High grade" in text
    assert "Procedure Separation surgery Percutaneous cement augmentation Radiation" in text
    assert "Radiation Stereotactic radiosurgery / SBRT (SRS)" in text
    assert "24 Gy x 1 24 Gy/2 27 Gy/3 30 Gy/4 35 Gy/5 the project's SBRT list" in text
    assert "confirmed Radioresistant histology, high-grade ESCC, fit for surgery" in text
    assert UNCONFIRMED not in text  # every rule that applied is confirmed
    # Whole-case scores
    assert "Radioresistant" in text
    assert "9 / 15 Predicted survival 6 months or more" in text
    assert "6 / 10 Short-term palliation: palliative surgery" in text
    assert "Meets the trial criteria" in text
    assert "Decision support suggests and explains; the board decides." in text


def test_unconfirmed_rule_is_labelled_on_the_page(cast):
    text = squash(assessment_section(page_for(cast.coordinator, bruno(cast.board))))
    assert f"{UNCONFIRMED}." in text  # the banner above the suggestion
    # Demo case 9 (ECOG 3, 2 months): the board's unconfirmed too-ill thresholds reach NOMS's
    # "too ill for any local treatment" row (Laufer 2013 framework, unconfirmed), with the source.
    assert f"{UNCONFIRMED} Too ill for any local treatment / very limited survival" in text
    assert "Care Systemic and palliative care only" in text
    assert "Radiation Conventional external-beam radiotherapy (cEBRT)" in text
    assert "(board setting, unconfirmed; NOMS, Laufer 2013)" in text
    assert "Too ill for any local treatment (NOMS) Karnofsky 40 or less, ECOG 3 or more" in text
    assert "Unconfirmed classification — the board should confirm it" in text
    assert "KPS derived from ECOG 3" in text
    assert "Does not meet the trial criteria" in text


def test_scores_without_inputs_say_not_computable_and_what_is_missing(cast):
    case = CaseFactory(board=cast.board, primary_site="melanoma")
    LesionFactory(case=case, collapse="", escc_grade="")
    text = squash(assessment_section(page_for(cast.coordinator, case)))
    # SINS without the collapse: 7-10 whatever it is (Fisher 2010), named as missing (issue 13).
    assert "7–10 / 18 Potentially unstable (7–12)" in text
    assert "whatever the missing findings are — not recorded: vertebral body collapse" in text
    assert (
        "Not computable — missing: Karnofsky (KPS) or ECOG; expected survival months; "
        "fit for surgery; a complete SINS for this level"
    ) in text
    assert "Karnofsky (KPS)" in text
    # Nothing computed is shown for the scores that miss inputs.
    assert "/ 15" not in text


def test_board_settings_in_force_are_shown_with_a_link(cast):
    board = cast.board
    board.escc_1c_high_grade = True
    board.sbrt_regimens = [{"total_dose_gy": 24, "fractions": 2}]
    board.save()
    page = page_for(cast.coordinator, walter(board))
    text = squash(assessment_section(page))
    assert "Bilsky grade 1c counts as high grade" in text
    assert "SBRT regimens 24 Gy/2 (the board's list)" in text
    assert reverse("board-settings", args=[board.uuid]) in page


def test_case_page_header_shows_the_flags(cast):
    page = page_for(cast.coordinator, walter(cast.board))
    head = page[: page.index('id="patient-heading"')]
    assert 'class="flag flag--cord_compression"' in head
    quiet = page_for(cast.coordinator, walter(cast.board, neuro_progression="stable"))
    assert 'class="flag ' not in quiet


def test_case_page_query_count_does_not_grow_with_lesions(cast):
    client = Client()
    client.force_login(cast.coordinator)
    small, large = walter(cast.board), walter(cast.board)
    for level in ["T11", "T12", "L1", "L2", "L3", "L4"]:
        LesionFactory(case=large, level=level)

    def count(case) -> int:
        client.get(reverse("case-detail", args=[case.uuid]))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("case-detail", args=[case.uuid])).status_code == 200
        return len(queries)

    assert count(small) == count(large)


# Case list --------------------------------------------------------------------------------------


def list_page(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("case-list"))
    assert response.status_code == 200
    return response.content.decode()


def row_of(page: str, case) -> str:
    start = page.index(str(case.uuid))
    return page[start : page.index("</tr>", start)]


def test_case_list_shows_urgent_flags_with_text(cast):
    urgent = walter(cast.board)
    unstable = walter(cast.board, neuro_progression="none")
    unstable.lesions.update(alignment="deformity", collapse="over_50", posterolateral="bilateral")
    quiet = walter(cast.board, neuro_progression="stable")
    page = list_page(cast.coordinator)
    assert "Cord compression" in squash(row_of(page, urgent))
    assert 'title="High-grade cord compression with a progressing deficit' in row_of(page, urgent)
    assert "T10 SINS 14 unstable" in squash(row_of(page, unstable))
    assert 'class="flag ' not in row_of(page, quiet)


def test_case_list_1c_flag_follows_the_board_setting(cast):
    lenient = walter(cast.board)
    lenient.lesions.update(escc_grade="1c")
    strict_board = BoardFactory(escc_1c_high_grade=True)
    MembershipFactory(board=strict_board, user=cast.coordinator)
    strict = walter(strict_board)
    strict.lesions.update(escc_grade="1c")
    page = list_page(cast.coordinator)
    assert 'class="flag ' not in row_of(page, lenient)
    assert "Cord compression" in squash(row_of(page, strict))


def test_case_list_with_flags_keeps_a_constant_query_count(cast):
    client = Client()
    client.force_login(cast.coordinator)
    client.get(reverse("case-list"))

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("case-list"))
        return len(queries), response.content.decode()

    for _ in range(2):
        walter(cast.board)
    small, _page = count()
    for _ in range(12):
        unstable = walter(cast.board)
        LesionFactory(
            case=unstable, level="L1", alignment="subluxation", collapse="over_50"
        )  # SINS 3+3+2+4+3+1 = 16
    large, page = count()
    assert page.count("Cord compression") == 14
    assert page.count("L1 SINS 16 unstable") == 12
    assert large == small
