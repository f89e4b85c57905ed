"""Issue 18 end to end: a coordinator attaches a DICOM key image and a PDF report to a case on
the page; the preview (made by the task after the upload) shows in meeting mode beside the
summary, in the image viewer, and in the packet PDF. The files are generated here."""

from __future__ import annotations

import re

import pytest

from tests import attachment_files as files
from tests.browser.conftest import sign_in
from tests.meeting_mode import started_agenda

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Waits for the image to finish loading (a preview may be drawn on first request),
# then says whether it decoded: true for a real picture, false for a broken one.
IMAGE_LOADED = """img => img.complete && img.naturalWidth > 0 ? true : new Promise(resolve => {
    img.addEventListener("load", () => resolve(img.naturalWidth > 0));
    img.addEventListener("error", () => resolve(false));
    if (img.complete) resolve(img.naturalWidth > 0);
})"""


def _attach(page, *, kind: str, name: str, data: bytes, mime: str, caption: str) -> None:
    form = page.locator("form.attachment-form")
    form.get_by_label("Kind").select_option(label=kind)
    form.get_by_label("Caption").fill(caption)
    form.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )
    form.get_by_role("button", name="Attach").click()
    expect(page.get_by_text(f"{name} attached.")).to_be_visible()


def test_dicom_and_pdf_attached_and_shown_in_meeting_mode_and_packet(
    browser_page, live_server, cast, attachment_storage, screenshot
):
    meeting, (item,) = started_agenda(cast.board)
    case = item.case
    page = browser_page
    sign_in(page, live_server.url, "coord")
    page.goto(f"{live_server.url}/cases/{case.uuid}/")

    _attach(
        page,
        kind="MRI",
        name="spine.dcm",
        data=files.dicom_bytes(),
        mime="application/dicom",
        caption="Sagittal T2, T10 compression",
    )
    _attach(
        page,
        kind="Pathology",
        name="pathology report.pdf",
        data=files.pdf_bytes(),
        mime="application/pdf",
        caption="Biopsy T10",
    )
    section = page.locator("#attachments")
    expect(section).to_contain_text("DICOM: MR")
    expect(section).to_contain_text("TSPINE")
    expect(section).to_contain_text("Sag T2 (test)")
    thumbnail = section.locator("img.attachment__thumb")
    expect(thumbnail).to_have_count(1)  # the DICOM; the PDF is listed without one
    assert thumbnail.evaluate(IMAGE_LOADED)
    screenshot(page, "case-page")

    page.goto(f"{live_server.url}/meetings/{meeting.uuid}/run/")
    summary = page.locator("section[aria-labelledby='summary-heading']")
    key_image = summary.get_by_role("img", name=re.compile("Key image 1: MRI"))
    expect(key_image).to_be_visible()
    assert key_image.evaluate(IMAGE_LOADED)
    screenshot(page, "meeting-mode")

    key_image.click()  # to the viewer, key images in order
    viewer_image = page.get_by_role("img", name=re.compile("Key image 1: MRI"))
    expect(viewer_image).to_be_visible()
    assert viewer_image.evaluate(IMAGE_LOADED)
    page.get_by_role("link", name="Full range").click()
    expect(page.get_by_role("link", name="Full range")).to_have_attribute("aria-current", "true")
    assert page.get_by_role("img", name=re.compile("Key image 1")).evaluate(IMAGE_LOADED)
    report = page.get_by_role("link", name=re.compile("pathology report.pdf"))
    expect(report).to_be_visible()
    downloaded = page.request.get(live_server.url + report.get_attribute("href"))
    assert downloaded.headers["content-type"] == "application/pdf"
    assert downloaded.headers["content-disposition"].startswith("attachment;")
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    assert downloaded.body().startswith(b"%PDF-")

    response = page.request.get(f"{live_server.url}/meetings/{meeting.uuid}/packet.pdf")
    assert response.ok
    pdf = response.body()
    assert pdf.startswith(b"%PDF")
    assert re.search(rb"/Subtype\s*/Image", pdf)
