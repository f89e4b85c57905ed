"""Expected values shared by several test modules, written out from
/work/shared/clinical/REFERENCE.md rather than read from the engine's own tables, so a wrong table
row fails a test; and the range check the property tests share."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

REQUIRED_SLUGS = [
    "breast", "prostate", "lung_nsclc", "lung_sclc", "renal_cell", "thyroid", "colorectal",
    "rectum", "stomach", "liver", "melanoma", "myeloma", "lymphoma", "leukaemia", "germ_cell",
    "sarcoma", "osteosarcoma", "bladder", "oesophagus", "pancreas", "gallbladder", "uterus",
    "carcinoid", "unknown", "other",
]  # fmt: skip

TOKUHASHI_PRIMARY = {
    **dict.fromkeys(
        ["lung_nsclc", "lung_sclc", "osteosarcoma", "stomach", "bladder", "oesophagus", "pancreas"],
        0,
    ),
    **dict.fromkeys(["liver", "gallbladder", "unknown"], 1),
    **dict.fromkeys(
        [
            "colorectal",
            "melanoma",
            "myeloma",
            "lymphoma",
            "leukaemia",
            "germ_cell",
            "sarcoma",
            "other",
        ],
        2,
    ),
    **dict.fromkeys(["renal_cell", "uterus"], 3),
    "rectum": 4,
    **dict.fromkeys(["thyroid", "breast", "prostate", "carcinoid"], 5),
}

TOMITA_GROWTH = {
    **dict.fromkeys(["breast", "prostate", "thyroid"], "slow"),
    **dict.fromkeys(["renal_cell", "uterus"], "moderate"),
    **dict.fromkeys(
        ["lung_nsclc", "lung_sclc", "liver", "stomach", "colorectal", "unknown"], "rapid"
    ),
}

RADIOSENSITIVITY = {
    **dict.fromkeys(["lymphoma", "myeloma", "germ_cell", "leukaemia", "lung_sclc"], "sensitive"),
    **dict.fromkeys(
        [
            "renal_cell",
            "melanoma",
            "thyroid",
            "colorectal",
            "rectum",
            "sarcoma",
            "osteosarcoma",
            "liver",
            "lung_nsclc",
        ],
        "resistant",
    ),
}

UNCONFIRMED = {"sarcoma", "osteosarcoma", "liver", "lung_nsclc", "lung_sclc"}

PATCHELL_RADIOSENSITIVE = {"lymphoma", "leukaemia", "myeloma", "germ_cell"}


def check_range(result, low, high, order):
    assert low <= result.total <= high
    assert result.total == sum(result.components.values())
    assert result.category in order
