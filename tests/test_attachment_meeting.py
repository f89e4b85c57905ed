"""Key images in meeting mode and in the meeting packet (page and PDF)."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse

from cases import services
from tests import attachment_files as files
from tests.meeting_mode import started_agenda

pytestmark = pytest.mark.django_db


def attach(case, by, data, name, **fields):
    fields.setdefault("kind", "mri")
    return services.attachment_add(case=case, by=by, upload=io.BytesIO(data), name=name, **fields)


@pytest.fixture
def agenda(cast, attachment_storage, django_capture_on_commit_callbacks):
    meeting, items = started_agenda(cast.board, 2)
    case = items[0].case
    with django_capture_on_commit_callbacks(execute=True):
        image = attach(case, cast.coordinator, files.dicom_bytes(), "spine.dcm", caption="Sag T2")
        attach(case, cast.coordinator, files.pdf_bytes(), "report.pdf", kind="pathology")
    return meeting, items, image


def test_meeting_mode_shows_the_key_image_beside_the_summary(cast, agenda, client_for):
    meeting, items, image = agenda
    page = client_for(cast.surgeon).get(reverse("meeting-run", args=[meeting.uuid]))
    text = page.content.decode()
    thumbnail = reverse("case-attachment-thumbnail", args=[items[0].case.uuid, image.uuid])
    summary_column = text.split('meeting-col--summary"', 1)[1].split("</section>", 1)[0]
    assert thumbnail in summary_column
    assert "report.pdf" not in summary_column  # reports are not key images
    second = client_for(cast.surgeon).get(reverse("meeting-run", args=[meeting.uuid]), {"item": 2})
    assert "Key images" not in second.content.decode()


def test_packet_page_and_pdf_include_the_thumbnails(cast, agenda, client_for):
    meeting, items, image = agenda
    client = client_for(cast.coordinator)
    page = client.get(reverse("meeting-packet", args=[meeting.uuid])).content.decode()
    assert reverse("case-attachment-thumbnail", args=[items[0].case.uuid, image.uuid]) in page
    pdf = client.get(reverse("meeting-packet-pdf", args=[meeting.uuid])).content
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) == 1


def test_packet_pdf_without_images_has_none(cast, attachment_storage, client_for):
    meeting, _ = started_agenda(cast.board, 1)
    pdf = client_for(cast.coordinator).get(reverse("meeting-packet-pdf", args=[meeting.uuid]))
    assert re.search(rb"/Subtype\s*/Image", pdf.content) is None


def test_packet_queries_do_not_grow_with_images(
    cast, agenda, client_for, django_assert_max_num_queries, attachment_storage
):
    meeting, items, _ = agenda
    client = client_for(cast.coordinator)
    url = reverse("meeting-packet", args=[meeting.uuid])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for index in range(3):
        attach(items[1].case, cast.coordinator, files.image_bytes(), f"k{index}.png", kind="xray")
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url)
