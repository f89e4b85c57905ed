"""What each discipline may recommend: one controlled list per discipline.

Opinions pick from these lists so the pre-meeting summary can compare disciplines (surgery or
not, cEBRT or SBRT ...). Radiation regimens come from the board's configurable lists
(clinical.regimens), not from here.
"""

from __future__ import annotations

# discipline -> ((slug, label), ...)
OPTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "spine_surgery": (
        ("no_surgery", "No surgery"),
        ("separation_surgery", "Separation surgery"),
        ("stabilisation_open", "Stabilisation, open"),
        ("stabilisation_percutaneous", "Stabilisation, percutaneous"),
        ("cement_augmentation", "Cement augmentation (vertebro-/kyphoplasty)"),
        ("en_bloc_resection", "En bloc resection"),
    ),
    "radiation_oncology": (
        ("cebrt", "Conventional external-beam radiotherapy (cEBRT)"),
        ("sbrt", "Stereotactic body radiotherapy (SBRT/SRS)"),
        ("reirradiation", "Re-irradiation"),
        ("no_radiation", "No radiation"),
    ),
    "medical_oncology": (
        ("systemic_continue", "Continue current systemic therapy"),
        ("systemic_start", "Start systemic therapy"),
        ("systemic_change", "Change systemic therapy"),
        ("clinical_trial", "Clinical trial"),
        ("no_systemic", "No systemic therapy"),
    ),
    "pain_medicine": (
        ("analgesic_plan", "Analgesic plan"),
        ("nerve_block", "Nerve block"),
        ("intrathecal_pump", "Intrathecal pump"),
        ("spinal_cord_stimulation", "Spinal cord stimulation"),
        ("palliative_referral", "Palliative care referral"),
    ),
    "rehabilitation": (
        ("mobility_goal", "Mobility goal"),
        ("bracing", "Bracing"),
        ("therapy", "Physiotherapy / occupational therapy"),
    ),
    "palliative_care": (
        ("palliative_referral", "Palliative care referral"),
        ("symptom_control", "Symptom control"),
        ("advance_care_planning", "Advance care planning"),
    ),
    "radiology": (("imaging_review", "Imaging reviewed; see rationale"),),
    "pathology": (("pathology_review", "Pathology reviewed; see rationale"),),
    "nursing": (("nursing_support", "Nursing and home support"),),
}

# Supportive measures: symptom control, function and care around the treatment (analgesia, pain
# procedures, therapy, bracing, palliative and nursing care). The decision record lists them
# apart from the treatment options the board weighs (surgery, radiation, systemic therapy).
SUPPORTIVE_DISCIPLINES = frozenset(
    {"pain_medicine", "rehabilitation", "palliative_care", "nursing"}
)
SUPPORTIVE_OPTIONS = frozenset(
    slug for discipline in SUPPORTIVE_DISCIPLINES for slug, _label in OPTIONS[discipline]
)

SYSTEMIC_CLASSES: tuple[tuple[str, str], ...] = (
    ("chemotherapy", "Chemotherapy"),
    ("endocrine", "Endocrine therapy"),
    ("targeted", "Targeted therapy"),
    ("immunotherapy", "Immunotherapy"),
    ("bone_targeted", "Bone-targeted agent"),
    ("other", "Other"),
)

# Which options answer the board's recurring questions; the summary compares these.
QUESTIONS: dict[str, dict[str, frozenset[str]]] = {
    "surgery": {
        "yes": frozenset(
            {
                "separation_surgery",
                "stabilisation_open",
                "stabilisation_percutaneous",
                "en_bloc_resection",
            }
        ),
        "no": frozenset({"no_surgery"}),
    },
    "cement_augmentation": {
        "yes": frozenset({"cement_augmentation"}),
    },
    "radiation_technique": {
        "cebrt": frozenset({"cebrt"}),
        "sbrt": frozenset({"sbrt"}),
        "none": frozenset({"no_radiation"}),
    },
    "systemic_therapy": {
        "yes": frozenset(
            {"systemic_continue", "systemic_start", "systemic_change", "clinical_trial"}
        ),
        "no": frozenset({"no_systemic"}),
    },
}


def options_for(discipline: str) -> tuple[tuple[str, str], ...]:
    return OPTIONS.get(discipline, ())


def option_label(slug: str) -> str:
    for options in OPTIONS.values():
        for value, label in options:
            if value == slug:
                return label
    return slug
