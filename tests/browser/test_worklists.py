"""Each role signs in through the real form and lands on its own worklist (issue 14).

Each worklist is saved as a full-page screenshot under the test's tmp dir (its path printed, so
`pytest -s` shows where) and in test-artifacts/screenshots/ with the other browser tests'."""

import re
import shutil

import pytest

from tests.browser.conftest import sign_in, sign_out
from tests.worklists import board_week

# Without Playwright installed the module is skipped, not an import error (CI requires it).
expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_each_role_lands_on_its_worklist(
    browser_page, live_server, cast, meeting, screenshot, tmp_path
):
    week = board_week(cast, meeting)
    page, url = browser_page, live_server.url

    def shot(role: str) -> None:
        path = tmp_path / f"worklist-{role}.png"
        shutil.copyfile(screenshot(page, role), path)
        print(f"worklist screenshot ({role}): {path}")

    # --- the spine surgeon: the overdue opinion first, flagged, then their activities ----------
    sign_in(page, url, cast.surgeon.username)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1, name="My work")).to_be_visible()
    due = page.locator("#opinions-due")
    expect(due.get_by_role("heading", name=re.compile("Opinions due"))).to_contain_text("1 overdue")
    rows = due.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("OVERDUE, Olive")
    expect(rows.first).to_contain_text("Overdue")
    expect(rows.first).to_have_class("row--overdue")
    expect(rows.nth(1)).to_contain_text("LATER, Lee")
    expect(rows.nth(1)).not_to_contain_text("Overdue")
    activities = page.locator("#plan-activities")
    expect(activities.get_by_role("link", name="Posterior fixation T9-T11")).to_be_visible()
    expect(activities).not_to_contain_text("SBRT to T10")
    shot("specialist")
    rows.first.get_by_role("link", name="Give your opinion").click()
    expect(page).to_have_url(re.compile(rf"/opinions/{week.soon.uuid}/{week.overdue_case.uuid}/$"))
    sign_out(page)

    # --- the coordinator: gaps, a ready case without a meeting, the upcoming meetings ----------
    sign_in(page, url, cast.coordinator.username)
    expect(page.locator("#readiness-gaps")).to_contain_text("GAP, Greta")
    ready = page.locator("#ready-unscheduled")
    expect(ready.get_by_role("row", name=re.compile("WAITING, Walt"))).to_be_visible()
    expect(page.locator("#upcoming-meetings tbody tr")).to_have_count(3)
    shot("coordinator")
    ready.get_by_role("link", name="Add to the next meeting").click()
    expect(page).to_have_url(re.compile(rf"/meetings/{week.soon.uuid}/#agenda$"))
    sign_out(page)

    # --- the chair: meetings to run, a plan to sign ----------------------------------------------
    sign_in(page, url, cast.chair.username)
    expect(page.locator("#meetings-to-run")).to_contain_text("Continue the meeting")
    plans = page.locator("#plans-to-sign")
    expect(plans.get_by_role("row", name=re.compile("UNSIGNED,"))).to_be_visible()
    shot("chair")
    plans.get_by_role("link", name="Review and sign").click()
    expect(page).to_have_url(re.compile(rf"/meetings/{week.started.uuid}/run/\?item=1#plan$"))
    expect(page.get_by_role("button", name="Sign the plan as chair")).to_be_visible()
