"""Checking an uploaded attachment by its content, before anything is stored.

A file is accepted only as what its bytes are: a PDF (`%PDF-`), a PNG or JPEG image that Pillow
can read within a pixel budget (no decompression bombs), or a DICOM file (`DICM` after the
128-byte preamble) that pydicom parses. Archives (zip, gzip: possible bombs), SVG and HTML (they
carry scripts), and everything else are refused with a message saying why. A file whose name
claims another type than its content is refused too: people open downloads by their name.

The size limit (settings.ATTACHMENTS_MAX_MB) is enforced while the request body is read
(`SizeLimitedUploadHandler`, first in FILE_UPLOAD_HANDLERS): from the declared Content-Length when
there is one, and by counting bytes as they arrive otherwise, so an oversized upload is never
stored, not even in a temporary file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from tumorboard import bounds
from tumorboard.errors import ApplicationError

from .models import CaseAttachment

Format = CaseAttachment.Format

# Extensions a name may carry for each format; DICOM files often have none at all.
EXTENSIONS: dict[str, frozenset[str]] = {
    Format.PDF: frozenset({".pdf"}),
    Format.PNG: frozenset({".png"}),
    Format.JPEG: frozenset({".jpg", ".jpeg", ".jpe"}),
    Format.DICOM: frozenset({".dcm", ".dicom", ""}),
}
# A key image is a few megapixels; a DICOM series a few hundred slices of 512 x 512.
MAX_IMAGE_PIXELS = 50_000_000
MAX_DICOM_PIXELS = 200_000_000

ACCEPTED = "Upload a PDF report, a PNG or JPEG image or a DICOM file."
REFUSED_EMPTY = "The file is empty."
REFUSED_ARCHIVE = (
    "Archives (zip, gzip) are not accepted: upload each PDF, image or DICOM file on its own."
)
REFUSED_MARKUP = "SVG and HTML files are not accepted (they can carry scripts). " + ACCEPTED
REFUSED_UNKNOWN = "This type of file is not accepted. " + ACCEPTED
REFUSED_BOMB = (
    "The image is too large once decompressed (over {limit:,} pixels); it may be a "
    "decompression bomb. Upload a smaller export."
)
REFUSED_BAD_IMAGE = "The file starts like a {what} image but cannot be read as one."
REFUSED_BAD_DICOM = "The file is marked as DICOM but could not be read as DICOM ({problem})."
REFUSED_NAME = (
    "The file's name says {extension} but its content is {what}: rename it or upload the "
    "right file."
)


def too_large_message() -> str:
    return f"The file is larger than the {settings.ATTACHMENTS_MAX_MB} MB limit."


def max_bytes() -> int:
    return settings.ATTACHMENTS_MAX_MB * 1024 * 1024


def refuse(message: str) -> ApplicationError:
    return ApplicationError(message, fields={"file": [message]})


# --- the size limit, while the body is read ------------------------------------------------------


class SizeLimitedUploadHandler(FileUploadHandler):
    """Stops reading an upload as soon as it is known to exceed the limit. The view asks
    `upload_too_large(request)` and refuses; nothing was kept."""

    declared_too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # The multipart body also carries the form fields: allow a little over the file limit.
        # The fields before the file (the CSRF token, the details) are still read; the file's
        # first chunk stops the upload (Django's parser handles StopUpload only there).
        self.declared_too_large = bool(content_length and content_length > max_bytes() + 65536)
        return None

    def receive_data_chunk(self, raw_data, start):
        if self.declared_too_large or start + len(raw_data) > max_bytes():
            self._stop()
        return raw_data

    def file_complete(self, file_size):
        return None

    def _stop(self):
        if self.request is not None:
            self.request.upload_too_large = True
        raise StopUpload(connection_reset=False)


def upload_too_large(request) -> bool:
    django_request = getattr(request, "_request", request)  # DRF wraps Django's request
    return bool(getattr(django_request, "upload_too_large", False))


# --- what the file is ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DicomHeader:
    modality: str = ""
    study_date: dt.date | None = None
    body_part: str = ""
    series_description: str = ""

    def fields(self) -> dict[str, Any]:
        return {
            "dicom_modality": self.modality,
            "dicom_study_date": self.study_date,
            "dicom_body_part": self.body_part,
            "dicom_series_description": self.series_description,
        }


@dataclass(frozen=True)
class Inspected:
    file_format: str
    size: int
    sha256: str
    original_name: str
    dicom: DicomHeader = field(default_factory=DicomHeader)


def safe_name(name: str | None) -> str:
    """The uploaded name for display only: its last path part, letters, digits and . _ - space,
    at most 120 characters (the extension kept)."""
    name = unicodedata.normalize("NFKC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^\w.\- ]+", "_", name, flags=re.ASCII).strip(" .")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 119 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:120]
    return name or "file"


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot and stem else ""


def _sniff(head: bytes) -> str:
    """The format the first bytes announce, or a refusal."""
    if head.startswith(b"%PDF-"):
        return Format.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Format.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return Format.JPEG
    if len(head) >= 132 and head[128:132] == b"DICM":
        return Format.DICOM
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08", b"\x1f\x8b")):
        raise refuse(REFUSED_ARCHIVE)
    text = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(marker in text for marker in (b"<svg", b"<html", b"<!doctype", b"<?xml", b"<script")):
        raise refuse(REFUSED_MARKUP)
    raise refuse(REFUSED_UNKNOWN)


def _check_image(upload: IO[bytes], what: str) -> None:
    """Pillow reads the header and verifies the data; too many pixels is a refusal (a bomb)."""
    from PIL import Image

    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise refuse(REFUSED_BOMB.format(limit=MAX_IMAGE_PIXELS))
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refuse(REFUSED_BOMB.format(limit=MAX_IMAGE_PIXELS)) from None
    except ApplicationError:
        raise
    except Exception:  # Pillow raises many kinds on a damaged file
        raise refuse(REFUSED_BAD_IMAGE.format(what=what)) from None


def _text(dataset, keyword: str, limit: int) -> str:
    value = dataset.get(keyword, "")
    text = str(value or "").strip()
    return "".join(ch for ch in text if ch.isprintable())[:limit]


def _dicom_date(value: Any) -> dt.date | None:
    """A DICOM DA (YYYYMMDD) in the plausible clinical range, else None."""
    try:
        day = dt.datetime.strptime(str(value or "").strip()[:8], "%Y%m%d").date()
        bounds.validate_clinical_date(day)
    except (ValueError, TypeError, ValidationError):
        return None
    return day


def _read_dicom(upload: IO[bytes]) -> DicomHeader:
    import pydicom
    from pydicom import config

    upload.seek(0)
    try:
        # Strict: a value that breaks its VR's rules is a refusal, not a warning (pydicom's
        # warnings quote the values, which may be patient data).
        with config.strict_reading(), warnings.catch_warnings():
            warnings.simplefilter("error")
            dataset = pydicom.dcmread(upload, stop_before_pixels=True)
            meta = dataset.file_meta
            if not meta.get("TransferSyntaxUID") or not meta.get("MediaStorageSOPClassUID"):
                raise ValueError("no transfer syntax or SOP class")
            dataset.decode()  # every element read now, inside the strict settings
        rows, columns = int(dataset.get("Rows", 0) or 0), int(dataset.get("Columns", 0) or 0)
        frames = int(dataset.get("NumberOfFrames", 1) or 1)
        header = DicomHeader(
            modality=_text(dataset, "Modality", 16),
            study_date=_dicom_date(dataset.get("StudyDate")),
            body_part=_text(dataset, "BodyPartExamined", 64),
            series_description=_text(dataset, "SeriesDescription", 200),
        )
    except Exception as exc:  # pydicom raises many kinds on a damaged file
        raise refuse(REFUSED_BAD_DICOM.format(problem=exc.__class__.__name__)) from None
    if rows * columns * frames > MAX_DICOM_PIXELS:
        raise refuse(REFUSED_BOMB.format(limit=MAX_DICOM_PIXELS))
    return header


def _hash(upload: IO[bytes]) -> tuple[int, str]:
    upload.seek(0)
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        size += len(chunk)
        digest.update(chunk)
    upload.seek(0)
    return size, digest.hexdigest()


def inspect_upload(upload: IO[bytes], *, name: str | None) -> Inspected:
    """What `upload` is, by its content; raises ApplicationError (field "file") when refused."""
    size, sha256 = _hash(upload)
    if size == 0:
        raise refuse(REFUSED_EMPTY)
    if size > max_bytes():
        raise refuse(too_large_message())
    head = upload.read(2048)
    upload.seek(0)
    file_format = _sniff(head)
    shown = safe_name(name)
    extension = _extension(shown)
    if extension not in EXTENSIONS[file_format]:
        what = Format(file_format).label
        raise refuse(REFUSED_NAME.format(extension=extension or "no type", what=f"a {what}"))
    dicom = DicomHeader()
    if file_format in (Format.PNG, Format.JPEG):
        _check_image(upload, Format(file_format).label.split()[0])
    elif file_format == Format.DICOM:
        dicom = _read_dicom(upload)
    upload.seek(0)
    return Inspected(
        file_format=file_format, size=size, sha256=sha256, original_name=shown, dicom=dicom
    )
