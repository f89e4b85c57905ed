"""Attachment pages and file responses: upload, the image viewer, downloads, removal.

Access as on every case page: clinical staff only (403 for patients and users without a role); a
case or attachment outside `cases_visible_to(user)` is a 404. Files are never under a public URL:
each response here checks the user first, sends the type the content was checked to be (never
the uploader's), with `X-Content-Type-Options: nosniff`, a `Content-Disposition` and no caching.

Every response here shows patient data (for the read log): case-attachment-viewer,
case-attachment-file, case-attachment-thumbnail, case-attachment-preview.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit import reads
from tumorboard.errors import ApplicationError
from tumorboard.pages import error_summary, show_errors, staff_required

from . import selectors, services
from .forms import AttachmentForm
from .models import Case, CaseAttachment
from .previews import PRESET_LABELS
from .uploads import too_large_message, upload_too_large


def _case(user, case_uuid) -> Case:
    try:
        return (
            selectors.cases_visible_to(user).select_related("patient", "board").get(uuid=case_uuid)
        )
    except Case.DoesNotExist:
        raise Http404("No such case.") from None


def _attachment(user, case_uuid, uuid) -> CaseAttachment:
    try:
        return selectors.attachment_for(user=user, case_uuid=case_uuid, uuid=uuid)
    except CaseAttachment.DoesNotExist:
        raise Http404("No such attachment.") from None


def _back(case: Case):
    return redirect(f"{reverse('case-detail', args=[case.uuid])}#attachments")


@require_POST
@staff_required
def attachment_add(request, case_uuid):
    """The case page's upload form; a refusal shows the form again with the reason (400)."""
    case = _case(request.user, case_uuid)
    form = AttachmentForm(request.POST, request.FILES, prefix="attach")
    if upload_too_large(request):
        form = AttachmentForm(request.POST, prefix="attach")
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", too_large_message())
    elif form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            attachment = services.attachment_add(
                case=case,
                by=request.user,
                upload=upload,
                name=upload.name,
                **form.attachment_fields(),
            )
        except ApplicationError as exc:
            show_errors(exc, form)
        else:
            messages.success(request, _("%(name)s attached.") % {"name": attachment.original_name})
            return _back(case)
    return render(
        request,
        "cases/attachment_form.html",
        {"case": case, "patient": case.patient, "form": form, "errors": error_summary(form)},
        status=400,
    )


@require_GET
@staff_required
def attachment_viewer(request, case_uuid):
    """The case's key images in order, large, with the window presets each has (`?preset=`)."""
    case = _case(request.user, case_uuid)
    attachments = selectors.case_attachments(case)
    preset = request.GET.get("preset") or "default"
    if preset not in PRESET_LABELS:
        preset = "default"
    images = [row for row in attachments if row.is_key_image]
    reads.record(request, "case.attachments", patient=case.patient.uuid, obj=case.uuid)
    offered = sorted(
        {name for row in images for name in row.preview_names},
        key=list(PRESET_LABELS).index,
    )
    return render(
        request,
        "cases/attachment_viewer.html",
        {
            "case": case,
            "patient": case.patient,
            "images": [
                (row, preset if preset in row.preview_names else "default") for row in images
            ],
            "others": [row for row in attachments if not row.is_key_image],
            "preset": preset,
            "presets": [(name, PRESET_LABELS[name]) for name in offered],
        },
    )


def _file_response(stored_name: str, *, content_type: str, filename: str, attachment: bool):
    handle = services.attachment_storage().open(stored_name, "rb")
    response = FileResponse(
        handle, as_attachment=attachment, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff_required
def attachment_file(request, case_uuid, attachment_uuid):
    """The file as uploaded, always as a download."""
    row = _attachment(request.user, case_uuid, attachment_uuid)
    reads.record(request, "attachment.file", patient=row.case.patient.uuid, obj=row.uuid)
    return _file_response(
        row.file_name,
        content_type=row.content_type,
        filename=row.original_name or f"attachment-{row.uuid.hex[:8]}",
        attachment=True,
    )


@require_GET
@staff_required
def attachment_thumbnail(request, case_uuid, attachment_uuid):
    row = _attachment(request.user, case_uuid, attachment_uuid)
    if row.preview_status != CaseAttachment.Preview.READY or not row.thumbnail_name:
        raise Http404("No thumbnail.")
    reads.record(request, "attachment.thumbnail", patient=row.case.patient.uuid, obj=row.uuid)
    return _file_response(
        row.thumbnail_name,
        content_type="image/png",
        filename=f"thumbnail-{row.uuid.hex[:8]}.png",
        attachment=False,
    )


@require_GET
@staff_required
def attachment_preview(request, case_uuid, attachment_uuid, preset):
    row = _attachment(request.user, case_uuid, attachment_uuid)
    name = row.preview_names.get(preset) if row.preview_status == "ready" else None
    if not name:
        raise Http404("No such preview.")
    reads.record(request, "attachment.preview", patient=row.case.patient.uuid, obj=row.uuid)
    return _file_response(
        name,
        content_type="image/png",
        filename=f"preview-{row.uuid.hex[:8]}-{preset}.png",
        attachment=False,
    )


@require_http_methods(["GET", "POST"])
@staff_required
def attachment_remove(request, case_uuid, attachment_uuid):
    """Ask first (GET); remove on the confirming POST."""
    row = _attachment(request.user, case_uuid, attachment_uuid)
    if request.method == "POST":
        try:
            services.attachment_remove(attachment=row, by=request.user)
        except PermissionDenied:
            raise Http404("No such attachment.") from None
        messages.success(request, _("%(name)s removed.") % {"name": row.original_name})
        return _back(row.case)
    reads.record(request, "attachment", patient=row.case.patient.uuid, obj=row.uuid)
    return render(
        request,
        "cases/attachment_remove.html",
        {"case": row.case, "patient": row.case.patient, "attachment": row},
    )
