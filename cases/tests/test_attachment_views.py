"""Attachment pages, file responses and API: access, headers, refusals shown on the form."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services
from cases.models import CaseAttachment
from tests import attachment_files as files
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(cast):
    return CaseFactory(board=cast.board, patient=cast.patient)


@pytest.fixture
def dicom(cast, case, attachment_storage, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = services.attachment_add(
            case=case,
            by=cast.coordinator,
            upload=io.BytesIO(files.dicom_bytes(modality="CT")),
            name="spine.dcm",
            kind="ct",
            caption="Axial T10",
        )
    row.refresh_from_db()
    return row


def stored(folder) -> list:
    return [p for p in folder.rglob("*") if p.is_file()]


def upload_form(data: bytes, name: str, **fields) -> dict:
    return {  # in the page's order: the file last
        "attach-kind": fields.get("kind", "mri"),
        "attach-study_date": fields.get("study_date", ""),
        "attach-caption": fields.get("caption", ""),
        "attach-file": SimpleUploadedFile(name, data, content_type="application/octet-stream"),
    }


def test_upload_on_the_case_page(cast, case, client_for, attachment_storage):
    url = reverse("case-attachment-add", args=[case.uuid])
    response = client_for(cast.surgeon).post(
        url, upload_form(files.pdf_bytes(), "mri report.pdf", caption="Report")
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#attachments")
    row = CaseAttachment.objects.get()
    assert (row.file_format, row.caption, row.created_by) == ("pdf", "Report", cast.surgeon)
    page = client_for(cast.surgeon).get(reverse("case-detail", args=[case.uuid]))
    assert "mri report.pdf" in page.content.decode()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (files.SVG, "x.svg", "SVG and HTML files are not accepted"),
        (files.zip_bomb_bytes(), "x.zip", "Archives (zip, gzip) are not accepted"),
        (files.BROKEN_DICOM, "x.dcm", "could not be read as DICOM"),
        (files.image_bytes(), "x.pdf", "name says .pdf"),
    ],
)
def test_page_refusal_is_shown_on_the_form(
    cast, case, client_for, attachment_storage, data, name, message
):
    url = reverse("case-attachment-add", args=[case.uuid])
    response = client_for(cast.coordinator).post(url, upload_form(data, name))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CaseAttachment.objects.exists() and stored(attachment_storage) == []


def test_page_upload_over_the_limit_is_stopped_while_reading(
    cast, case, client_for, attachment_storage, settings
):
    settings.ATTACHMENTS_MAX_MB = 1
    data = files.pdf_bytes() + b"%" + b"x" * (2 * 1024 * 1024)
    url = reverse("case-attachment-add", args=[case.uuid])
    response = client_for(cast.coordinator).post(url, upload_form(data, "big.pdf"))
    assert response.status_code == 400
    assert "larger than the 1 MB limit" in response.content.decode()
    assert not CaseAttachment.objects.exists() and stored(attachment_storage) == []


def test_download_headers(cast, case, dicom, client_for):
    response = client_for(cast.surgeon).get(
        reverse("case-attachment-file", args=[case.uuid, dicom.uuid])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/dicom"
    assert response["Content-Disposition"] == 'attachment; filename="spine.dcm"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content)[128:132] == b"DICM"


def test_thumbnail_and_presets(cast, case, dicom, client_for):
    client = client_for(cast.surgeon)
    thumb = client.get(reverse("case-attachment-thumbnail", args=[case.uuid, dicom.uuid]))
    assert thumb["Content-Type"] == "image/png"
    assert thumb["Content-Disposition"].startswith("inline")
    assert b"".join(thumb.streaming_content).startswith(b"\x89PNG")
    bone = client.get(reverse("case-attachment-preview", args=[case.uuid, dicom.uuid, "bone"]))
    assert bone.status_code == 200
    missing = client.get(reverse("case-attachment-preview", args=[case.uuid, dicom.uuid, "lung"]))
    assert missing.status_code == 404
    viewer = client.get(reverse("case-attachment-viewer", args=[case.uuid]), {"preset": "bone"})
    text = viewer.content.decode()
    assert reverse("case-attachment-preview", args=[case.uuid, dicom.uuid, "bone"]) in text
    assert (
        "Soft tissue" in text
        and "Axial T10" in text
        and "<script" not in text.split("</header>")[-1]
    )


@pytest.mark.parametrize(
    ("who", "code"), [("patient_user", 403), ("outsider", 404), ("stranger", 403)]
)
def test_files_refused_outside_the_board(cast, case, dicom, client_for, who, code):
    client = client_for(getattr(cast, who))
    for name, args in (
        ("case-attachment-file", [case.uuid, dicom.uuid]),
        ("case-attachment-thumbnail", [case.uuid, dicom.uuid]),
        ("case-attachment-preview", [case.uuid, dicom.uuid, "default"]),
        ("case-attachment-viewer", [case.uuid]),
    ):
        assert client.get(reverse(name, args=args)).status_code == code


def test_attachment_of_another_case_is_not_found(cast, case, dicom, client_for):
    other = CaseFactory(board=cast.board)
    url = reverse("case-attachment-file", args=[other.uuid, dicom.uuid])
    assert client_for(cast.coordinator).get(url).status_code == 404


def test_remove_page(
    cast, case, dicom, client_for, attachment_storage, django_capture_on_commit_callbacks
):
    url = reverse("case-attachment-remove", args=[case.uuid, dicom.uuid])
    client = client_for(cast.chair)
    assert "Remove spine.dcm?" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert not CaseAttachment.objects.exists() and stored(attachment_storage) == []


# --- API -------------------------------------------------------------------------------------


def test_api_upload_list_detail_delete(
    cast, case, api, attachment_storage, django_capture_on_commit_callbacks
):
    client = api(cast.surgeon)
    url = reverse("api:case-attachments", args=[case.uuid])
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            url,
            {"file": SimpleUploadedFile("s.dcm", files.dicom_bytes()), "kind": "mri"},
            format="multipart",
        )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["dicom"] == {
        "modality": "MR",
        "study_date": files.DICOM_STUDY_DATE.isoformat(),
        "body_part": "TSPINE",
        "series_description": "Sag T2 (test)",
    }
    assert body["content_type"] == "application/dicom" and body["is_key_image"] is True
    listed = client.get(url).json()
    assert [row["uuid"] for row in listed] == [body["uuid"]]
    assert "thumbnail" in listed[0]["links"] and listed[0]["preview_status"] == "ready"
    detail = reverse("api:case-attachment-detail", args=[case.uuid, body["uuid"]])
    assert client.get(detail).json()["sha256"] == body["sha256"]
    assert client.delete(detail).status_code == 204
    assert client.get(detail).status_code == 404


def test_api_refusal_is_a_400_naming_the_file(cast, case, api, attachment_storage):
    url = reverse("api:case-attachments", args=[case.uuid])
    response = api(cast.coordinator).post(
        url, {"file": SimpleUploadedFile("x.png", files.SVG), "kind": "other"}, format="multipart"
    )
    assert response.status_code == 400
    assert "SVG and HTML" in response.json()["file"][0]
    assert stored(attachment_storage) == []


def test_api_list_queries_stay_constant(
    cast, case, api, attachment_storage, django_assert_max_num_queries
):
    for index in range(4):
        services.attachment_add(
            case=case,
            by=cast.coordinator,
            upload=io.BytesIO(files.image_bytes()),
            name=f"k{index}.png",
            kind="xray",
        )
    client = api(cast.coordinator)
    with django_assert_max_num_queries(3):
        assert len(client.get(reverse("api:case-attachments", args=[case.uuid])).json()) == 4


@pytest.mark.parametrize(("who", "code"), [("patient_user", 403), ("outsider", 404)])
def test_api_refused_outside_the_board(cast, case, dicom, api, who, code):
    client = api(getattr(cast, who))
    assert client.get(reverse("api:case-attachments", args=[case.uuid])).status_code == code
    detail = reverse("api:case-attachment-detail", args=[case.uuid, dicom.uuid])
    assert client.get(detail).status_code == code
    assert client.delete(detail).status_code == code
    assert CaseAttachment.objects.filter(pk=dicom.pk).exists()


def test_case_history_names_who_attached_and_removed(
    cast, case, dicom, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(attachment=dicom, by=cast.chair)
    text = client_for(cast.coordinator).get(reverse("case-detail", args=[case.uuid])).content
    text = text.decode()
    assert "Attachment CT (spine.dcm) added" in text
    assert "Attachment CT (spine.dcm) removed" in text


def test_api_upload_over_the_limit_is_a_400(cast, case, api, attachment_storage, settings):
    settings.ATTACHMENTS_MAX_MB = 1
    data = files.pdf_bytes() + b"%" + b"x" * (2 * 1024 * 1024)
    response = api(cast.coordinator).post(
        reverse("api:case-attachments", args=[case.uuid]),
        {"kind": "mri", "file": SimpleUploadedFile("big.pdf", data)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "larger than the 1 MB limit" in response.json()["file"][0]
    assert not CaseAttachment.objects.exists() and stored(attachment_storage) == []
