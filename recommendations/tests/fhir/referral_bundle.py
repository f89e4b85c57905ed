"""A referral Bundle written by hand, as a hospital system would send it (not by the exporter):
SNOMED CT for the cancer, LOINC for performance status, the project codes only where no standard
code exists (docs/fhir.md)."""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings

PROJECT = "https://tumorboard.example.org/fhir/CodeSystem/tumorboard"
PATIENT = "urn:uuid:7f0b4c9e-1d2a-4a6b-9a51-000000000001"
PRIMARY = "urn:uuid:7f0b4c9e-1d2a-4a6b-9a51-000000000002"
LESION = "urn:uuid:7f0b4c9e-1d2a-4a6b-9a51-000000000003"


def project(code: str) -> dict[str, Any]:
    return {"coding": [{"system": PROJECT, "code": code}]}


def _obs(n: int, code: dict, **value: Any) -> dict[str, Any]:
    return {
        "fullUrl": f"urn:uuid:7f0b4c9e-1d2a-4a6b-9a51-0000000001{n:02d}",
        "resource": {
            "resourceType": "Observation",
            "status": "final",
            "code": code,
            "subject": {"reference": PATIENT},
            "effectiveDateTime": "2026-12-01",
            **value,
        },
    }


def referral_bundle(mrn: str = "HOSP-778812") -> dict[str, Any]:
    loinc = "http://loinc.org"
    entries = [
        {
            "fullUrl": PATIENT,
            "resource": {
                "resourceType": "Patient",
                "identifier": [{"system": settings.FHIR_MRN_SYSTEM, "value": mrn}],
                "name": [{"family": "Okafor", "given": ["Adaeze", "N"]}],
                "gender": "female",
                "birthDate": "1968-03-14",
                "communication": [
                    {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es-ES"}]}}
                ],
                "telecom": [{"system": "phone", "value": "+44 20 7946 0000"}],
            },
        },
        {
            "fullUrl": PRIMARY,
            "resource": {
                "resourceType": "Condition",
                "clinicalStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                            "code": "active",
                        }
                    ]
                },
                "verificationStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                            "code": "confirmed",
                        }
                    ]
                },
                "code": {
                    "coding": [{"system": "http://snomed.info/sct", "code": "254837009"}],
                    "text": "Breast cancer",
                },
                "subject": {"reference": PATIENT},
                "onsetDateTime": "2019-06-02",
            },
        },
        {
            "fullUrl": LESION,
            "resource": {
                "resourceType": "Condition",
                "meta": {
                    "profile": [
                        "http://hl7.org/fhir/us/mcode/StructureDefinition/"
                        "mcode-secondary-cancer-condition"
                    ]
                },
                "code": {"text": "Bone metastasis"},
                "bodySite": [{"text": "L2"}],
                "subject": {"reference": PATIENT},
            },
        },
        _obs(1, {"coding": [{"system": loinc, "code": "89247-1"}]}, valueInteger=1),
        _obs(2, {"coding": [{"system": loinc, "code": "89243-0"}]}, valueInteger=80),
        _obs(3, project("frankel"), valueCodeableConcept=project("frankel-E")),
        _obs(4, project("vertebral-body-mets"), valueInteger=1),
        _obs(5, project("extraspinal-bone-mets"), valueInteger=0),
        _obs(6, project("visceral-mets"), valueCodeableConcept=project("visceral-none")),
        _obs(
            7,
            project("sins"),
            focus=[{"reference": LESION}],
            component=[
                {"code": project(f"sins-{item}"), "valueCodeableConcept": project(answer)}
                for item, answer in (
                    ("pain", "sins-pain-occasional"),
                    ("bone-lesion", "sins-bone-lesion-blastic"),
                    ("alignment", "sins-alignment-normal"),
                    ("collapse", "sins-collapse-none"),
                    ("posterolateral", "sins-posterolateral-none"),
                )
            ],
        ),
        _obs(
            8,
            project("escc"),
            bodySite={"text": "L2"},
            valueCodeableConcept=project("escc-0"),
        ),
        {
            "fullUrl": "urn:uuid:7f0b4c9e-1d2a-4a6b-9a51-000000000201",
            "resource": {
                "resourceType": "MedicationStatement",
                "status": "active",
                "medicationCodeableConcept": {"text": "Letrozole and palbociclib"},
                "subject": {"reference": PATIENT},
                "effectivePeriod": {"start": "2025-01-10"},
            },
        },
        {
            "fullUrl": "urn:uuid:7f0b4c9e-1d2a-4a6b-9a51-000000000202",
            "resource": {
                "resourceType": "Procedure",
                "status": "completed",
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "108290001"}]},
                "subject": {"reference": PATIENT},
                "performedDateTime": "2025-09-01",
                "bodySite": [{"text": "T4"}, {"text": "T5"}],
                "extension": [
                    {
                        "url": "https://tumorboard.example.org/fhir/StructureDefinition/"
                        "radiotherapy-total-dose-gy",
                        "valueDecimal": 20,
                    },
                    {
                        "url": "https://tumorboard.example.org/fhir/StructureDefinition/"
                        "radiotherapy-fractions",
                        "valueInteger": 5,
                    },
                ],
            },
        },
        {
            "fullUrl": "urn:uuid:7f0b4c9e-1d2a-4a6b-9a51-000000000301",
            "resource": {
                "resourceType": "ServiceRequest",
                "status": "active",
                "intent": "order",
                "priority": "urgent",
                "subject": {"reference": PATIENT},
                "requester": {"display": "Dr R. Mensah, breast oncology"},
                "reasonCode": [{"text": "New L2 metastasis with pain: radiotherapy or surgery?"}],
            },
        },
    ]
    return {"resourceType": "Bundle", "type": "collection", "entry": copy.deepcopy(entries)}


def resource(bundle: dict[str, Any], resource_type: str, index: int = 0) -> dict[str, Any]:
    return [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type
    ][index]
