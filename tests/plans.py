"""Signed plans for the ten demo cases, written straight to the tables, for the tests that need
realistic plans (the patient summary, the permission matrix, the API fuzz and browser tests).

The plan services (issue 6) write these in real use; the tests need realistic signed plans for
every case of DEMO-CASES.md whatever state those services are in, so the rows are made here with
the ORM. Each plan answers its case's question the way DEMO-CASES.md suggests.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.models import Case
from recommendations.models import ConsensusPlan, DecisionRecord, PlanActivity
from scheduling.models import AgendaItem, Board, Meeting
from tumorboard import demo

NEURO, LOCAL, PAIN, RECOVERY = (
    "neurological",
    "local_control",
    "pain_quality_of_life",
    "recovery_time",
)


def option(text: str, *, good=(), bad=(), source="board", fits="") -> dict[str, Any]:
    aspects = (NEURO, LOCAL, PAIN, RECOVERY)
    return {
        "option": text,
        "source": source,
        "benefits": {key: ("Yes" if key in good else "") for key in aspects},
        "risks": {key: ("Yes" if key in bad else "") for key in aspects},
        "fits_goals": fits,
    }


def activity(kind, description, discipline, days, **details) -> dict[str, Any]:
    return {
        "kind": kind,
        "description": description,
        "responsible_discipline": discipline,
        "days": days,
        "details": details,
    }


K = PlanActivity.Kind
SURGEON, RADONC, MEDONC = "spine_surgery", "radiation_oncology", "medical_oncology"
PAINDOC, REHAB, PALL, RADIOLOGY = "pain_medicine", "rehabilitation", "palliative_care", "radiology"

# Case number -> (options considered, activities of the signed plan).
PLANS: dict[int, tuple[list[dict], list[dict]]] = {
    1: (
        [
            option(
                "Separation surgery, then SBRT",
                good=(NEURO, LOCAL, PAIN),
                bad=(RECOVERY,),
                source="noms",
                fits="Best chance to keep walking",
            ),
            option("Radiotherapy alone (cEBRT 20 Gy/5)", good=(RECOVERY,), bad=(NEURO, LOCAL)),
        ],
        [
            activity(
                K.SURGERY,
                "Posterior separation surgery T10 with stabilisation T8-T12",
                SURGEON,
                2,
                surgery_type="Separation surgery with instrumentation",
            ),
            activity(K.REHABILITATION, "Inpatient physiotherapy after surgery", REHAB, 4),
            activity(
                K.RADIATION,
                "SBRT to T10 after wound healing",
                RADONC,
                21,
                regimen="24 Gy/2",
                timing="after_surgery",
            ),
            activity(
                K.SYSTEMIC, "Continue immunotherapy (pembrolizumab with axitinib)", MEDONC, 28
            ),
            activity(K.IMAGING, "MRI of the spine three months after SBRT", RADIOLOGY, 110),
        ],
    ),
    2: (
        [
            option("cEBRT 8 Gy x 1 to L2 for pain", good=(PAIN, RECOVERY), bad=()),
            option("Observe on endocrine therapy", good=(RECOVERY,), bad=(PAIN,)),
        ],
        [
            activity(K.RADIATION, "cEBRT to L2 for pain", RADONC, 7, regimen="8 Gy x 1"),
            activity(
                K.SYSTEMIC, "Continue letrozole with palbociclib (endocrine therapy)", MEDONC, 30
            ),
            activity(K.IMAGING, "MRI of the spine in three months", RADIOLOGY, 90),
        ],
    ),
    3: (
        [
            option("Single-fraction 8 Gy", good=(PAIN, RECOVERY), bad=(LOCAL,)),
            option("Longer course, 20 Gy/5", good=(PAIN, LOCAL), bad=(RECOVERY,)),
        ],
        [
            activity(K.RADIATION, "cEBRT to L4", RADONC, 7, regimen="8 Gy x 1"),
            activity(
                K.SYSTEMIC,
                "Continue hormone therapy (androgen deprivation with enzalutamide)",
                MEDONC,
                60,
            ),
        ],
    ),
    4: (
        [
            option(
                "Percutaneous stabilisation, then cEBRT 20 Gy/5",
                good=(PAIN, LOCAL),
                bad=(RECOVERY,),
            ),
            option("Palliative care only", good=(RECOVERY,), bad=(PAIN,)),
        ],
        [
            activity(K.PALLIATIVE, "Referral to the community palliative care team", PALL, 3),
            activity(K.SURGERY, "Percutaneous stabilisation T11-L1", SURGEON, 5),
            activity(
                K.RADIATION,
                "cEBRT to T12 after stabilisation",
                RADONC,
                19,
                regimen="20 Gy/5",
                timing="after_surgery",
            ),
            activity(K.SYSTEMIC, "Continue pembrolizumab immunotherapy", MEDONC, 21),
        ],
    ),
    5: (
        [
            option(
                "cEBRT to T7 with systemic therapy",
                good=(NEURO, LOCAL, PAIN),
                bad=(),
                source="noms",
            ),
            option("Kyphoplasty at L1", good=(PAIN,), bad=(RECOVERY,)),
        ],
        [
            activity(K.RADIATION, "cEBRT to T7", RADONC, 4, regimen="20 Gy/5"),
            activity(K.SURGERY, "Kyphoplasty at L1", SURGEON, 10),
            activity(K.SYSTEMIC, "Continue systemic therapy for myeloma", MEDONC, 14),
        ],
    ),
    6: (
        [
            option("SBRT plus cement augmentation", good=(LOCAL, PAIN), bad=(RECOVERY,)),
            option("SBRT alone", good=(LOCAL, RECOVERY), bad=(PAIN,)),
        ],
        [
            activity(K.SURGERY, "Cement augmentation (kyphoplasty) of L1", SURGEON, 7),
            activity(K.RADIATION, "SBRT to L1", RADONC, 21, regimen="27 Gy/3"),
            activity(K.SYSTEMIC, "Continue immunotherapy (ipilimumab with nivolumab)", MEDONC, 14),
        ],
    ),
    7: (
        [
            option("Re-irradiation with SBRT", good=(PAIN, LOCAL), bad=(NEURO,)),
            option("Pain procedure (nerve block)", good=(PAIN, RECOVERY), bad=(LOCAL,)),
        ],
        [
            activity(K.PAIN, "Review pain medicines (pregabalin dose)", PAINDOC, 3),
            activity(K.RADIATION, "Re-irradiation with SBRT to S1", RADONC, 14, regimen="24 Gy/3"),
        ],
    ),
    8: (
        [
            option("En bloc resection", good=(LOCAL,), bad=(RECOVERY, NEURO)),
            option("SBRT", good=(LOCAL, RECOVERY), bad=()),
        ],
        [
            activity(K.RADIATION, "SBRT to C5", RADONC, 14, regimen="24 Gy/2"),
            activity(K.SYSTEMIC, "Continue TSH suppression (hormone therapy)", MEDONC, 30),
            activity(K.IMAGING, "MRI of the neck in three months", RADIOLOGY, 100),
        ],
    ),
    9: (
        [
            option(
                "Palliative radiotherapy 8 Gy x 1 and palliative care",
                good=(PAIN, RECOVERY),
                bad=(),
                source="noms",
            ),
            option("Palliative care only", good=(RECOVERY,), bad=(PAIN,)),
        ],
        [
            activity(K.PALLIATIVE, "Palliative care at home", PALL, 2),
            activity(K.PAIN, "Adjust pain medicines", PAINDOC, 2),
            activity(K.RADIATION, "Palliative cEBRT to T4", RADONC, 3, regimen="8 Gy x 1"),
        ],
    ),
    10: (
        [
            option(
                "Radiotherapy and chemotherapy now, no surgery",
                good=(NEURO, LOCAL),
                bad=(),
                source="noms",
            ),
            option("Separation surgery, then radiotherapy", good=(NEURO,), bad=(RECOVERY,)),
        ],
        [
            activity(K.SYSTEMIC, "Start R-CHOP chemotherapy", MEDONC, 1),
            activity(K.RADIATION, "cEBRT to T9", RADONC, 1, regimen="30 Gy/10"),
            activity(K.REHABILITATION, "Physiotherapy on the ward", REHAB, 2),
            activity(K.IMAGING, "PET-CT after three cycles", RADIOLOGY, 60),
        ],
    ),
}


def _agenda_item(case: Case, board: Board, by) -> AgendaItem:
    item = case.agenda_items.select_related("meeting").first()
    if item is not None:
        return item
    start = timezone.now() - dt.timedelta(days=1)
    meeting = Meeting.objects.create(
        board=board, starts_at=start, ends_at=start + dt.timedelta(hours=1), created_by=by
    )
    return AgendaItem.objects.create(meeting=meeting, case=case, position=1, created_by=by)


def signed_plan(case: Case, number: int, *, chair, start: dt.date | None = None) -> ConsensusPlan:
    """A signed, agreed plan for demo case `number`, with its decision record and activities."""
    options, activities = PLANS[number]
    item = _agenda_item(case, case.board, chair)
    # Due dates count from the meeting day, as the board would set them.
    start = start or timezone.localdate(item.meeting.starts_at)
    record = DecisionRecord.objects.create(
        agenda_item=item, options=options, patient_goals=case.goals_notes, created_by=chair
    )
    plan = ConsensusPlan.objects.create(
        decision=record,
        outcome=ConsensusPlan.Outcome.AGREED,
        summary=options[0]["option"],
        status=ConsensusPlan.Status.SIGNED,
        signed_by=chair,
        signed_at=timezone.now(),
        quorum_met=True,
        created_by=chair,
    )
    for position, spec in enumerate(activities, 1):
        PlanActivity.objects.create(
            plan=plan,
            kind=spec["kind"],
            description=spec["description"],
            responsible_discipline=spec["responsible_discipline"],
            due_date=start + dt.timedelta(days=spec["days"]),
            details=spec["details"],
            position=position,
            created_by=chair,
        )
    return plan


def demo_plans() -> dict[int, ConsensusPlan]:
    """Seed the demo (idempotent) and give every one of its ten cases a signed plan."""
    demo.seed_demo()
    chair = get_user_model().objects.get(username="chair")
    plans = {}
    for row in demo.CASES:
        number = row["number"]
        case = Case.objects.get(patient__mrn=demo.mrn(number))
        # The seed signs the plans of the cases it decided (through the decision services).
        seeded = ConsensusPlan.objects.filter(
            decision__agenda_item__case=case, status=ConsensusPlan.Status.SIGNED
        ).first()
        plans[number] = seeded or signed_plan(case, number, chair=chair)
    return plans
