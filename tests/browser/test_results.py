"""The board's results page in a real browser: a coordinator opens it from the navigation, sees
the figures and the charts of a dataset with known answers, and axe-core finds no serious or
critical violation; a screenshot is kept under the test's tmp path."""

import pytest

from tests.browser.conftest import sign_in
from tests.results_world import build_results_world

expect = pytest.importorskip("playwright.sync_api").expect
Axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SERIOUS = ("serious", "critical")


def _serious_violations(page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in violations
        if v.get("impact") in SERIOUS
    ]


def test_results_page_reads_and_passes_axe(browser_page, live_server, cast, tmp_path):
    build_results_world(cast)
    page = browser_page
    page.set_default_timeout(60_000)  # the results page reads every record of the period
    sign_in(page, live_server.url, "coord")
    page.get_by_role("link", name="Results").click()
    expect(page.get_by_role("heading", level=1, name="The board's results")).to_be_visible()
    page.locator("#id_start").fill("2026-01-01")  # labelled "From:"
    page.locator("#id_end").fill("2026-06-30")
    page.get_by_role("button", name="Show").click()

    expect(page.get_by_role("heading", name="Timeliness")).to_be_visible()
    figures = page.locator(".results-figures").first
    expect(figures).to_contain_text("8.5 days")  # referral to meeting, median
    expect(page.get_by_role("img", name="Survival by treatment (Kaplan–Meier)")).to_be_visible()
    expect(page.get_by_role("table", name="Outcomes by treatment")).to_contain_text("cEBRT")
    expect(page.get_by_role("link", name="Download as CSV")).to_be_visible()
    shot = tmp_path / "results.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 10_000
    assert _serious_violations(page) == []

    page.set_viewport_size({"width": 375, "height": 812})
    assert _serious_violations(page) == []
    page.screenshot(path=tmp_path / "results-phone.png", full_page=True)
