"""Demo data for a first run: a fictional board, its members and the ten cases of DEMO-CASES.md.

Every person here is invented; MRNs carry the DEMO- prefix. Clinical writes go through the case and
scheduling services, attributed to the demo coordinator, so the history tables tell the same story
as real use. Seeding is idempotent: users are found by username, the board by name, patients by MRN,
meetings by board and start, and whatever exists already is left as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from scheduling import services as scheduling_services
from scheduling.models import (
    AgendaItem,
    Board,
    BoardMembership,
    Discipline,
    Meeting,
    SpecialistProfile,
)
from tumorboard import roles

from . import services
from .models import Case, Patient, PriorTreatment, SpinalLesion

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
PATIENT_USERNAME = "patient"
PATIENT_LOGIN_MRN = "DEMO-0001"

S = SpinalLesion


def _lesion(
    level: str, pain, bone, alignment, collapse, posterolateral, escc, notes="", *, days_ago=3
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
        "status": Case.Status.REFERRED,
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


@dataclass
class SeedSummary:
    created: dict[str, int] = field(default_factory=dict)
    existing_users: list[str] = field(default_factory=list)

    def count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n


# --- helpers -------------------------------------------------------------------------------


def _birth_date(today: dt.date, age: int, offset_days: int) -> dt.date:
    """A date of birth giving exactly `age` today: the last birthday was `offset_days` ago."""
    last_birthday = today - dt.timedelta(days=offset_days)
    try:
        return last_birthday.replace(year=last_birthday.year - age)
    except ValueError:  # 29 February in a non-leap year
        return last_birthday.replace(year=last_birthday.year - age, day=28)


def _years_ago(today: dt.date, years: int, extra_days: int = 60) -> dt.date:
    return today - dt.timedelta(days=365 * years + extra_days)


def _tracked_create(model, *, by: AbstractBaseUser, **fields: Any):
    """Create a record the case/scheduling services do not cover yet, with the same discipline."""
    instance = model(**fields)
    instance.created_by = by
    instance.updated_by = by
    instance._history_user = by
    instance.full_clean()
    instance.save()
    return instance


def _next_weekday(today: dt.date, weekday: int) -> dt.date:
    """The next such weekday strictly after today (1–7 days ahead), so the meeting is upcoming."""
    return today + dt.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _at(day: dt.date, time: dt.time, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=ZoneInfo(zone))


# --- seeding steps --------------------------------------------------------------------------


def _seed_users(summary: SeedSummary) -> dict[str, AbstractBaseUser]:
    User = get_user_model()  # noqa: N806
    groups = roles.ensure_role_groups()
    users = {}
    for spec in USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User.objects.create_user(
                username=spec.username,
                password=DEMO_PASSWORD,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=f"{spec.username}@example.org",
            )
            summary.count("users")
        else:
            summary.existing_users.append(spec.username)
        user.groups.add(*(groups[name] for name in spec.groups))
        users[spec.username] = user
    return users


def _seed_board(users: dict[str, AbstractBaseUser], summary: SeedSummary) -> Board:
    coordinator = users[COORDINATOR_USERNAME]
    board = Board.objects.filter(name=BOARD_NAME).first()
    if board is None:
        board = _tracked_create(
            Board,
            by=coordinator,
            name=BOARD_NAME,
            time_zone=BOARD_TIME_ZONE,
            required_disciplines=BOARD_REQUIRED_DISCIPLINES,
        )
        summary.count("boards")
    for spec in USERS:
        user = users[spec.username]
        if (
            spec.membership
            and not BoardMembership.objects.filter(
                board=board, user=user, role=spec.membership
            ).exists()
        ):
            _tracked_create(
                BoardMembership, by=coordinator, board=board, user=user, role=spec.membership
            )
            summary.count("memberships")
        if spec.discipline and not SpecialistProfile.objects.filter(user=user).exists():
            _tracked_create(
                SpecialistProfile,
                by=coordinator,
                user=user,
                discipline=spec.discipline,
                title=spec.title,
            )
            summary.count("specialist profiles")
    return board


def _link_patient_login(patient: Patient, user: AbstractBaseUser, *, by: AbstractBaseUser) -> None:
    # cases.services has no write for the login link yet; same discipline as its _save.
    if patient.user_id is not None or Patient.objects.filter(user=user).exists():
        return
    patient.user = user
    patient.updated_by = by
    patient._history_user = by
    patient.full_clean()
    patient.save(update_fields=["user", "updated_by", "updated_at"])


def _seed_case(
    row: dict[str, Any], *, board: Board, by: AbstractBaseUser, today: dt.date, summary: SeedSummary
) -> Case:
    person = row["patient"]
    patient = Patient.objects.filter(mrn=mrn(row["number"])).first()
    if patient is None:
        patient = services.patient_create(
            by=by,
            mrn=mrn(row["number"]),
            given_name=person["given_name"],
            family_name=person["family_name"],
            date_of_birth=_birth_date(today, person["age"], person["birthday_offset"]),
            sex=person["sex"],
            email=person.get("email", ""),
        )
        summary.count("patients")
    case = patient.cases.filter(board=board).order_by("created_at").first()
    if case is not None:
        return case

    data = dict(row["case"])
    years = data.pop("diagnosis_years_ago")
    now = timezone.now()
    data["diagnosis_date"] = _years_ago(today, years)
    data["neuro_exam_date"] = today - dt.timedelta(days=1)
    data["goals_reported_by"] = Case.GoalsReporter.PATIENT
    if "deficit_hours" in row:
        data["deficit_onset"] = now - dt.timedelta(hours=row["deficit_hours"])
    lesions = []
    for lesion in row["lesions"]:
        lesion = dict(lesion)
        lesion["imaging_date"] = today - dt.timedelta(days=lesion.pop("_days_ago"))
        lesions.append(lesion)
    case = services.case_create(by=by, patient=patient, board=board, lesions=lesions, **data)
    summary.count("cases")
    summary.count("lesions", len(lesions))

    for treatment in row.get("prior_treatments", []):
        treatment = dict(treatment)
        treated_on = today - dt.timedelta(days=round(30.4 * treatment.pop("months_ago")))
        services.prior_treatment_add(case=case, by=by, treated_on=treated_on, **treatment)
        summary.count("prior treatments")
    if row["status"] != Case.Status.REFERRED:
        case = services.case_transition(case=case, to=Case.Status.READY, by=by)
    return case


def _schedule(
    cases: list[Case],
    *,
    board: Board,
    starts_at: dt.datetime,
    meeting_minutes: int,
    kind: str,
    video_link: str,
    by: AbstractBaseUser,
    summary: SeedSummary,
    minutes_each: int,
) -> None:
    """Put the cases, in order, on the demo meeting starting at `starts_at` (created if needed).

    A case the seed scheduled before, on this or an earlier day's demo meeting, stays where it
    is; with nothing left to schedule no meeting is created, so a re-run on a later day does not
    add empty meetings.
    """
    pending = [case for case in cases if not AgendaItem.objects.filter(case=case).exists()]
    if not pending:
        return
    meeting = Meeting.objects.filter(board=board, starts_at=starts_at).first()
    if meeting is None:
        meeting = scheduling_services.meeting_create(
            board=board,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=meeting_minutes),
            kind=kind,
            location=MEETING_LOCATION,
            video_link=video_link,
            by=by,
        )
        summary.count("meetings")
    for case in pending:
        scheduling_services.agenda_item_add(
            meeting=meeting, case=case, by=by, minutes_allotted=minutes_each
        )
        summary.count("agenda items")  # agenda_item_add moves a ready case to "scheduled"


@transaction.atomic
def seed_demo() -> SeedSummary:
    """Create the demo board, people, cases and meetings; existing ones are left untouched."""
    summary = SeedSummary()
    users = _seed_users(summary)
    coordinator = users[COORDINATOR_USERNAME]
    board = _seed_board(users, summary)
    zone = board.time_zone
    today = timezone.localtime(timezone.now(), ZoneInfo(zone)).date()

    cases = {
        row["number"]: _seed_case(row, board=board, by=coordinator, today=today, summary=summary)
        for row in CASES
    }
    _link_patient_login(
        Patient.objects.get(mrn=PATIENT_LOGIN_MRN), users[PATIENT_USERNAME], by=coordinator
    )

    _schedule(
        [cases[n] for n in REGULAR_AGENDA],
        board=board,
        starts_at=_at(
            _next_weekday(today, REGULAR_MEETING["weekday"]), REGULAR_MEETING["time"], zone
        ),
        meeting_minutes=REGULAR_MEETING["minutes"],
        kind=Meeting.Kind.REGULAR,
        video_link="https://meet.example.org/spine-oncology-board",
        by=coordinator,
        summary=summary,
        minutes_each=10,
    )
    _schedule(
        [cases[n] for n in URGENT_AGENDA],
        board=board,
        starts_at=_at(today + dt.timedelta(days=1), URGENT_MEETING["time"], zone),
        meeting_minutes=URGENT_MEETING["minutes"],
        kind=Meeting.Kind.AD_HOC,
        video_link="https://meet.example.org/spine-oncology-board-urgent",
        by=coordinator,
        summary=summary,
        minutes_each=20,
    )
    return summary


def logins() -> list[tuple[str, str, str]]:
    """(role, username, password) for each demo login, in the order people meet them."""
    return [(spec.role_label, spec.username, DEMO_PASSWORD) for spec in USERS]


def format_summary(summary: SeedSummary) -> str:
    if summary.created:
        made = ", ".join(
            f"{n} {what if n != 1 else what.removesuffix('s')}"
            for what, n in summary.created.items()
        )
        lines = [f"Demo data created: {made}."]
    else:
        lines = ["Demo data already present: nothing new was created."]
    if summary.existing_users:
        lines.append(
            "Left as they were (passwords included): " + ", ".join(summary.existing_users) + "."
        )
    rows = [("Role", "Username", "Password"), *logins()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines.append("")
    lines.append(f"Demo logins (the password {DEMO_PASSWORD!r} is for the local demo only):")
    for i, row in enumerate(rows):
        lines.append(
            "  "
            + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        if i == 0:
            lines.append("  " + "  ".join("-" * width for width in widths))
    lines.append("")
    lines.append(f"Open {DEMO_URL} and sign in.")
    return "\n".join(lines)
