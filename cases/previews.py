"""Thumbnails and previews of attached images, as PNG bytes (pure functions: bytes in, bytes out).

Run by the Celery task after an upload (cases.tasks), never in a request. PNG and JPEG images are
re-encoded (which also drops their metadata); a DICOM file's pixel data is decoded by pydicom,
its modality LUT applied (rescale slope and intercept), then mapped to 8 bits through a
window/level: its own WindowCenter/WindowWidth ("default", else the full range), and for CT the
usual bone and soft-tissue windows. Pixel data pydicom cannot decode (a compressed transfer
syntax without its codec) is `Undecodable`: the file keeps its metadata and has no preview.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

THUMBNAIL_SIZE = (256, 256)
PREVIEW_SIZE = (1600, 1600)

# (centre, width) in Hounsfield units, CT only.
CT_PRESETS: dict[str, tuple[float, float]] = {
    "bone": (400.0, 1800.0),
    "soft_tissue": (40.0, 400.0),
}
PRESET_LABELS = {
    "default": "As acquired",
    "full": "Full range",
    "bone": "Bone",
    "soft_tissue": "Soft tissue",
}


class Undecodable(Exception):
    """The image's pixel data cannot be decoded here."""


@dataclass(frozen=True)
class Rendered:
    thumbnail: bytes
    previews: dict[str, bytes]  # preset -> PNG


def _png(image, size) -> bytes:
    image = image.copy()
    image.thumbnail(size)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def render_picture(data: bytes) -> Rendered:
    """A PNG or JPEG: its thumbnail and one preview."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened)
        image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    return Rendered(
        thumbnail=_png(image, THUMBNAIL_SIZE), previews={"default": _png(image, PREVIEW_SIZE)}
    )


def _first(value):
    try:
        return float(value[0])
    except TypeError:
        return float(value)


def _windowed(pixels, centre: float, width: float):
    import numpy as np

    width = max(width, 1.0)
    low, high = centre - width / 2.0, centre + width / 2.0
    scaled = (np.clip(pixels, low, high) - low) / (high - low) * 255.0
    return scaled.astype(np.uint8)


def render_dicom(data: bytes) -> Rendered:
    """A DICOM file's middle frame through each window preset."""
    import numpy as np
    import pydicom
    from PIL import Image
    from pydicom.pixels import apply_modality_lut

    dataset = pydicom.dcmread(io.BytesIO(data))
    if "PixelData" not in dataset:
        raise Undecodable("no pixel data")
    try:
        pixels = dataset.pixel_array
    except Exception as exc:  # missing codec, damaged data: no preview, metadata kept
        raise Undecodable(exc.__class__.__name__) from exc
    photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2"))
    samples = int(dataset.get("SamplesPerPixel", 1) or 1)
    frames = int(dataset.get("NumberOfFrames", 1) or 1)
    if frames > 1:
        pixels = pixels[frames // 2]
    if samples == 3:  # colour (RGB, or YBR converted by pydicom): shown as it is
        image = Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8))
        return Rendered(
            thumbnail=_png(image, THUMBNAIL_SIZE),
            previews={"default": _png(image, PREVIEW_SIZE)},
        )
    values = np.asarray(apply_modality_lut(pixels, dataset), dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    windows: dict[str, tuple[float, float]] = {}
    if dataset.get("WindowCenter") is not None and dataset.get("WindowWidth") is not None:
        windows["default"] = (_first(dataset.WindowCenter), _first(dataset.WindowWidth))
    else:
        windows["default"] = ((low + high) / 2.0, high - low)
    windows["full"] = ((low + high) / 2.0, high - low)
    if str(dataset.get("Modality", "")).upper() == "CT":
        windows.update(CT_PRESETS)
    previews = {}
    for preset, (centre, width) in windows.items():
        grey = _windowed(values, centre, width)
        if photometric == "MONOCHROME1":
            grey = 255 - grey
        previews[preset] = _png(Image.fromarray(np.ascontiguousarray(grey)), PREVIEW_SIZE)
    default = Image.open(io.BytesIO(previews["default"]))
    return Rendered(thumbnail=_png(default, THUMBNAIL_SIZE), previews=previews)
