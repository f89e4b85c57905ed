"""A case, with its signed plan, as a FHIR R4 Bundle (plain JSON-ready dicts).

The vocabulary is `clinical.fhir`; docs/fhir.md maps every field. Resources are addressed by
`urn:uuid:` full URLs derived from the records' own uuids (`resource_uuid`), so exporting the same
data twice gives the same ids and a meeting's Bundle holds a patient or a practitioner once.
Nothing here reads the database: `recommendations.fhir.selectors` loads what is exported.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from cases.assessment import CaseAssessment
from cases.models import Case, Patient, PriorTreatment, SpinalLesion
from clinical import fhir as v
from recommendations.models import ConsensusPlan, PatientSummary, PlanActivity

# Fixed namespace for the uuid5 ids of exported resources.
NAMESPACE = uuid.UUID("5d0c3b0e-6f0a-4d43-9d35-7d7e1c5bb0f1")


def resource_uuid(kind: str, key: Any) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def ref(resource: dict[str, Any]) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource['id']}"}


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def project_concept(prefix: str, value: str) -> dict[str, Any]:
    display = v.answer_display(prefix, value)
    return {"coding": [coding(v.PROJECT_SYSTEM, v.project_code(prefix, value), display)]}


def instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def level_site(level: str) -> dict[str, Any]:
    concept = project_concept("level", level)
    concept["text"] = level
    return concept


@dataclass
class PlanData:
    plan: ConsensusPlan
    activities: list[PlanActivity]
    summaries: list[tuple[PatientSummary, bytes]] = field(default_factory=list)


@dataclass
class CaseData:
    case: Case
    lesions: list[SpinalLesion]
    prior_treatments: list[PriorTreatment]
    assessment: CaseAssessment
    plan: PlanData | None = None


class BundleBuilder:
    """Collects resources once each (by id) and writes the Bundle."""

    def __init__(self) -> None:
        self.resources: dict[str, dict[str, Any]] = {}

    def add(self, resource: dict[str, Any]) -> dict[str, Any]:
        self.resources.setdefault(resource["id"], resource)
        return resource

    def bundle(self, *, key: str) -> dict[str, Any]:
        return {
            "resourceType": "Bundle",
            "id": resource_uuid("bundle", key),
            "meta": {"lastUpdated": instant(timezone.now())},
            "type": "collection",
            "timestamp": instant(timezone.now()),
            "entry": [
                {"fullUrl": f"urn:uuid:{rid}", "resource": resource}
                for rid, resource in self.resources.items()
            ],
        }


# --- the patient and the referral ----------------------------------------------------------------


def patient_resource(patient: Patient) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": resource_uuid("patient", patient.uuid),
        "meta": {"profile": [v.PROFILE_PATIENT]},
        "identifier": [
            {
                "use": "usual",
                "type": {"coding": [coding(v.V2_IDENTIFIER_TYPE, "MR", "Medical record number")]},
                "system": settings.FHIR_MRN_SYSTEM,
                "value": patient.mrn,
            }
        ],
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        "gender": patient.sex,
        "birthDate": patient.date_of_birth.isoformat(),
        "communication": [
            {
                "language": {"coding": [coding(v.BCP47, patient.preferred_language)]},
                "preferred": True,
            }
        ],
    }
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    if telecom:
        resource["telecom"] = telecom
    return resource


def referral_resource(case: Case, patient: dict, primary: dict) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "id": resource_uuid("referral", case.uuid),
        "identifier": [{"system": v.URN_UUID, "value": f"urn:uuid:{case.uuid}"}],
        "status": v.REFERRAL_STATUS[case.status],
        "intent": "order",
        "priority": v.URGENCY_PRIORITY[case.urgency],
        "code": {
            "coding": [coding(v.PROJECT_SYSTEM, "board-referral", "Referral to the board")],
            "text": case.board.name,
        },
        "subject": ref(patient),
        "authoredOn": instant(case.created_at),
        "requester": {"display": case.referring_clinician},
        "reasonCode": [{"text": case.clinical_question}],
        "reasonReference": [ref(primary)],
    }


# --- conditions -------------------------------------------------------------------------------


def primary_condition(case: Case, patient: dict) -> dict[str, Any]:
    codings = [coding(v.PROJECT_SYSTEM, v.project_code("primary", case.primary_site))]
    codings[0]["display"] = case.get_primary_site_display()
    if case.primary_site in v.PRIMARY_SNOMED:
        codings.append(coding(v.SNOMED, *v.PRIMARY_SNOMED[case.primary_site]))
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": resource_uuid("primary", case.uuid),
        "meta": {"profile": [v.PROFILE_PRIMARY]},
        "clinicalStatus": {"coding": [coding(v.CONDITION_CLINICAL, "active")]},
        "category": [{"coding": [coding(v.CONDITION_CATEGORY, "problem-list-item")]}],
        "code": {"coding": codings, "text": case.get_primary_site_display()},
        "subject": ref(patient),
    }
    if case.histology_confirmed is not None:
        status = v.VERIFICATION_FROM_CONFIRMED[case.histology_confirmed]
        resource["verificationStatus"] = {"coding": [coding(v.CONDITION_VERIFICATION, status)]}
    if case.histology:
        resource["extension"] = [
            {"url": v.EXT_HISTOLOGY, "valueCodeableConcept": {"text": case.histology}}
        ]
    if case.diagnosis_date:
        resource["onsetDateTime"] = case.diagnosis_date.isoformat()
    notes = [
        text
        for text in (case.molecular_markers and f"Molecular markers: {case.molecular_markers}",)
        if text
    ]
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource


def secondary_condition(lesion: SpinalLesion, patient: dict, primary: dict) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": resource_uuid("lesion", f"{lesion.case.uuid}:{lesion.level}"),
        "meta": {"profile": [v.PROFILE_SECONDARY]},
        "extension": [{"url": v.EXT_RELATED_PRIMARY, "valueReference": ref(primary)}],
        "clinicalStatus": {"coding": [coding(v.CONDITION_CLINICAL, "active")]},
        "category": [{"coding": [coding(v.CONDITION_CATEGORY, "problem-list-item")]}],
        "code": {
            "coding": [
                coding(v.PROJECT_SYSTEM, "spinal-metastasis", "Spinal metastasis"),
                coding(v.SNOMED, *v.SECONDARY_SNOMED),
            ],
            "text": f"Spinal metastasis {lesion.level}",
        },
        "bodySite": [level_site(lesion.level)],
        "subject": ref(patient),
    }
    if lesion.notes:
        resource["note"] = [{"text": lesion.notes}]
    return resource


# --- observations -----------------------------------------------------------------------------


def _observation(
    kind: str, key: str, code: dict, patient: dict, *, category: str, when: dt.datetime | dt.date
) -> dict[str, Any]:
    effective = instant(when) if isinstance(when, dt.datetime) else when.isoformat()
    return {
        "resourceType": "Observation",
        "id": resource_uuid(kind, key),
        "status": "final",
        "category": [{"coding": [coding(v.OBSERVATION_CATEGORY, category)]}],
        "code": code,
        "subject": ref(patient),
        "effectiveDateTime": effective,
    }


def case_observations(case: Case, patient: dict) -> list[dict[str, Any]]:
    out = []
    for spec in v.CASE_OBSERVATIONS:
        value = getattr(case, spec.field)
        if value is None or value == "":
            continue
        system, code, display = spec.code
        obs = _observation(
            spec.field,
            case.uuid,
            {"coding": [coding(system, code, display)]},
            patient,
            category=spec.category,
            when=case.updated_at,
        )
        if spec.profile:
            obs["meta"] = {"profile": [spec.profile]}
        if spec.kind == "integer":
            obs["valueInteger"] = int(value)
        elif spec.kind == "boolean":
            obs["valueBoolean"] = bool(value)
        elif spec.kind == "months":
            obs["valueQuantity"] = {
                "value": int(value),
                "unit": "months",
                "system": v.UCUM,
                "code": "mo",
            }
        else:
            obs["valueCodeableConcept"] = project_concept(spec.prefix, value)
        if spec.field == "ecog":
            obs["interpretation"] = [{"coding": [coding(v.LOINC, v.ECOG_ANSWERS[int(value)])]}]
        out.append(obs)
    return out


def _score_observation(
    name: str, case: Case, score, patient: dict, *, focus: list[dict]
) -> dict[str, Any]:
    code, display = v.SCORE_CODES[name]
    obs = _observation(
        name,
        case.uuid,
        {"coding": [coding(v.PROJECT_SYSTEM, code, display)]},
        patient,
        category="survey",
        when=case.updated_at,
    )
    obs["focus"] = focus
    if score.computable:
        obs["valueInteger"] = score.result.total
        obs["interpretation"] = [{"text": score.result.category}]
    else:
        obs["dataAbsentReason"] = {"coding": [coding(v.DATA_ABSENT_REASON, "unknown")]}
        obs["note"] = [{"text": "Missing: " + ", ".join(score.missing)}]
    return obs


def lesion_observations(
    lesion: SpinalLesion, assessed, patient: dict, condition: dict
) -> list[dict[str, Any]]:
    """SINS (its items as components) and the ESCC grade of one lesion."""
    key = f"{lesion.case.uuid}:{lesion.level}"
    when = lesion.imaging_date or lesion.case.updated_at
    method = project_concept("modality", lesion.imaging_modality)
    code, display = v.SCORE_CODES["sins"]
    sins = _observation(
        "sins", key, {"coding": [coding(v.PROJECT_SYSTEM, code, display)]}, patient,
        category="imaging", when=when,
    )  # fmt: skip
    if lesion.imaging_date is None:
        sins.pop("effectiveDateTime")
    sins |= {"focus": [ref(condition)], "bodySite": level_site(lesion.level), "method": method}
    components = []
    for name, prefix, comp_display in v.LESION_COMPONENTS:
        value = getattr(lesion, name)
        if value:
            components.append(
                {
                    "code": {"coding": [coding(v.PROJECT_SYSTEM, prefix, comp_display)]},
                    "valueCodeableConcept": project_concept(prefix, value),
                }
            )
    if lesion.radiculopathy is not None:
        components.append(
            {
                "code": {"coding": [coding(v.PROJECT_SYSTEM, *v.RADICULOPATHY)]},
                "valueBoolean": lesion.radiculopathy,
            }
        )
    if components:
        sins["component"] = components
    score = assessed.sins if assessed is not None else None
    if score is not None and score.computable:
        sins["valueInteger"] = score.result.total
        sins["interpretation"] = [{"text": score.result.category}]
    else:
        sins["dataAbsentReason"] = {"coding": [coding(v.DATA_ABSENT_REASON, "unknown")]}
    out = [sins]
    if lesion.escc_grade:
        code, display = v.SCORE_CODES["escc"]
        escc = _observation(
            "escc", key, {"coding": [coding(v.PROJECT_SYSTEM, code, display)]}, patient,
            category="imaging", when=when,
        )  # fmt: skip
        if lesion.imaging_date is None:
            escc.pop("effectiveDateTime")
        escc |= {
            "focus": [ref(condition)],
            "bodySite": level_site(lesion.level),
            "method": method,
            "valueCodeableConcept": project_concept("escc", lesion.escc_grade),
        }
        out.append(escc)
    return out


# --- prior treatments ---------------------------------------------------------------------------


def prior_treatment_resource(treatment: PriorTreatment, patient: dict) -> dict[str, Any]:
    key = f"{treatment.case.uuid}:{treatment.pk}"
    if treatment.kind == PriorTreatment.Kind.SYSTEMIC:
        return {
            "resourceType": "MedicationStatement",
            "id": resource_uuid("medication", key),
            "status": "unknown",
            "category": {"coding": [coding(v.PROJECT_SYSTEM, "prior-systemic")]},
            "medicationCodeableConcept": {"text": treatment.description},
            "subject": ref(patient),
            "effectivePeriod": {"start": treatment.treated_on.isoformat()},
        }
    codings = [coding(v.PROJECT_SYSTEM, v.project_code("prior", treatment.kind))]
    codings[0]["display"] = v.answer_display("prior", treatment.kind)
    if treatment.kind == PriorTreatment.Kind.RADIATION:
        codings.append(coding(v.SNOMED, v.RADIOTHERAPY_SNOMED, "Radiotherapy"))
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": resource_uuid("procedure", key),
        "status": "completed",
        "code": {"coding": codings, "text": treatment.get_kind_display()},
        "subject": ref(patient),
        "performedDateTime": treatment.treated_on.isoformat(),
        "bodySite": [level_site(treatment.level_from)]
        + ([level_site(treatment.level_to)] if treatment.level_to else []),
    }
    extensions = []
    if treatment.dose_gy is not None:
        extensions.append({"url": v.EXT_DOSE_GY, "valueDecimal": float(treatment.dose_gy)})
    if treatment.fractions is not None:
        extensions.append({"url": v.EXT_FRACTIONS, "valueInteger": treatment.fractions})
    if extensions:
        resource["extension"] = extensions
    if treatment.description:
        resource["note"] = [{"text": treatment.description}]
    return resource


# --- the signed plan ------------------------------------------------------------------------------


def practitioner_resource(user) -> dict[str, Any]:
    name = user.get_full_name() or user.get_username()
    return {
        "resourceType": "Practitioner",
        "id": resource_uuid("user", user.pk),
        "identifier": [{"system": v.USER_SYSTEM, "value": user.get_username()}],
        "name": [{"text": name}],
    }


def _activity_reason(activity: PlanActivity) -> str:
    reason = activity.status_reason or ""
    instead = activity.done_instead
    if instead:
        reason = f"{reason}; done instead: {instead}" if reason else f"Done instead: {instead}"
    return reason


def _activity_code(activity: PlanActivity) -> dict[str, Any]:
    concept = project_concept("activity", activity.kind)
    concept["text"] = activity.description
    return concept


def service_request(
    activity: PlanActivity, patient: dict, careplan: dict, conditions: list[dict]
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": resource_uuid("activity", activity.uuid),
        "identifier": [{"system": v.URN_UUID, "value": f"urn:uuid:{activity.uuid}"}],
        "basedOn": [ref(careplan)],
        "status": v.REQUEST_STATUS[activity.status],
        "intent": "plan",
        "code": _activity_code(activity),
        "subject": ref(patient),
        "reasonReference": [ref(c) for c in conditions],
    }
    details = activity.details if isinstance(activity.details, dict) else {}
    order = [{"text": f"{k}: {val}"} for k, val in details.items() if val not in (None, "", [])]
    if order:
        resource["orderDetail"] = order
    if activity.due_date:
        resource["occurrencePeriod"] = {"end": activity.due_date.isoformat()}
    if activity.responsible_discipline:
        resource["performerType"] = {"text": activity.get_responsible_discipline_display()}
    return resource


def careplan_activity(activity: PlanActivity) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "code": _activity_code(activity),
        "status": v.ACTIVITY_STATUS[activity.status],
        "description": activity.description,
    }
    if activity.kind in v.REQUESTED_ACTIVITY_KINDS:
        detail["kind"] = "ServiceRequest"
    reason = _activity_reason(activity)
    if reason:
        detail["statusReason"] = {"text": reason}
    if activity.due_date:
        detail["scheduledPeriod"] = {"end": activity.due_date.isoformat()}
    who = activity.responsible_user
    performer = (who.get_full_name() or who.get_username()) if who else ""
    if activity.responsible_discipline:
        label = activity.get_responsible_discipline_display()
        performer = f"{performer} ({label})" if performer else label
    if performer:
        detail["performer"] = [{"display": performer}]
    entry: dict[str, Any] = {"detail": detail}
    completed_on = activity.completed_on
    if completed_on:
        entry["progress"] = [{"time": completed_on.isoformat(), "text": "Done."}]
    return entry


def plan_resources(
    data: PlanData, patient: dict, conditions: list[dict], builder: BundleBuilder
) -> None:
    plan = data.plan
    chair = builder.add(practitioner_resource(plan.signed_by))
    careplan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": resource_uuid("plan", plan.uuid),
        "identifier": [{"system": v.URN_UUID, "value": f"urn:uuid:{plan.uuid}"}],
        "status": "active",
        "intent": "plan",
        "category": [{"coding": [coding(v.PROJECT_SYSTEM, "board-plan", "Board plan")]}],
        "title": plan.get_outcome_display(),
        "subject": ref(patient),
        "created": instant(plan.signed_at),
        "author": ref(chair),
        "addresses": [ref(c) for c in conditions],
    }
    if plan.summary:
        careplan["description"] = plan.summary
    if data.activities:
        careplan["activity"] = [careplan_activity(a) for a in data.activities]
    builder.add(careplan)
    for activity in data.activities:
        if activity.kind in v.REQUESTED_ACTIVITY_KINDS:
            builder.add(service_request(activity, patient, careplan, conditions))
    for summary, pdf in data.summaries:
        builder.add(
            {
                "resourceType": "DocumentReference",
                "id": resource_uuid("summary", summary.uuid),
                "identifier": [{"system": v.URN_UUID, "value": f"urn:uuid:{summary.uuid}"}],
                "status": "current",
                "type": {
                    "coding": [
                        coding(v.LOINC, *v.PATIENT_SUMMARY_LOINC),
                        coding(v.PROJECT_SYSTEM, "patient-summary", "Patient summary"),
                    ]
                },
                "subject": ref(patient),
                "date": instant(summary.released_at),
                "description": summary.title,
                "content": [
                    {
                        "attachment": {
                            "contentType": "application/pdf",
                            "language": summary.language,
                            "data": base64.b64encode(pdf).decode("ascii"),
                            "title": summary.title,
                            "creation": instant(summary.released_at),
                        }
                    }
                ],
                "context": {"related": [ref(careplan)]},
            }
        )
    builder.add(
        {
            "resourceType": "Provenance",
            "id": resource_uuid("signature", plan.uuid),
            "target": [ref(careplan)],
            "recorded": instant(plan.signed_at),
            "activity": {"text": "Consensus plan signed by the board's chair"},
            "agent": [
                {
                    "type": {"coding": [coding(v.PROVENANCE_PARTICIPANT, "attester", "Attester")]},
                    "who": ref(chair),
                }
            ],
            "signature": [
                {
                    "type": [
                        coding(v.SIGNATURE_TYPE, "1.2.840.10065.1.12.1.1", "Author's Signature")
                    ],
                    "when": instant(plan.signed_at),
                    "who": ref(chair),
                }
            ],
        }
    )


# --- the case -------------------------------------------------------------------------------------


def add_case(data: CaseData, builder: BundleBuilder) -> None:
    case = data.case
    patient = builder.add(patient_resource(case.patient))
    primary = builder.add(primary_condition(case, patient))
    builder.add(referral_resource(case, patient, primary))
    assessed = {a.level: a for a in data.assessment.lesions}
    secondaries = []
    for lesion in data.lesions:
        condition = builder.add(secondary_condition(lesion, patient, primary))
        secondaries.append(condition)
        for obs in lesion_observations(lesion, assessed.get(lesion.level), patient, condition):
            builder.add(obs)
    for obs in case_observations(case, patient):
        builder.add(obs)
    focus = [ref(primary), *(ref(c) for c in secondaries)]
    builder.add(
        _score_observation("tokuhashi", case, data.assessment.tokuhashi, patient, focus=focus)
    )
    builder.add(_score_observation("tomita", case, data.assessment.tomita, patient, focus=focus))
    for treatment in data.prior_treatments:
        builder.add(prior_treatment_resource(treatment, patient))
    if data.plan is not None:
        plan_resources(data.plan, patient, [primary, *secondaries], builder)


def case_bundle(data: CaseData) -> dict[str, Any]:
    builder = BundleBuilder()
    add_case(data, builder)
    return builder.bundle(key=f"case:{data.case.uuid}")


def cases_bundle(items: Iterable[CaseData], *, key: str) -> dict[str, Any]:
    builder = BundleBuilder()
    for data in items:
        add_case(data, builder)
    return builder.bundle(key=key)
