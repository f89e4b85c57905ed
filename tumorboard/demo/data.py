"""The demo's fictional board, people and the ten cases of DEMO-CASES.md, as data.

Every person here is invented; MRNs carry the DEMO- prefix. `tumorboard.demo.seed` writes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cases.models import Case, PriorTreatment, SpinalLesion
from recommendations.models import PlanActivity
from scheduling.models import BoardMembership, Discipline
from tumorboard import roles

# Public on purpose: for a local demo only, never for a server anyone else can reach.
DEMO_PASSWORD = "demo-pass-2026"
DEMO_URL = "http://127.0.0.1:8000/"

BOARD_NAME = "Spine Oncology Board"
BOARD_TIME_ZONE = "Europe/London"
BOARD_REQUIRED_DISCIPLINES = [
    Discipline.SPINE_SURGERY.value,
    Discipline.RADIATION_ONCOLOGY.value,
    Discipline.MEDICAL_ONCOLOGY.value,
]
MEETING_LOCATION = "Spine MDT room, Level 3 (fictional)"
REGULAR_MEETING = {"weekday": 1, "time": dt.time(7, 30), "minutes": 60}  # Tuesday 07:30
# Tomorrow 12:30: never overlaps the regular 07:30 meeting, even when tomorrow is a Tuesday.
URGENT_MEETING = {"time": dt.time(12, 30), "minutes": 30}
REGULAR_AGENDA = [1, 2, 3, 4, 5, 6]  # case numbers, in agenda order: case 1 first (urgent)
URGENT_AGENDA = [10]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    groups: tuple[str, ...]
    membership: str | None = None  # BoardMembership.Role
    discipline: str | None = None
    title: str = ""

    @property
    def role_label(self) -> str:
        if roles.COORDINATOR in self.groups:
            return "coordinator"
        if roles.CHAIR in self.groups:
            return f"chair ({Discipline(self.discipline).label.lower()})"
        if roles.SPECIALIST in self.groups:
            return f"specialist ({Discipline(self.discipline).label.lower()})"
        return "patient (case 1)"


USERS: tuple[DemoUser, ...] = (
    DemoUser(
        "coordinator", "Casey", "Example", (roles.COORDINATOR,), BoardMembership.Role.COORDINATOR
    ),
    DemoUser(
        "chair",
        "Helen",
        "Example",
        (roles.CHAIR, roles.SPECIALIST),
        BoardMembership.Role.CHAIR,
        Discipline.MEDICAL_ONCOLOGY,
        "Consultant medical oncologist, chair of the board (fictional)",
    ),
    DemoUser(
        "surgeon",
        "Owen",
        "Example",
        (roles.SPECIALIST,),
        BoardMembership.Role.MEMBER,
        Discipline.SPINE_SURGERY,
        "Consultant spine surgeon (fictional)",
    ),
    DemoUser(
        "radonc",
        "Priya",
        "Example",
        (roles.SPECIALIST,),
        BoardMembership.Role.MEMBER,
        Discipline.RADIATION_ONCOLOGY,
        "Consultant clinical oncologist, radiotherapy (fictional)",
    ),
    DemoUser(
        "medonc",
        "Tomas",
        "Example",
        (roles.SPECIALIST,),
        BoardMembership.Role.MEMBER,
        Discipline.MEDICAL_ONCOLOGY,
        "Consultant medical oncologist (fictional)",
    ),
    DemoUser(
        "pain",
        "Ruth",
        "Example",
        (roles.SPECIALIST,),
        BoardMembership.Role.MEMBER,
        Discipline.PAIN_MEDICINE,
        "Consultant in pain medicine (fictional)",
    ),
    DemoUser(
        "rehab",
        "Felix",
        "Example",
        (roles.SPECIALIST,),
        BoardMembership.Role.MEMBER,
        Discipline.REHABILITATION,
        "Consultant in rehabilitation medicine (fictional)",
    ),
    DemoUser("patient", "Walter", "Demo", (roles.PATIENT,)),
)
COORDINATOR_USERNAME = "coordinator"
CHAIR_USERNAME = "chair"
PATIENT_USERNAME = "patient"
PATIENT_LOGIN_MRN = "DEMO-0001"

S = SpinalLesion


def _lesion(
    level: str,
    pain,
    bone,
    alignment,
    collapse,
    posterolateral,
    escc,
    notes="",
    *,
    days_ago=3,
    radiculopathy=None,
):
    """One lesion's SINS/ESCC findings; imaging_date is filled in relative to the seeding day."""
    return {
        "level": level,
        "pain": pain,
        "bone_lesion": bone,
        "alignment": alignment,
        "collapse": collapse,
        "posterolateral": posterolateral,
        "escc_grade": escc,
        "radiculopathy": radiculopathy,
        "notes": notes,
        "imaging_modality": S.Modality.MRI,
        "_days_ago": days_ago,
    }


# One row per case of DEMO-CASES.md. Ages become a date of birth on the seeding day;
# `deficit_hours` becomes deficit_onset; `status` is where the case is left after seeding.
# Stated SINS totals: case 1 T10 = 9, case 2 L2 = 3, case 4 T12 = 16, case 6 L1 = 11.
CASES: tuple[dict[str, Any], ...] = (
    {
        "number": 1,
        "patient": {
            "given_name": "Walter",
            "family_name": "Demo",
            "age": 64,
            "sex": "male",
            "birthday_offset": 41,
            "email": "walter.demo@example.org",
        },
        "status": Case.Status.SCHEDULED,
        "deficit_hours": 48,
        "lesions": [
            # SINS 1 (T10 semi-rigid) + 3 + 2 + 0 + 2 + 1 = 9
            _lesion(
                "T10",
                S.Pain.MECHANICAL,
                S.BoneLesion.LYTIC,
                S.Alignment.NORMAL,
                S.Collapse.UNDER_50,
                S.Posterolateral.UNILATERAL,
                S.ESCC.G3,
                "Right pedicle and posterolateral body; cord compressed, no CSF visible.",
                days_ago=2,
            ),
        ],
        "case": {
            "referring_clinician": "Dr Nadia Referrer, Urology (fictional)",
            "clinical_question": "Separation surgery then SBRT, or radiotherapy alone?",
            "urgency": Case.Urgency.URGENT,
            "primary_site": "renal_cell",
            "histology": "Clear cell renal cell carcinoma",
            "histology_confirmed": True,
            "diagnosis_years_ago": 2,
            "systemic_therapy_history": "Left nephrectomy two years ago; pembrolizumab with "
            "axitinib since progression six months ago.",
            "vertebral_body_mets": 1,
            "extraspinal_bone_mets": 1,
            "visceral_mets": Case.VisceralMets.REMOVABLE,
            "brain_mets": Case.BrainMets.NONE,
            "frankel_grade": "D",
            "neuro_deficits": "Weakness of both legs (hip flexion 4/5), progressing over 48 hours; "
            "sensory level at T10; bladder and bowel function intact.",
            "neuro_progression": Case.Progression.DAYS,
            "ambulatory": True,
            "ecog": 1,
            "kps": 70,
            "pain_score": 7,
            "analgesics": "Oxycodone MR 10 mg twice daily; dexamethasone 16 mg daily since "
            "admission.",
            "comorbidities": "Hypertension. Resectable lung nodules (two, right lower lobe).",
            "fit_for_surgery": True,
            "expected_survival_months": 12,
            "goals_ranked": [Case.Goal.WALKING, Case.Goal.INDEPENDENCE],
            "goals_notes": "I want to keep walking and stay independent. I live on my own and I "
            "don't want to depend on anyone.",
        },
    },
    {
        "number": 2,
        "patient": {
            "given_name": "Grace",
            "family_name": "Demo",
            "age": 52,
            "sex": "female",
            "birthday_offset": 120,
        },
        "status": Case.Status.SCHEDULED,
        "lesions": [
            # T6: 1 + 1 + 0 + 0 + 0 + 0 = 2; T8: 1 + 0 + 0 = 1; L2 (mobile): 2 + 1 + 0 = 3
            _lesion(
                "T6",
                S.Pain.OCCASIONAL,
                S.BoneLesion.BLASTIC,
                S.Alignment.NORMAL,
                S.Collapse.NONE,
                S.Posterolateral.NONE,
                S.ESCC.G0,
                days_ago=5,
            ),
            _lesion(
                "T8",
                S.Pain.NONE,
                S.BoneLesion.BLASTIC,
                S.Alignment.NORMAL,
                S.Collapse.NONE,
                S.Posterolateral.NONE,
                S.ESCC.G0,
                days_ago=5,
            ),
            _lesion(
                "L2",
                S.Pain.OCCASIONAL,
                S.BoneLesion.BLASTIC,
                S.Alignment.NORMAL,
                S.Collapse.NONE,
                S.Posterolateral.NONE,
                S.ESCC.G0,
                "The most painful level.",
                days_ago=5,
            ),
        ],
        "case": {
            "referring_clinician": "Dr Omar Referrer, Breast oncology (fictional)",
            "clinical_question": "Radiotherapy now for pain, or observe on endocrine therapy?",
            "urgency": Case.Urgency.ROUTINE,
            "primary_site": "breast",
            "histology": "Invasive ductal carcinoma, ER positive",
            "histology_confirmed": True,
            "diagnosis_years_ago": 4,
            "molecular_markers": "ER positive, PR positive, HER2 negative",
            "systemic_therapy_history": "Letrozole with palbociclib since bone metastases were "
            "found six months ago.",
            "vertebral_body_mets": 3,
            "extraspinal_bone_mets": 4,
            "visceral_mets": Case.VisceralMets.NONE,
            "brain_mets": Case.BrainMets.NONE,
            "frankel_grade": "E",
            "neuro_progression": Case.Progression.NONE,
            "ambulatory": True,
            "ecog": 0,
            "kps": 90,
            "pain_score": 4,
            "analgesics": "Paracetamol and ibuprofen as needed.",
            "fit_for_surgery": True,
            "expected_survival_months": 36,
            "goals_ranked": [Case.Goal.INDEPENDENCE, Case.Goal.TIME_AT_HOME],
            "goals_notes": "I want to keep working and spend as little time in hospital as I can.",
        },
    },
    {
        "number": 3,
        "patient": {
            "given_name": "Henry",
            "family_name": "Demo",
            "age": 71,
            "sex": "male",
            "birthday_offset": 200,
        },
        "status": Case.Status.SCHEDULED,
        "lesions": [
            # L4 (mobile): 2 + 1 + 0 + 0 + 0 + 0 = 3
            _lesion(
                "L4",
                S.Pain.OCCASIONAL,
                S.BoneLesion.BLASTIC,
                S.Alignment.NORMAL,
                S.Collapse.NONE,
                S.Posterolateral.NONE,
                S.ESCC.G1A,
                days_ago=4,
            ),
        ],
        "case": {
            "referring_clinician": "Dr Lena Referrer, Urology (fictional)",
            "clinical_question": "Single-fraction 8 Gy or a longer course?",
            "urgency": Case.Urgency.ROUTINE,
            "primary_site": "prostate",
            "histology": "Prostate adenocarcinoma, Gleason 4+4",
            "histology_confirmed": True,
            "diagnosis_years_ago": 3,
            "systemic_therapy_history": "Androgen deprivation therapy with enzalutamide.",
            "vertebral_body_mets": 5,
            "extraspinal_bone_mets": 6,
            "visceral_mets": Case.VisceralMets.NONE,
            "brain_mets": Case.BrainMets.NONE,
            "frankel_grade": "E",
            "neuro_progression": Case.Progression.NONE,
            "ambulatory": True,
            "ecog": 1,
            "kps": 80,
            "pain_score": 6,
            "analgesics": "Co-codamol 30/500 four times daily.",
            "comorbidities": "Type 2 diabetes.",
            "fit_for_surgery": True,
            "expected_survival_months": 36,
            "goals_ranked": [Case.Goal.PAIN_RELIEF, Case.Goal.WALKING],
            "goals_notes": "I want the pain gone, and to keep playing golf on Saturdays.",
        },
    },
    {
        "number": 4,
        "patient": {
            "given_name": "Nora",
            "family_name": "Demo",
            "age": 66,
            "sex": "female",
            "birthday_offset": 75,
        },
        "status": Case.Status.SCHEDULED,
        "lesions": [
            # T12 (junctional): 3 + 3 + 2 + 2 + 3 + 3 = 16, unstable
            _lesion(
                "T12",
                S.Pain.MECHANICAL,
                S.BoneLesion.LYTIC,
                S.Alignment.DEFORMITY,
                S.Collapse.OVER_50,
                S.Posterolateral.BILATERAL,
                S.ESCC.G1B,
                "New kyphosis at T12; both pedicles involved.",
                days_ago=3,
            ),
        ],
        # Revised Tokuhashi 6: KPS 60 (1) + 1 extraspinal (1) + 1 body (2) + liver (0)
        # + lung (0) + no palsy (2).
        "case": {
            "referring_clinician": "Dr Ivan Referrer, Lung oncology (fictional)",
            "clinical_question": "Percutaneous stabilisation plus radiotherapy, or palliative "
            "care only?",
            "urgency": Case.Urgency.ROUTINE,
            "primary_site": "lung_nsclc",
            "histology": "Lung adenocarcinoma (non-small-cell)",
            "histology_confirmed": True,
            "diagnosis_years_ago": 1,
            "molecular_markers": "EGFR wild-type; ALK negative; PD-L1 60%",
            "systemic_therapy_history": "Pembrolizumab; stereotactic radiosurgery to two brain "
            "metastases three months ago.",
            "vertebral_body_mets": 1,
            "extraspinal_bone_mets": 1,
            "visceral_mets": Case.VisceralMets.TREATABLE,
            "brain_mets": Case.BrainMets.TREATED,
            "frankel_grade": "E",
            "neuro_deficits": "None; walking limited by pain.",
            "neuro_progression": Case.Progression.NONE,
            "ambulatory": True,
            "ecog": 2,
            "kps": 60,
            "pain_score": 8,
            "analgesics": "Morphine MR 30 mg twice daily; oral morphine for breakthrough pain.",
            "comorbidities": "Liver metastases; COPD.",
            "fit_for_surgery": True,
            "expected_survival_months": 4,
            "goals_ranked": [Case.Goal.TIME_AT_HOME, Case.Goal.PAIN_RELIEF],
            "goals_notes": "I want time at home with my grandchildren, not a long stay in "
            "hospital.",
        },
    },
    {
        "number": 5,
        "patient": {
            "given_name": "Samuel",
            "family_name": "Demo",
            "age": 58,
            "sex": "male",
            "birthday_offset": 150,
        },
        "status": Case.Status.SCHEDULED,
        "lesions": [
            # T7 (semi-rigid): 1 + 1 + 2 + 0 + 0 + 1 = 5
            # L1 (junctional): 3 + 3 + 2 + 0 + 2 + 0 = 10
            _lesion(
                "T7",
                S.Pain.OCCASIONAL,
                S.BoneLesion.LYTIC,
                S.Alignment.NORMAL,
                S.Collapse.NONE,
                S.Posterolateral.UNILATERAL,
                S.ESCC.G2,
                "Epidural disease compressing the cord; CSF still visible.",
                days_ago=4,
            ),
            _lesion(
                "L1",
                S.Pain.MECHANICAL,
                S.BoneLesion.LYTIC,
                S.Alignment.NORMAL,
                S.Collapse.UNDER_50,
                S.Posterolateral.NONE,
                S.ESCC.G0,
                "Painful compression fracture; no subluxation.",
                days_ago=4,
            ),
        ],
        "case": {
            "referring_clinician": "Dr Mei Referrer, Haematology (fictional)",
            "clinical_question": "Radiotherapy to T7 with systemic therapy; kyphoplasty at L1?",
            "urgency": Case.Urgency.ROUTINE,
            "primary_site": "myeloma",
            "histology": "IgG kappa multiple myeloma",
            "histology_confirmed": True,
            "diagnosis_years_ago": 0,
            "molecular_markers": "Standard-risk cytogenetics",
            "systemic_therapy_history": "Daratumumab, lenalidomide and dexamethasone, cycle 2.",
            "vertebral_body_mets": 4,
            "extraspinal_bone_mets": 3,
            "visceral_mets": Case.VisceralMets.NONE,
            "brain_mets": Case.BrainMets.NONE,
            "frankel_grade": "E",
            "neuro_progression": Case.Progression.NONE,
            "ambulatory": True,
            "ecog": 1,
            "kps": 80,
            "pain_score": 7,
            "analgesics": "Oxycodone 5 mg as needed; paracetamol.",
            "comorbidities": "Mild renal impairment.",
            "fit_for_surgery": True,
            "expected_survival_months": 36,
            "primary_growth": "moderate",  # not in Tomita's table: the team's call
            "goals_ranked": [Case.Goal.WALKING, Case.Goal.PAIN_RELIEF],
            "goals_notes": "I want to get back to walking the dog every morning.",
        },
    },
    {
        "number": 6,
        "patient": {
            "given_name": "Iris",
            "family_name": "Demo",
            "age": 45,
            "sex": "female",
            "birthday_offset": 300,
        },
        "status": Case.Status.SCHEDULED,
        "lesions": [
            # L1 (junctional): 3 + 3 + 2 + 0 + 2 + 1 = 11
            _lesion(
                "L1",
                S.Pain.MECHANICAL,
                S.BoneLesion.LYTIC,
                S.Alignment.NORMAL,
                S.Collapse.UNDER_50,
                S.Posterolateral.UNILATERAL,
                S.ESCC.G1C,
                "Tumour abuts the conus; no compression.",
                days_ago=3,
            ),
        ],
        "case": {
            "referring_clinician": "Dr Paul Referrer, Skin oncology (fictional)",
            "clinical_question": "SBRT plus cement augmentation?",
            "urgency": Case.Urgency.ROUTINE,
            "primary_site": "melanoma",
            "histology": "Cutaneous melanoma",
            "histology_confirmed": True,
            "diagnosis_years_ago": 1,
            "molecular_markers": "BRAF V600E mutant",
            "systemic_therapy_history": "Ipilimumab with nivolumab; responding on the last scan.",
            "vertebral_body_mets": 1,
            "extraspinal_bone_mets": 0,
            "visceral_mets": Case.VisceralMets.NONE,
            "brain_mets": Case.BrainMets.NONE,
            "frankel_grade": "E",
            "neuro_progression": Case.Progression.NONE,
            "ambulatory": True,
            "ecog": 0,
            "kps": 90,
            "pain_score": 6,
            "analgesics": "Naproxen; codeine at night.",
            "fit_for_surgery": True,
            "expected_survival_months": 18,
            "primary_growth": "rapid",  # not in Tomita's table: the team's call
            "goals_ranked": [Case.Goal.INDEPENDENCE, Case.Goal.LENGTH_OF_LIFE],
            "goals_notes": "I need to keep caring for my two children.",
        },
    },
    {
        "number": 7,
        "patient": {
            "given_name": "Victor",
            "family_name": "Demo",
            "age": 69,
            "sex": "male",
            "birthday_offset": 20,
        },
        "status": Case.Status.READY,
        "lesions": [
            # S1 (junctional): 3 + 1 + 2 + 0 + 0 + 1 = 7. Below the conus: root compression only.
            _lesion(
                "S1",
                S.Pain.OCCASIONAL,
                S.BoneLesion.LYTIC,
                S.Alignment.NORMAL,
                S.Collapse.NONE,
                S.Posterolateral.UNILATERAL,
                S.ESCC.G1A,
                "Progression in the previously irradiated field; tumour in the right S1 "
                "foramen compressing the root; thecal sac not deformed.",
                days_ago=6,
                radiculopathy=True,  # right S1 radicular pain, root compressed on MRI
            ),
        ],
        "prior_treatments": [
            {
                "kind": PriorTreatment.Kind.RADIATION,
                "level_from": "L5",
                "level_to": "S1",
                "months_ago": 8,
                "dose_gy": Decimal("20.00"),
                "fractions": 5,
                "description": "Palliative conventional radiotherapy, 20 Gy in 5 fractions.",
            }
        ],
        "case": {
            "referring_clinician": "Dr Sara Referrer, Colorectal oncology (fictional)",
            "clinical_question": "Re-irradiation with SBRT, or a pain procedure?",
            "urgency": Case.Urgency.ROUTINE,
            "primary_site": "colorectal",
            "histology": "Adenocarcinoma of the sigmoid colon",
            "histology_confirmed": True,
            "diagnosis_years_ago": 3,
            "molecular_markers": "KRAS G12D; microsatellite stable",
            "systemic_therapy_history": "FOLFOX, then FOLFIRI with bevacizumab.",
            "vertebral_body_mets": 2,
            "extraspinal_bone_mets": 2,
            "visceral_mets": Case.VisceralMets.TREATABLE,
            "brain_mets": Case.BrainMets.NONE,
            "frankel_grade": "E",
            "neuro_deficits": "Right S1 radicular pain; power intact; right ankle reflex reduced.",
            "neuro_progression": Case.Progression.NONE,
            "ambulatory": True,
            "ecog": 1,
            "kps": 70,
            "pain_score": 8,
            "analgesics": "Pregabalin 75 mg twice daily; morphine MR 20 mg twice daily.",
            "comorbidities": "Liver metastases, stable on chemotherapy.",
            "fit_for_surgery": True,
            "expected_survival_months": 9,
            "goals_ranked": [Case.Goal.PAIN_RELIEF],
            "goals_notes": "I just want to sleep through the night without pain.",
        },
    },
    {
        "number": 8,
        "patient": {
            "given_name": "Alice",
            "family_name": "Demo",
            "age": 60,
            "sex": "female",
            "birthday_offset": 250,
        },
        "status": Case.Status.READY,
        "lesions": [
            # C5 (mobile): 2 + 1 + 2 + 0 + 1 + 0 = 6
            _lesion(
                "C5",
                S.Pain.OCCASIONAL,
                S.BoneLesion.LYTIC,
                S.Alignment.NORMAL,
                S.Collapse.NONE_OVER_50_INVOLVED,
                S.Posterolateral.NONE,
                S.ESCC.G0,
                "Solitary lesion; no other disease on PET-CT.",
                days_ago=5,
            ),
        ],
        # Tomita 2 (slow 1 + no visceral 0 + solitary 1); revised Tokuhashi 15.
        "case": {
            "referring_clinician": "Dr Hugo Referrer, Endocrine surgery (fictional)",
            "clinical_question": "En bloc resection or SBRT for an oligometastasis?",
            "urgency": Case.Urgency.ROUTINE,
            "primary_site": "thyroid",
            "histology": "Follicular thyroid carcinoma",
            "histology_confirmed": True,
            "diagnosis_years_ago": 5,
            "systemic_therapy_history": "Total thyroidectomy and radioiodine five years ago; "
            "TSH suppression.",
            "vertebral_body_mets": 1,
            "extraspinal_bone_mets": 0,
            "visceral_mets": Case.VisceralMets.NONE,
            "brain_mets": Case.BrainMets.NONE,
            "frankel_grade": "E",
            "neuro_progression": Case.Progression.NONE,
            "ambulatory": True,
            "ecog": 0,
            "kps": 90,
            "pain_score": 3,
            "analgesics": "Paracetamol as needed.",
            "fit_for_surgery": True,
            "expected_survival_months": 60,
            "goals_ranked": [Case.Goal.LENGTH_OF_LIFE, Case.Goal.INDEPENDENCE],
            "goals_notes": "I want the best chance of long-term control, even if the treatment "
            "is harder now.",
        },
    },
    {
        "number": 9,
        "patient": {
            "given_name": "Bruno",
            "family_name": "Demo",
            "age": 73,
            "sex": "male",
            "birthday_offset": 90,
        },
        "status": Case.Status.READY,
        "deficit_hours": 24 * 14,
        "lesions": [
            # T4 (semi-rigid): 1 + 1 + 2 + 0 + 1 + 1 = 6
            _lesion(
                "T4",
                S.Pain.OCCASIONAL,
                S.BoneLesion.LYTIC,
                S.Alignment.NORMAL,
                S.Collapse.NONE_OVER_50_INVOLVED,
                S.Posterolateral.UNILATERAL,
                S.ESCC.G2,
                days_ago=4,
            ),
        ],
        "case": {
            "referring_clinician": "Dr Rosa Referrer, Hepatology (fictional)",
            "clinical_question": "Not fit for surgery: palliative radiotherapy and palliative "
            "care?",
            "urgency": Case.Urgency.ROUTINE,
            "primary_site": "liver",
            "histology": "Hepatocellular carcinoma on cirrhosis (imaging diagnosis, no biopsy)",
            "histology_confirmed": False,
            "diagnosis_years_ago": 1,
            "systemic_therapy_history": "Atezolizumab with bevacizumab, stopped for liver failure.",
            "vertebral_body_mets": 1,
            "extraspinal_bone_mets": 0,
            "visceral_mets": Case.VisceralMets.UNTREATABLE,
            "brain_mets": Case.BrainMets.NONE,
            "frankel_grade": "C",
            "neuro_deficits": "Both legs weak (power 3/5); stands with help, cannot walk.",
            "neuro_progression": Case.Progression.WEEKS,
            "ambulatory": False,
            "ecog": 3,
            "kps": 40,
            "pain_score": 6,
            "analgesics": "Oxycodone 5 mg as needed (dose limited by liver function).",
            "comorbidities": "Child-Pugh C cirrhosis with ascites; liver failure.",
            "fit_for_surgery": False,
            "expected_survival_months": 2,
            "goals_ranked": [Case.Goal.PAIN_RELIEF, Case.Goal.TIME_AT_HOME],
            "goals_notes": "I want to be comfortable, and to be at home.",
        },
    },
    {
        "number": 10,
        "patient": {
            "given_name": "Leo",
            "family_name": "Demo",
            "age": 38,
            "sex": "male",
            "birthday_offset": 180,
        },
        "status": Case.Status.SCHEDULED,
        "deficit_hours": 24,
        "lesions": [
            # T9 (semi-rigid): 1 + 1 + 2 + 0 + 0 + 1 = 5
            _lesion(
                "T9",
                S.Pain.OCCASIONAL,
                S.BoneLesion.LYTIC,
                S.Alignment.NORMAL,
                S.Collapse.NONE,
                S.Posterolateral.UNILATERAL,
                S.ESCC.G3,
                "Paravertebral and epidural mass; cord compressed, no CSF visible.",
                days_ago=1,
            ),
        ],
        "case": {
            "referring_clinician": "Dr Anna Referrer, Acute oncology (fictional)",
            "clinical_question": "Radiotherapy and chemotherapy now, no surgery?",
            "urgency": Case.Urgency.EMERGENCY,
            "primary_site": "lymphoma",
            "histology": "Diffuse large B-cell lymphoma (biopsy of the T9 paravertebral mass)",
            "histology_confirmed": True,
            "diagnosis_years_ago": 0,
            "systemic_therapy_history": "None yet: new diagnosis.",
            "vertebral_body_mets": 1,
            "extraspinal_bone_mets": 0,
            "visceral_mets": Case.VisceralMets.NONE,
            "brain_mets": Case.BrainMets.NONE,
            "frankel_grade": "C",
            "neuro_deficits": "Weakness of both legs over 24 hours (power 3/5); cannot walk; "
            "sensory level at T9.",
            "neuro_progression": Case.Progression.HOURS,
            "ambulatory": False,
            "ecog": 2,
            "kps": 60,
            "pain_score": 7,
            "analgesics": "Dexamethasone 16 mg daily; morphine as needed.",
            "fit_for_surgery": True,
            "expected_survival_months": 24,
            "primary_growth": "rapid",  # not in Tomita's table: the team's call
            "goals_ranked": [Case.Goal.INDEPENDENCE, Case.Goal.WALKING],
            "goals_notes": "I want to get back to work.",
        },
    },
)


def mrn(number: int) -> str:
    return f"DEMO-{number:04d}"


# --- last week's meeting: the board decided cases 7-9 and the patients can read their summaries --

# A week before the seeding day, 07:30: cases 7, 8 and 9 discussed, each plan signed by the chair,
# and an English and a Spanish summary released to each patient (so a new user sees the patient's
# side at once). The board's contact numbers are fictional (Ofcom's drama range).
DECIDED_MEETING = {"days_ago": 7, "time": dt.time(7, 30), "minutes": 60}
DECIDED_AGENDA = [7, 8, 9]
CARE_TEAM_PHONE = "020 7946 0123"
OUT_OF_HOURS_PHONE = "020 7946 0999"
QUORUM_NOTE = "Demo data: attendance was not recorded for this fictional meeting."
SUMMARY_LANGUAGES = ("en", "es")

_NEURO, _LOCAL, _PAIN, _RECOVERY = (
    "neurological",
    "local_control",
    "pain_quality_of_life",
    "recovery_time",
)


def _option(text: str, *, good=(), bad=(), source="board") -> dict[str, Any]:
    aspects = (_NEURO, _LOCAL, _PAIN, _RECOVERY)
    return {
        "option": text,
        "source": source,
        "benefits": {key: ("Yes" if key in good else "") for key in aspects},
        "risks": {key: ("Yes" if key in bad else "") for key in aspects},
        "fits_goals": "",
    }


def _activity(kind, description, discipline, days, **details) -> dict[str, Any]:
    """One activity of the signed plan; due `days` after the seeding day."""
    return {
        "kind": kind,
        "description": description,
        "responsible_discipline": discipline,
        "days": days,
        "details": details,
    }


_K = PlanActivity.Kind
# Case number -> the options the board weighed and the activities of the plan the chair signed.
DECISIONS: dict[int, dict[str, Any]] = {
    7: {
        "options": [
            _option("Re-irradiation with SBRT", good=(_PAIN, _LOCAL), bad=(_NEURO,)),
            _option("Pain procedure (nerve block)", good=(_PAIN, _RECOVERY), bad=(_LOCAL,)),
        ],
        "summary": "Re-irradiation with SBRT to S1; pain medicines reviewed.",
        "activities": [
            _activity(_K.PAIN, "Review pain medicines (pregabalin dose)", "pain_medicine", 3),
            _activity(
                _K.RADIATION,
                "Re-irradiation with SBRT to S1",
                "radiation_oncology",
                14,
                regimen="24 Gy/3",
            ),
        ],
    },
    8: {
        "options": [
            _option("En bloc resection", good=(_LOCAL,), bad=(_RECOVERY, _NEURO)),
            _option("SBRT", good=(_LOCAL, _RECOVERY)),
        ],
        "summary": "SBRT to C5; TSH suppression continues.",
        "activities": [
            _activity(_K.RADIATION, "SBRT to C5", "radiation_oncology", 14, regimen="24 Gy/2"),
            _activity(
                _K.SYSTEMIC, "Continue TSH suppression (hormone therapy)", "medical_oncology", 30
            ),
            _activity(_K.IMAGING, "MRI of the neck in three months", "radiology", 100),
        ],
    },
    9: {
        "options": [
            _option(
                "Palliative radiotherapy 8 Gy x 1 and palliative care",
                good=(_PAIN, _RECOVERY),
                source="noms",
            ),
            _option("Palliative care only", good=(_RECOVERY,), bad=(_PAIN,)),
        ],
        "summary": "Single-fraction palliative radiotherapy to T4; palliative care at home.",
        "activities": [
            _activity(_K.PALLIATIVE, "Palliative care at home", "palliative_care", 2),
            _activity(_K.PAIN, "Adjust pain medicines", "pain_medicine", 2),
            _activity(
                _K.RADIATION, "Palliative cEBRT to T4", "radiation_oncology", 3, regimen="8 Gy x 1"
            ),
        ],
    },
}
