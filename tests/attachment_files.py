"""Attachment test files, generated here (nothing downloaded): a small DICOM written by pydicom,
a PDF by fpdf2, PNG and JPEG images by Pillow, and the bad files the upload refuses."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import zipfile

DICOM_STUDY_DATE = dt.date(2026, 11, 20)


def dicom_bytes(
    *,
    modality: str = "MR",
    study_date: dt.date | None = DICOM_STUDY_DATE,
    size: int = 64,
    with_pixels: bool = True,
    compressed: bool = False,
) -> bytes:
    """A 64 x 64 uint16 MONOCHROME2 image with file meta, window centre/width and a gradient."""
    import numpy as np
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, JPEGBaseline8Bit, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"  # MR Image Storage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = JPEGBaseline8Bit if compressed else ExplicitVRLittleEndian
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = modality
    if study_date is not None:
        ds.StudyDate = study_date.strftime("%Y%m%d")
    ds.BodyPartExamined = "TSPINE"
    ds.SeriesDescription = "Sag T2 (test)"
    ds.PatientName = "Test^Fictional"
    if with_pixels:
        ds.Rows = ds.Columns = size
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated = 16
        ds.BitsStored = 12
        ds.HighBit = 11
        ds.PixelRepresentation = 0
        ds.WindowCenter = 1000
        ds.WindowWidth = 2000
        pixels = (np.add.outer(np.arange(size), np.arange(size)) * 16).astype(np.uint16)
        if compressed:  # bytes that claim JPEG but are not: undecodable pixel data
            from pydicom.encaps import encapsulate

            ds.PixelData = encapsulate([b"\xff\xd8\xff\xe0not-a-real-jpeg"])
            ds["PixelData"].VR = "OB"
        else:
            ds.PixelData = pixels.tobytes()
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def pdf_bytes(text: str = "MRI report: T10 lesion (test).") -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, text)
    return bytes(pdf.output())


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (80, 60)) -> bytes:
    from PIL import Image

    image = Image.new("RGB", size, (30, 90, 160))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def zip_bomb_bytes() -> bytes:
    """A zip whose one member expands a thousandfold (a small bomb)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("scan.dcm", b"\0" * 5_000_000)
    return out.getvalue()


def gzip_bytes() -> bytes:
    return gzip.compress(b"\0" * 1_000_000)


def png_bomb_bytes() -> bytes:
    """A PNG declaring 20000 x 20000 pixels (400 megapixels) in a few kilobytes."""
    from PIL import Image

    image = Image.new("1", (20000, 20000))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
BROKEN_DICOM = b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00garbage that is not a DICOM header" * 4
