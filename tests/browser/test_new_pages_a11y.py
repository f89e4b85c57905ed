"""The pages added since the first accessibility pass, in a real browser: axe-core finds no
serious or critical violation on any of them, and none logs a Content Security Policy error
(strict CSP: no inline script or style). One browser page and one live server for all of them:
the password and two-factor pages, the privacy officer's read log, the plan page's follow-through
and send-back forms, the case attachments (upload form, viewer, remove page), the staff's
follow-ups page and the patient's follow-ups in English and Spanish. Each page's full-page
screenshot is saved under the test's tmp_path. (The results dashboard: test_results.py.)
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import Case, CaseAttachment
from recommendations.models import PlanActivity
from recommendations.outcomes.services import follow_ups_schedule
from tests import attachment_files as files
from tests.browser.conftest import PASSWORD, sign_in, sign_out
from tests.factories import CaseFactory, UserFactory
from tests.plans import signed_plan
from tumorboard import roles

expect = pytest.importorskip("playwright.sync_api").expect
Axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SERIOUS = ("serious", "critical")


class Checker:
    """Runs axe on the page shown, saves its screenshot, and keeps every problem found (serious
    or critical axe violations, Content Security Policy messages on the console) so that one run
    reports all the pages at once."""

    def __init__(self, page, folder):
        self.page = page
        self.folder = folder
        self.axe = Axe()
        self.console: list[str] = []
        self.problems: list[str] = []
        self.minor: list[str] = []  # moderate and minor: printed, not failed
        self.shots = 0
        self.checked: list[str] = []
        page.on("console", lambda message: self.console.append(message.text))
        page.on("pageerror", lambda error: self.console.append(str(error)))

    def __call__(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        # Folded forms (<details>) are checked too: axe passes over hidden content.
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        self.shots += 1
        page.screenshot(path=self.folder / f"{self.shots:02d}-{name}.png", full_page=True)
        violations = self.axe.run(page).response["violations"]
        for v in violations:
            targets = "; ".join(str(node["target"][0]) for node in v["nodes"][:3])
            line = f"{name}: {v['id']} ({v['impact']}): {v['help']} — {targets}"
            (self.problems if v.get("impact") in SERIOUS else self.minor).append(line)
        # axe 4.7+ no longer reports duplicate ids; a label or link aimed at one would miss.
        duplicates = page.evaluate(
            """() => { const seen = {}; document.querySelectorAll('[id]').forEach(
                e => { seen[e.id] = (seen[e.id] || 0) + 1; });
                return Object.keys(seen).filter(id => seen[id] > 1); }"""
        )
        self.problems += [f"{name}: duplicate id {id_!r}" for id_ in duplicates]
        csp = [text for text in self.console if "Content Security Policy" in text]
        self.problems += [f"{name}: console: {text}" for text in csp]
        self.console.clear()
        self.checked.append(name)


@pytest.fixture
def data(cast, settings, attachment_storage):
    settings.REQUIRE_STAFF_2FA = False  # the verify page is opened directly below
    case = CaseFactory(board=cast.board, patient=cast.patient, goals_notes="Keep walking.")
    plan = signed_plan(case, 1, chair=cast.chair)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.PLAN_SIGNED)
    first, *_ = plan.activities.order_by("position")
    PlanActivity.objects.filter(pk=first.pk).update(
        status=PlanActivity.Status.DEVIATED,
        status_reason="Patient declined surgery.",
        done_instead="Radiotherapy only",
        completed_on=timezone.localdate() - dt.timedelta(days=50),
    )
    follow_ups = follow_ups_schedule(
        plan=plan, treatment_date=timezone.localdate() - dt.timedelta(days=50), by=cast.chair
    )
    privacy = UserFactory(username="privacy", roles=[roles.PRIVACY_OFFICER])
    return case, plan, follow_ups, privacy


def test_new_pages_pass_axe_and_csp(browser_page, live_server, cast, data, tmp_path):
    case, plan, follow_ups, privacy = data
    url = live_server.url
    page = browser_page
    check = Checker(page, tmp_path)

    # The checker itself notices an unlabelled field and an inline style the CSP refuses, so a
    # clean run below means something.
    response = page.goto(f"{url}/account/password/reset/")
    assert "style-src 'self'" in response.headers["content-security-policy"]
    page.evaluate(
        """() => { const extra = document.createElement('div');
        extra.innerHTML = '<input type="text"><p style="color: red">inline</p>';
        document.querySelector('main').append(extra); }"""
    )
    check("self-check")
    found = "\n".join(check.problems)
    assert "label (critical)" in found and "Content Security Policy" in found, found
    check.problems.clear()
    check.minor.clear()
    check.checked.clear()

    # --- passwords, signed out --------------------------------------------------------------
    page.goto(f"{url}/account/password/reset/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check("password-reset-form")
    page.get_by_label("Email").fill(cast.stranger.email or "nobody@example.org")
    page.get_by_role("button").last.click()
    expect(page).to_have_url(re.compile(r"/account/password/reset/sent/$"))
    check("password-reset-sent")
    uid = urlsafe_base64_encode(force_bytes(cast.stranger.pk))
    token = default_token_generator.make_token(cast.stranger)
    page.goto(f"{url}/account/password/reset/{uid}/{token}/")
    expect(page.get_by_label("New password:", exact=True)).to_be_visible()
    check("password-reset-confirm")
    page.get_by_label("New password:", exact=True).fill("short")
    page.get_by_label("New password confirmation:").fill("other")
    page.locator("form button[type=submit]").click()
    expect(page.locator(".error-summary, .field-error, .errorlist").first).to_be_visible()
    check("password-reset-confirm-errors")
    new_password = "A-much-longer-pass-2026"
    page.get_by_label("New password:", exact=True).fill(new_password)
    page.get_by_label("New password confirmation:").fill(new_password)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account/password/reset/done/$"))
    check("password-reset-complete")

    # --- the chair: password change, plan page, attachments, follow-ups ------------------------
    sign_in(page, url, "chair")
    page.goto(f"{url}/account/password/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check("password-change")
    page.get_by_label("Old password").fill("wrong-password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary, .errorlist").first).to_be_visible()
    check("password-change-errors")

    page.goto(f"{url}/plans/{plan.uuid}/")
    expect(page.locator("#rediscussions")).to_be_visible()
    expect(page.locator("form.status-form").first).to_be_visible()
    check("plan-follow-through")
    page.locator("#rediscussions button[type=submit]").click()  # nothing filled in: errors
    expect(page.locator("#rediscussions .errorlist").first).to_be_visible()
    check("plan-send-back-errors")

    page.goto(f"{url}/cases/{case.uuid}/")
    form = page.locator("form.attachment-form")
    expect(form).to_be_visible()
    check("case-attachment-form")
    form.get_by_label("Kind").select_option(label="MRI")
    form.get_by_label("Caption").fill("Sagittal T2")
    form.locator("input[type=file]").set_input_files(
        files=[
            {"name": "spine.dcm", "mimeType": "application/dicom", "buffer": files.dicom_bytes()}
        ],
    )
    form.get_by_role("button", name="Attach").click()
    expect(page.get_by_text("spine.dcm attached.")).to_be_visible()
    check("case-with-attachment")
    form = page.locator("form.attachment-form")
    form.get_by_label("Kind").select_option(label="Pathology")
    form.locator("input[type=file]").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not allowed"}]
    )
    form.get_by_role("button", name="Attach").click()
    expect(page.get_by_role("heading", level=1, name="Attach a file")).to_be_visible()
    check("attachment-form-errors")

    attachment = CaseAttachment.objects.get(case=case)
    page.goto(f"{url}/cases/{case.uuid}/images/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check("attachment-viewer")
    page.goto(f"{url}/cases/{case.uuid}/attachments/{attachment.uuid}/remove/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check("attachment-remove")

    page.goto(f"{url}/cases/{case.uuid}/follow-ups/")
    expect(page.locator(".follow-up").first).to_be_visible()
    check("case-follow-ups")
    sign_out(page)

    # --- the privacy officer's read log (the pages above were read) -----------------------------
    sign_in(page, url, privacy.username)
    page.goto(f"{url}/audit/reads/")
    expect(page.locator("main table")).to_be_visible()
    check("read-log")
    sign_out(page)

    # --- the patient's follow-ups, in English then Spanish --------------------------------------
    sign_in(page, url, "patient")
    for language in ("en", "es"):
        cast.patient.preferred_language = language
        cast.patient.save(update_fields=["preferred_language"])
        page.goto(f"{url}/my/follow-ups/")
        expect(page.locator("html")).to_have_attribute("lang", re.compile(f"^{language}"))
        check(f"my-follow-ups-{language}")
        page.goto(f"{url}/my/follow-ups/{follow_ups[0].uuid}/")
        expect(page.locator("main form")).to_be_visible()
        check(f"my-follow-up-report-{language}")
        page.locator("main form button[type=submit]").click()  # no answer given: errors
        expect(page.locator("main .errorlist, main .error-summary").first).to_be_visible()
        check(f"my-follow-up-report-errors-{language}")
    # The patient's own page in Spanish says so; on a phone it fits the screen and passes too.
    expect(page.locator("main")).to_contain_text("dolor")
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{url}/my/follow-ups/{follow_ups[0].uuid}/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    check("my-follow-up-report-es-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.clear_cookies()  # signed out (the header is in Spanish here)

    # --- two-factor set-up, recovery codes, status and verify (the coordinator) -----------------
    sign_in(page, url, "coord")
    page.goto(f"{url}/account/two-factor/setup/")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    check("two-factor-setup")
    device = TOTPDevice.objects.get(user=cast.coordinator, confirmed=False)
    page.get_by_label("Code").fill(f"{totp(device.bin_key, step=device.step, digits=6):06d}")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    check("two-factor-codes")
    page.goto(f"{url}/account/two-factor/setup/")
    expect(page.get_by_role("button", name=re.compile("Make new recovery codes"))).to_be_visible()
    check("two-factor-status")
    sign_out(page)
    page.goto(f"{url}/login/")
    page.get_by_label("Username").fill("coord")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{url}/account/two-factor/")
    expect(page.get_by_label("Code")).to_be_visible()
    check("two-factor-verify")
    page.get_by_label("Code").fill("000000x")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main .errorlist, main .error-summary").first).to_be_visible()
    check("two-factor-verify-errors")

    print("\n".join(check.minor))
    # Minor, but fixed once (the options table's corner cell): kept fixed.
    assert not [line for line in check.minor if "empty-table-header" in line], check.minor
    print(f"{len(check.checked)} pages checked: {', '.join(check.checked)}")
    assert check.problems == [], "\n".join(check.problems)
    assert len(check.checked) == 28
