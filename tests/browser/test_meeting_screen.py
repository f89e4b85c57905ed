"""The meeting screen on a 1080p display: summary, scores and opinions side by side above the
fold, without page-level horizontal scrolling; one column on a narrow screen. The decision record
starts from the options raised, each saying who raised it, with supportive care apart."""

from __future__ import annotations

import pytest

from recommendations.summaries.preparation import summary_prepare
from tests.browser.conftest import sign_in
from tests.meeting_mode import give_opinion, started_agenda

# Without Playwright installed the module is skipped, not an import error (CI requires it).
expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

COLUMNS = ("summary", "scores", "opinions")
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def meeting_item(cast):
    meeting, (item,) = started_agenda(cast.board)
    give_opinion(item, cast.surgeon, ["separation_surgery"], questions_for_board="Fixation?")
    give_opinion(item, cast.specialists["radiation_oncology"], ["sbrt"], regimen="24 Gy/2")
    give_opinion(item, cast.specialists["pain_medicine"], ["analgesic_plan"])
    summary_prepare(item.pk)
    return item


def _boxes(page) -> dict[str, dict[str, float]]:
    return {
        name: page.locator(f"section[aria-labelledby='{name}-heading']").bounding_box()
        for name in COLUMNS
    }


def test_the_meeting_screen_fits_a_1080p_display(
    browser_page, live_server, cast, meeting_item, screenshot
):
    page = browser_page
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in(page, live_server.url, "chair")
    page.goto(f"{live_server.url}/meetings/{meeting_item.meeting.uuid}/run/")
    expect(page.get_by_role("heading", level=2, name="Specialists' opinions")).to_be_visible()

    boxes = _boxes(page)
    summary, scores, opinions = (boxes[name] for name in COLUMNS)
    # Side by side, left to right, not overlapping, starting on one line.
    assert summary["x"] + summary["width"] <= scores["x"]
    assert scores["x"] + scores["width"] <= opinions["x"]
    assert opinions["x"] + opinions["width"] <= 1920
    assert max(b["y"] for b in boxes.values()) - min(b["y"] for b in boxes.values()) < 2
    # Above the fold: every column starts and ends on the first screen (each scrolls inside).
    for box in boxes.values():
        assert box["width"] > 400
        assert box["y"] + box["height"] <= 1080
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    expect(page.locator("section[aria-labelledby='opinions-heading']")).to_contain_text(
        "Stereotactic body radiotherapy (SBRT/SRS)"
    )
    expect(page.locator("section[aria-labelledby='scores-heading']")).to_contain_text("SINS")
    screenshot(page, "before-record")

    page.get_by_role("button", name="Open the decision record").click()
    treatment = page.locator("#treatment-options")
    supportive = page.locator("#supportive-care")
    expect(treatment.get_by_text("Raised by Test")).to_have_count(2)
    expect(treatment.get_by_text("Suggested by decision support: NOMS")).to_have_count(1)
    expect(supportive.get_by_label("Supportive measure").first).to_have_value("Analgesic plan")
    expect(treatment.locator("input[value='Analgesic plan']")).to_have_count(0)
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "with-record")


def test_the_meeting_screen_is_one_column_on_a_narrow_screen(
    browser_page, live_server, cast, meeting_item
):
    page = browser_page
    page.set_viewport_size({"width": 800, "height": 1000})
    sign_in(page, live_server.url, "chair")
    page.goto(f"{live_server.url}/meetings/{meeting_item.meeting.uuid}/run/")
    expect(page.get_by_role("heading", level=2, name="Specialists' opinions")).to_be_visible()

    summary, scores, opinions = (_boxes(page)[name] for name in COLUMNS)
    assert summary["y"] + summary["height"] <= scores["y"]
    assert scores["y"] + scores["height"] <= opinions["y"]
    assert summary["x"] == scores["x"] == opinions["x"]
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
