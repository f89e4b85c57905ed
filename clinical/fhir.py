"""The board's data in HL7 FHIR R4 words: code systems, codes, mCODE profiles and status maps.

Plain data, shared by the exporter and the importer (recommendations.fhir) and published as the
project CodeSystem (docs/fhir/CodeSystem-tumorboard.json, `project_code_system()`); docs/fhir.md
maps every field. Standard codes are used where they exist and are known with confidence (LOINC
for ECOG, Karnofsky and pain; SNOMED CT for the primary cancers listed in `PRIMARY_SNOMED`);
everything else has a code of the project CodeSystem, whose canonical URL is `PROJECT_SYSTEM`.
Codes marked uncertain in docs/fhir.md should be checked by a terminologist before go-live.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from clinical.levels import SPINAL_LEVELS
from clinical.primaries import PRIMARY_SITES

FHIR_VERSION = "4.0.1"

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
BCP47 = "urn:ietf:bcp:47"
URN_UUID = "urn:ietf:rfc:3986"
V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
PROVENANCE_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
SIGNATURE_TYPE = "urn:iso-astm:E1762-95:2013"

# The project's canonical base: CodeSystem and extension URLs live under it.
PROJECT_BASE = "https://tumorboard.example.org/fhir"
PROJECT_SYSTEM = f"{PROJECT_BASE}/CodeSystem/tumorboard"
USER_SYSTEM = f"{PROJECT_BASE}/NamingSystem/username"
EXT_DOSE_GY = f"{PROJECT_BASE}/StructureDefinition/radiotherapy-total-dose-gy"
EXT_FRACTIONS = f"{PROJECT_BASE}/StructureDefinition/radiotherapy-fractions"

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition"
PROFILE_PATIENT = f"{MCODE}/mcode-cancer-patient"
PROFILE_PRIMARY = f"{MCODE}/mcode-primary-cancer-condition"
PROFILE_SECONDARY = f"{MCODE}/mcode-secondary-cancer-condition"
PROFILE_ECOG = f"{MCODE}/mcode-ecog-performance-status"
PROFILE_KARNOFSKY = f"{MCODE}/mcode-karnofsky-performance-status"
EXT_HISTOLOGY = f"{MCODE}/mcode-histology-morphology-behavior"
EXT_RELATED_PRIMARY = f"{MCODE}/mcode-related-primary-cancer-condition"

# SNOMED CT for the primaries where the concept is well known; the project code is always sent
# too, so nothing depends on this table being complete.
PRIMARY_SNOMED: dict[str, tuple[str, str]] = {
    "breast": ("254837009", "Malignant neoplasm of breast"),
    "prostate": ("399068003", "Malignant tumor of prostate"),
    "lung_nsclc": ("254637007", "Non-small cell lung cancer"),
    "lung_sclc": ("254632001", "Small cell carcinoma of lung"),
    "myeloma": ("109989006", "Multiple myeloma"),
    "melanoma": ("372244006", "Malignant melanoma"),
    "thyroid": ("363478007", "Malignant tumor of thyroid gland"),
    "colorectal": ("363406005", "Malignant tumor of colon"),
    "rectum": ("363351006", "Malignant tumor of rectum"),
    "stomach": ("363349007", "Malignant tumor of stomach"),
    "bladder": ("399326009", "Malignant tumor of urinary bladder"),
    "oesophagus": ("363402007", "Malignant tumor of esophagus"),
    "pancreas": ("363418001", "Malignant tumor of pancreas"),
    "lymphoma": ("118600007", "Malignant lymphoma"),
    "leukaemia": ("93143009", "Leukemia, disease"),
}
PRIMARY_FROM_SNOMED = {code: slug for slug, (code, _) in PRIMARY_SNOMED.items()}
SECONDARY_SNOMED = ("94503003", "Secondary malignant neoplasm of vertebral column")

ECOG_LOINC = ("89247-1", "ECOG Performance Status score")
KARNOFSKY_LOINC = ("89243-0", "Karnofsky Performance Status score")
PAIN_LOINC = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
PATIENT_SUMMARY_LOINC = ("60591-5", "Patient summary Document")
# LOINC answer list LL529-9 (ECOG 0-5).
ECOG_ANSWERS = ("LA9622-7", "LA9623-5", "LA9624-3", "LA9625-0", "LA9626-8", "LA9627-6")


@dataclass(frozen=True)
class Concept:
    code: str
    display: str


def _concepts(prefix: str, pairs: list[tuple[str, str]]) -> list[Concept]:
    return [Concept(f"{prefix}-{value}", display) for value, display in pairs]


def project_code(prefix: str, value: str) -> str:
    """The project code of one answer: ("escc", "1c") -> "escc-1c"."""
    return f"{prefix}-{value}"


def value_from_code(prefix: str, code: str) -> str | None:
    """The answer a project code names, or None when it is not one of `prefix`'s."""
    head = f"{prefix}-"
    return code[len(head) :] if code.startswith(head) else None


Kind = Literal["integer", "boolean", "choice", "months"]


@dataclass(frozen=True)
class ObservationSpec:
    """One case field sent as an Observation: its code and how its value is written."""

    field: str
    code: tuple[str, str, str]  # system, code, display
    kind: Kind
    profile: str | None = None
    prefix: str = ""  # choice answers: project codes f"{prefix}-{value}"
    category: str = "exam"


CASE_OBSERVATIONS: tuple[ObservationSpec, ...] = (
    ObservationSpec("ecog", (LOINC, *ECOG_LOINC), "integer", PROFILE_ECOG, category="survey"),
    ObservationSpec(
        "kps", (LOINC, *KARNOFSKY_LOINC), "integer", PROFILE_KARNOFSKY, category="survey"
    ),
    ObservationSpec("pain_score", (LOINC, *PAIN_LOINC), "integer", category="survey"),
    ObservationSpec(
        "frankel_grade", (PROJECT_SYSTEM, "frankel", "Frankel grade"), "choice", prefix="frankel"
    ),
    ObservationSpec(
        "asia_grade",
        (PROJECT_SYSTEM, "asia", "ASIA impairment scale grade"),
        "choice",
        prefix="asia",
    ),
    ObservationSpec(
        "neuro_progression",
        (PROJECT_SYSTEM, "neuro-progression", "Neurological deficit progression"),
        "choice",
        prefix="progression",
    ),
    ObservationSpec("ambulatory", (PROJECT_SYSTEM, "ambulatory", "Ambulatory"), "boolean"),
    ObservationSpec(
        "fit_for_surgery", (PROJECT_SYSTEM, "fit-for-surgery", "Fit for surgery"), "boolean"
    ),
    ObservationSpec(
        "expected_survival_months",
        (PROJECT_SYSTEM, "expected-survival", "Expected survival (treating team's estimate)"),
        "months",
    ),
    ObservationSpec(
        "vertebral_body_mets",
        (PROJECT_SYSTEM, "vertebral-body-mets", "Vertebral bodies with metastases"),
        "integer",
        category="imaging",
    ),
    ObservationSpec(
        "extraspinal_bone_mets",
        (PROJECT_SYSTEM, "extraspinal-bone-mets", "Extraspinal bone metastatic foci"),
        "integer",
        category="imaging",
    ),
    ObservationSpec(
        "visceral_mets",
        (PROJECT_SYSTEM, "visceral-mets", "Visceral metastases"),
        "choice",
        prefix="visceral",
        category="imaging",
    ),
    ObservationSpec(
        "brain_mets",
        (PROJECT_SYSTEM, "brain-mets", "Brain metastases"),
        "choice",
        prefix="brain",
        category="imaging",
    ),
    ObservationSpec(
        "primary_growth",
        (PROJECT_SYSTEM, "tomita-growth", "Primary tumour growth rate (Tomita class)"),
        "choice",
        prefix="growth",
        category="laboratory",
    ),
)
SPEC_BY_CODE = {(s.code[0], s.code[1]): s for s in CASE_OBSERVATIONS}

# Scores the board derives (exported; an import recomputes them from the data instead).
SCORE_CODES = {
    "sins": ("sins", "Spinal Instability Neoplastic Score (SINS)"),
    "escc": ("escc", "Epidural spinal cord compression (Bilsky) grade"),
    "tokuhashi": ("tokuhashi-revised", "Revised Tokuhashi score"),
    "tomita": ("tomita", "Tomita score"),
}

# SINS items recorded per lesion (the components of the SINS Observation), and other lesion
# findings sent with it.
LESION_COMPONENTS: tuple[tuple[str, str, str], ...] = (
    # field, component code (= answer prefix), display
    ("pain", "sins-pain", "SINS pain"),
    ("bone_lesion", "sins-bone-lesion", "SINS bone lesion"),
    ("alignment", "sins-alignment", "SINS radiographic spinal alignment"),
    ("collapse", "sins-collapse", "SINS vertebral body collapse"),
    ("posterolateral", "sins-posterolateral", "SINS posterolateral involvement"),
)
RADICULOPATHY = ("radiculopathy", "Nerve root compressed (radicular findings)")

# Earlier treatments (Procedure, or MedicationStatement for systemic therapy).
PRIOR_KIND_PREFIX = "prior"
RADIOTHERAPY_SNOMED = "108290001"  # Radiation oncology AND/OR radiotherapy (procedure)

# Plan activity kinds sent as a ServiceRequest as well as a CarePlan activity.
REQUESTED_ACTIVITY_KINDS = frozenset({"surgery", "radiation"})

# PlanActivity.status -> CarePlan.activity.detail.status, and whether a reason goes with it.
ACTIVITY_STATUS: dict[str, str] = {
    "planned": "scheduled",
    "in_progress": "in-progress",
    "done": "completed",
    "deviated": "stopped",
    "cancelled": "cancelled",
}
# ... and the ServiceRequest.status of a requested activity.
REQUEST_STATUS: dict[str, str] = {
    "planned": "active",
    "in_progress": "active",
    "done": "completed",
    "deviated": "revoked",
    "cancelled": "revoked",
}

# Case.status -> the referral ServiceRequest.status; Case.urgency -> its priority.
REFERRAL_STATUS: dict[str, str] = {
    "referred": "active",
    "ready": "active",
    "scheduled": "active",
    "discussed": "active",
    "plan_signed": "completed",
    "closed": "completed",
    "deferred": "on-hold",
    "withdrawn": "revoked",
}
URGENCY_PRIORITY: dict[str, str] = {"routine": "routine", "urgent": "urgent", "emergency": "stat"}
PRIORITY_URGENCY: dict[str, str] = {
    "routine": "routine",
    "urgent": "urgent",
    "asap": "urgent",
    "stat": "emergency",
}

VERIFICATION_FROM_CONFIRMED = {True: "confirmed", False: "provisional"}
CONFIRMED_FROM_VERIFICATION = {
    "confirmed": True,
    "provisional": False,
    "unconfirmed": False,
    "differential": False,
}

# Answers of the project CodeSystem: (prefix, [(value, display)]). Answer values are the
# model's stored values, so a code maps back without a table.
ANSWERS: dict[str, list[tuple[str, str]]] = {
    "level": [(level, f"Vertebral level {level}") for level in SPINAL_LEVELS],
    "primary": [(slug, site.label) for slug, site in PRIMARY_SITES.items()],
    "frankel": [(g, f"Frankel grade {g}") for g in "ABCDE"],
    "asia": [(g, f"ASIA impairment scale {g}") for g in "ABCDE"],
    "escc": [
        ("0", "0 - bone only"),
        ("1a", "1a - epidural impingement"),
        ("1b", "1b - thecal sac deformed"),
        ("1c", "1c - cord abutted"),
        ("2", "2 - cord compressed, CSF visible"),
        ("3", "3 - cord compressed, no CSF"),
    ],
    "progression": [
        ("none", "No deficit"),
        ("stable", "Deficit, stable"),
        ("weeks", "Progressing over weeks"),
        ("days", "Progressing over days"),
        ("hours", "Progressing over hours"),
    ],
    "visceral": [
        ("none", "None"),
        ("removable", "Present, removable"),
        ("treatable", "Present, not removable but treatable"),
        ("untreatable", "Present, untreatable"),
    ],
    "brain": [
        ("none", "None"),
        ("treated", "Present, treated"),
        ("untreated", "Present, untreated"),
    ],
    "growth": [("slow", "Slow"), ("moderate", "Moderate"), ("rapid", "Rapid")],
    "sins-pain": [
        ("mechanical", "Mechanical"),
        ("occasional", "Occasional, not mechanical"),
        ("none", "Pain-free"),
    ],
    "sins-bone-lesion": [
        ("lytic", "Lytic"),
        ("mixed", "Mixed lytic/blastic"),
        ("blastic", "Blastic"),
    ],
    "sins-alignment": [
        ("subluxation", "Subluxation/translation"),
        ("deformity", "De novo deformity"),
        ("normal", "Normal"),
    ],
    "sins-collapse": [
        ("over_50", ">50% collapse"),
        ("under_50", "<50% collapse"),
        ("none_over_50_involved", "No collapse, >50% of body involved"),
        ("none", "None of the above"),
    ],
    "sins-posterolateral": [
        ("bilateral", "Bilateral"),
        ("unilateral", "Unilateral"),
        ("none", "None"),
    ],
    "modality": [("mri", "MRI"), ("ct", "CT"), ("pet_ct", "PET-CT")],
    "prior": [
        ("radiation", "Prior radiotherapy"),
        ("surgery", "Prior spinal surgery"),
        ("cement", "Prior cement augmentation"),
        ("systemic", "Prior systemic therapy"),
        ("other", "Other prior treatment"),
    ],
    "activity": [
        ("surgery", "Local control: surgery"),
        ("radiation", "Local control: radiation"),
        ("systemic", "Systemic therapy"),
        ("pain", "Pain management"),
        ("palliative", "Palliative care"),
        ("rehabilitation", "Rehabilitation"),
        ("imaging", "Follow-up imaging"),
        ("other", "Other"),
    ],
}

# Codes that name a thing rather than an answer.
PLAIN_CONCEPTS: list[Concept] = [
    *(Concept(s.code[1], s.code[2]) for s in CASE_OBSERVATIONS if s.code[0] == PROJECT_SYSTEM),
    *(Concept(code, display) for code, display in SCORE_CODES.values()),
    *(Concept(code, display) for _, code, display in LESION_COMPONENTS),
    Concept(*RADICULOPATHY),
    Concept("spinal-metastasis", "Spinal metastasis"),
    Concept("board-referral", "Referral to the spine oncology board"),
    Concept("board-plan", "Spine oncology board consensus plan"),
    Concept("patient-summary", "Plain-language summary of the board's plan for the patient"),
]


def answer_values(prefix: str) -> frozenset[str]:
    return frozenset(value for value, _ in ANSWERS[prefix])


def answer_display(prefix: str, value: str) -> str:
    return dict(ANSWERS[prefix]).get(value, value)


def project_code_system() -> dict[str, Any]:
    """The project CodeSystem resource, as published in docs/fhir/CodeSystem-tumorboard.json."""
    concepts = list(PLAIN_CONCEPTS)
    for prefix, pairs in ANSWERS.items():
        concepts.extend(_concepts(prefix, pairs))
    return {
        "resourceType": "CodeSystem",
        "id": "tumorboard",
        "url": PROJECT_SYSTEM,
        "version": "1",
        "name": "TumorboardCodes",
        "title": "Spine oncology tumour board codes",
        "status": "draft",
        "experimental": False,
        "publisher": "tumorboard project",
        "description": (
            "Codes for the spine-metastasis board's findings and scores that have no standard "
            "code (SINS and its items, ESCC/Bilsky grade, Frankel grade, Tokuhashi, Tomita, "
            "vertebral levels, the project's primary-site vocabulary); see docs/fhir.md."
        ),
        "caseSensitive": True,
        "content": "complete",
        "count": len(concepts),
        "concept": [{"code": c.code, "display": c.display} for c in concepts],
    }
