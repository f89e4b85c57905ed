"""Attachments: uploads checked by content, refusals that leave nothing behind, previews made by
the task, readiness from attached MRI studies, history."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import services
from cases.models import CaseAttachment
from cases.readiness import case_readiness
from tests import attachment_files as files
from tests.factories import CaseFactory, LesionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(cast):
    return CaseFactory(board=cast.board)


def add(case, by, data: bytes, name: str, **fields):
    fields.setdefault("kind", "mri")
    return services.attachment_add(case=case, by=by, upload=io.BytesIO(data), name=name, **fields)


def stored_files(folder) -> list:
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def test_dicom_upload_reads_metadata_and_makes_previews(
    cast, case, attachment_storage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = add(case, cast.coordinator, files.dicom_bytes(), "spine.dcm", caption="Sag T2")
    row.refresh_from_db()
    assert row.file_format == "dicom"
    assert row.content_type == "application/dicom"
    assert (row.dicom_modality, row.dicom_body_part) == ("MR", "TSPINE")
    assert row.dicom_study_date == files.DICOM_STUDY_DATE
    assert row.dicom_series_description == "Sag T2 (test)"
    assert row.effective_study_date == files.DICOM_STUDY_DATE
    assert row.is_key_image and row.position == 0
    assert row.preview_status == "ready"
    assert set(row.preview_names) == {"default", "full"}  # MR: no CT windows
    assert row.file_name.startswith("attachments/") and "spine" not in row.file_name
    assert row.created_by == cast.coordinator
    assert row.history.get().history_user == cast.coordinator
    assert len(stored_files(attachment_storage)) == 1 + 1 + 2  # original, thumbnail, 2 previews
    from PIL import Image

    thumb = Image.open(attachment_storage / row.thumbnail_name)
    assert thumb.format == "PNG" and thumb.size == (64, 64)


def test_ct_dicom_gets_bone_and_soft_tissue_windows(
    cast, case, attachment_storage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = add(case, cast.coordinator, files.dicom_bytes(modality="CT"), "ct.dcm", kind="ct")
    row.refresh_from_db()
    assert set(row.preview_names) == {"default", "full", "bone", "soft_tissue"}
    bone = (attachment_storage / row.preview_names["bone"]).read_bytes()
    soft = (attachment_storage / row.preview_names["soft_tissue"]).read_bytes()
    assert bone != soft


def test_undecodable_dicom_pixels_keep_metadata_without_preview(
    cast, case, attachment_storage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = add(case, cast.coordinator, files.dicom_bytes(compressed=True), "c.dcm")
    row.refresh_from_db()
    assert row.preview_status == "none"
    assert row.dicom_modality == "MR" and row.thumbnail_name == ""


def test_previews_task_is_idempotent(cast, case, attachment_storage):
    row = add(case, cast.coordinator, files.image_bytes("JPEG"), "key.jpg", kind="xray")
    assert row.preview_status == "pending"
    assert services.attachment_previews_make(attachment_id=row.pk) == "ready"
    count = len(stored_files(attachment_storage))
    assert services.attachment_previews_make(attachment_id=row.pk) == "ready"
    assert len(stored_files(attachment_storage)) == count == 3


def test_pdf_report_is_not_a_key_image_and_has_no_preview(cast, case, attachment_storage):
    row = add(case, cast.surgeon, files.pdf_bytes(), "report.PDF", kind="pathology")
    assert (row.file_format, row.preview_status, row.is_key_image) == ("pdf", "none", False)
    with pytest.raises(services.ApplicationError) as refused:
        add(case, cast.surgeon, files.pdf_bytes(), "r.pdf", is_key_image=True)
    assert "is_key_image" in refused.value.fields


def test_key_images_are_numbered_in_upload_order(cast, case, attachment_storage):
    first = add(case, cast.coordinator, files.image_bytes(), "a.png")
    second = add(case, cast.coordinator, files.image_bytes("JPEG"), "b.jpeg")
    assert (first.position, second.position) == (0, 1)


BAD_FILES = [
    pytest.param(lambda: files.zip_bomb_bytes(), "scan.zip", "Archives", id="zip-bomb"),
    pytest.param(lambda: files.zip_bomb_bytes(), "scan.dcm", "Archives", id="zip-named-dcm"),
    pytest.param(lambda: files.gzip_bytes(), "scan.dcm.gz", "Archives", id="gzip"),
    pytest.param(lambda: files.SVG, "image.svg", "SVG and HTML", id="svg"),
    pytest.param(lambda: files.SVG, "image.png", "SVG and HTML", id="svg-named-png"),
    pytest.param(lambda: files.HTML, "report.pdf", "SVG and HTML", id="html-named-pdf"),
    pytest.param(lambda: files.BROKEN_DICOM, "x.dcm", "could not be read as DICOM", id="bad-dicom"),
    pytest.param(lambda: files.png_bomb_bytes(), "big.png", "decompression bomb", id="png-bomb"),
    pytest.param(lambda: files.pdf_bytes(), "report.png", "name says .png", id="pdf-named-png"),
    pytest.param(lambda: files.image_bytes(), "scan.dcm", "name says .dcm", id="png-named-dcm"),
    pytest.param(lambda: b"MZ\x90\x00 not accepted", "tool.exe", "not accepted", id="exe"),
    pytest.param(lambda: b"", "empty.pdf", "empty", id="empty"),
    pytest.param(
        lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "x.png", "cannot be read", id="bad-png"
    ),
]


@pytest.mark.parametrize(("make", "name", "reason"), BAD_FILES)
def test_bad_files_are_refused_and_leave_nothing(
    cast, case, attachment_storage, make, name, reason
):
    with pytest.raises(services.ApplicationError) as refused:
        add(case, cast.coordinator, make(), name)
    assert reason in refused.value.fields["file"][0]
    assert not CaseAttachment.objects.exists()
    assert not CaseAttachment.history.exists()
    assert stored_files(attachment_storage) == []


def test_over_the_size_limit_is_refused(cast, case, attachment_storage, settings):
    settings.ATTACHMENTS_MAX_MB = 1
    data = files.pdf_bytes() + b"\n%" + b"x" * (1024 * 1024)
    with pytest.raises(services.ApplicationError) as refused:
        add(case, cast.coordinator, data, "big.pdf")
    assert "1 MB limit" in refused.value.message
    assert stored_files(attachment_storage) == []


def test_bad_details_store_no_file(cast, case, attachment_storage):
    future = timezone.localdate() + dt.timedelta(days=3)
    with pytest.raises(services.ApplicationError) as refused:
        add(case, cast.coordinator, files.pdf_bytes(), "r.pdf", study_date=future)
    assert "study_date" in refused.value.fields
    with pytest.raises(services.ApplicationError) as refused:
        add(case, cast.coordinator, files.pdf_bytes(), "r.pdf", kind="ultrasound")
    assert "kind" in refused.value.fields
    assert stored_files(attachment_storage) == [] and not CaseAttachment.objects.exists()


def test_a_database_failure_after_storing_deletes_the_file(
    cast, case, attachment_storage, monkeypatch
):
    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "save_validated", fail)
    with pytest.raises(RuntimeError):
        add(case, cast.coordinator, files.pdf_bytes(), "r.pdf")
    assert stored_files(attachment_storage) == []


@pytest.mark.parametrize("who", ["outsider", "patient_user", "stranger"])
def test_only_the_boards_staff_may_attach(cast, case, attachment_storage, who):
    with pytest.raises(PermissionDenied):
        add(case, getattr(cast, who), files.pdf_bytes(), "r.pdf")
    assert stored_files(attachment_storage) == []


def test_remove_deletes_files_and_keeps_history(
    cast, case, attachment_storage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = add(case, cast.coordinator, files.image_bytes(), "a.png")
    assert stored_files(attachment_storage)
    with pytest.raises(PermissionDenied):
        services.attachment_remove(attachment=row, by=cast.outsider)
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(attachment=row, by=cast.surgeon)
    assert stored_files(attachment_storage) == []
    removed = CaseAttachment.history.filter(history_type="-").get()
    assert removed.history_user == cast.surgeon and removed.original_name == "a.png"


def test_safe_name_strips_paths_and_markup():
    from cases.uploads import safe_name

    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name('C:\\x\\<script>"a".pdf') == "_script_a_.pdf"
    assert safe_name("") == "file"
    assert len(safe_name("a" * 300 + ".dcm")) == 120 and safe_name("a" * 300 + ".dcm").endswith(
        ".dcm"
    )


def test_attached_mri_counts_for_readiness_when_the_board_says_so(cast, case, attachment_storage):
    board = cast.board
    board.mri_max_age_days = 28
    board.save()
    today = timezone.localdate()
    LesionFactory(case=case, imaging_date=today - dt.timedelta(days=60))
    add(
        case,
        cast.coordinator,
        files.pdf_bytes(),
        "mri.pdf",
        study_date=today - dt.timedelta(days=2),
    )
    case.refresh_from_db()
    assert any("Spine MRI" in s for s in case_readiness(case, board, today).stale)
    board.mri_from_attachments = True
    board.save()
    assert not any("Spine MRI" in s for s in case_readiness(case, board, today).problems)


def test_dicom_study_date_counts_for_readiness(cast, case, attachment_storage):
    board = cast.board
    board.mri_from_attachments = True
    board.save()
    today = timezone.localdate()
    add(case, cast.coordinator, files.dicom_bytes(study_date=today - dt.timedelta(days=1)), "s.dcm")
    problems = case_readiness(case, board, today).problems
    assert not any("Spine MRI" in p for p in problems)
    assert any(
        "Spine MRI" in p for p in case_readiness(case, board, today + dt.timedelta(days=60)).stale
    )


def test_size_limit_handler_stops_reading(rf, settings):
    from django.core.files.uploadhandler import StopUpload

    from cases.uploads import SizeLimitedUploadHandler, upload_too_large

    settings.ATTACHMENTS_MAX_MB = 1
    request = rf.post("/")
    handler = SizeLimitedUploadHandler(request)
    handler.handle_raw_input(None, {}, 5 * 1024 * 1024, b"b")  # declared too large
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * 10, 0)  # so its first byte stops it
    assert upload_too_large(request)
    chunked = rf.post("/")
    handler = SizeLimitedUploadHandler(chunked)
    handler.handle_raw_input(None, {}, None, b"b")  # no Content-Length: counted as it arrives
    handler.receive_data_chunk(b"x" * 1000, 0)
    assert not upload_too_large(chunked)
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * 1000, 1024 * 1024)
    assert upload_too_large(chunked)


def test_uploaded_file_objects_are_accepted(cast, case, attachment_storage):
    upload = SimpleUploadedFile("k.png", files.image_bytes(), content_type="text/html")
    row = services.attachment_add(
        case=case, by=cast.coordinator, upload=upload, name=upload.name, kind="other"
    )
    assert row.file_format == "png"  # the content decides, not the declared type
