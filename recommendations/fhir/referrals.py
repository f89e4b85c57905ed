"""A referral imported from a FHIR R4 Bundle: a patient and a referred case, with its lesions and
prior treatments, written through `cases.services` (their checks and validation) in one
transaction.

First every entry is read and checked (`read_referral`); a Bundle with any problem is refused
with the problems listed per resource (`BundleRejected`, a 400) and nothing is written. Then the
services write; a refusal of theirs is reported against the resource that carried the field and
rolls everything back. Idempotent on the patient's MRN: while the patient has an open case on the
board, sending the Bundle again returns that case and writes nothing. Mapping: docs/fhir.md.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pydantic
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from fhir.resources.R4B import get_fhir_model_class

from cases import services as case_services
from cases.models import Case, Patient, PriorTreatment
from cases.selectors import patients_visible_to
from clinical import fhir as v
from clinical.levels import SPINAL_LEVELS
from scheduling.access import board_roles
from scheduling.models import Board
from tumorboard.errors import ApplicationError

MAX_ENTRIES = 500
# Read and mapped to the case.
IMPORTED = frozenset(
    {"Patient", "Condition", "Observation", "MedicationStatement", "Procedure", "ServiceRequest"}
)
# What the exporter also writes (the plan, its documents and signature): accepted and left out,
# so an exported Bundle can be imported as a referral.
IGNORED = frozenset({"Practitioner", "CarePlan", "DocumentReference", "Provenance"})
# Cases the patient still has open on the board: a second import finds them instead.
OPEN_STATUSES = ("referred", "ready", "scheduled", "discussed", "deferred")
USABLE_OBSERVATION = frozenset({"final", "amended", "corrected", "preliminary"})
BUNDLE = "Bundle"
REJECTED = "The Bundle cannot be imported; nothing was saved. See the problems per resource."
NOT_COORDINATOR = "Only the board's coordinators and chair can import referrals."


class BundleRejected(ApplicationError):
    """Problems per resource ("entry[2] Observation/ecog": [...]); nothing was written."""

    def __init__(self, problems: dict[str, list[str]]):
        super().__init__(REJECTED, fields=problems)


@dataclass
class Referral:
    """What a Bundle says, ready for the services; `source` names the resource of each field."""

    patient: dict[str, Any] = field(default_factory=dict)
    case: dict[str, Any] = field(default_factory=dict)
    lesions: dict[str, dict[str, Any]] = field(default_factory=dict)  # by level
    prior_treatments: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    source: dict[str, str] = field(default_factory=dict)  # field -> resource key
    lesion_source: dict[str, str] = field(default_factory=dict)  # level -> resource key


@dataclass(frozen=True)
class ImportResult:
    case: Case
    created: bool


# --- small readers --------------------------------------------------------------------------------


class Problem(Exception):
    """One thing wrong with one resource."""


def _codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def _has_code(concept: Any, system: str, code: str) -> bool:
    return any(c.get("system") == system and c.get("code") == code for c in _codings(concept))


def _project_answer(concept: Any, prefix: str) -> str | None:
    """The answer a concept names with a project code of `prefix`; Problem for another code of
    the project system; None when it has none."""
    for c in _codings(concept):
        if c.get("system") == v.PROJECT_SYSTEM:
            value = v.value_from_code(prefix, str(c.get("code", "")))
            if value is None or value not in v.answer_values(prefix):
                allowed = ", ".join(
                    v.project_code(prefix, a) for a in sorted(v.answer_values(prefix))
                )
                raise Problem(f"code {c.get('code')!r} is not valid here; use one of: {allowed}.")
            return value
    return None


def _level(concepts: Any) -> str | None:
    """A vertebral level from a bodySite (the project's level code, or its text such as "T10")."""
    items = concepts if isinstance(concepts, list) else [concepts]
    for concept in items:
        level = _project_answer(concept, "level")
        if level:
            return level
        text = (
            str((concept or {}).get("text", "")).strip().upper()
            if isinstance(concept, dict)
            else ""
        )
        if text in SPINAL_LEVELS:
            return text
        if text:
            raise Problem(f"body site {text[:20]!r} is not a vertebral level (C1–S5).")
    return None


def _date(value: Any, what: str) -> dt.date:
    if not isinstance(value, str) or len(value) < 10:
        raise Problem(f"{what}: give a full date (YYYY-MM-DD).")
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise Problem(f"{what}: {value[:30]!r} is not a date.") from None


def _optional_date(value: Any, what: str) -> dt.date | None:
    return None if value is None else _date(value, what)


def _references_patient(resource: dict, patient_refs: set[str]) -> bool:
    subject = resource.get("subject")
    return isinstance(subject, dict) and subject.get("reference") in patient_refs


# --- the Bundle, entry by entry ------------------------------------------------------------


@dataclass
class _Entry:
    key: str
    full_url: str
    resource: dict[str, Any]

    @property
    def type(self) -> str:
        return self.resource["resourceType"]


def _entries(bundle: Any) -> tuple[list[_Entry], dict[str, list[str]]]:
    problems: dict[str, list[str]] = {}
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return [], {BUNDLE: ['Send a FHIR Bundle (resourceType "Bundle").']}
    raw = bundle.get("entry")
    if not isinstance(raw, list) or not raw:
        return [], {BUNDLE: ["The Bundle has no entries."]}
    if len(raw) > MAX_ENTRIES:
        return [], {BUNDLE: [f"At most {MAX_ENTRIES} entries per referral."]}
    entries = []
    for index, item in enumerate(raw):
        resource = item.get("resource") if isinstance(item, dict) else None
        rtype = resource.get("resourceType") if isinstance(resource, dict) else None
        key = f"entry[{index}]"
        if not isinstance(rtype, str):
            problems[key] = ["An entry needs a resource with a resourceType."]
            continue
        rid = resource.get("id")
        key = f"{key} {rtype}" + (f"/{rid}" if isinstance(rid, str) else "")
        if rtype not in IMPORTED | IGNORED:
            problems[key] = [
                f"{rtype[:40]} is not part of a referral: send " + ", ".join(sorted(IMPORTED)) + "."
            ]
            continue
        try:
            get_fhir_model_class(rtype).model_validate(resource)
        except pydantic.ValidationError as exc:
            problems[key] = [
                f"{'.'.join(str(p) for p in e['loc']) or rtype}: {e['msg']}"
                for e in exc.errors()[:10]
            ]
            continue
        full_url = item.get("fullUrl") if isinstance(item.get("fullUrl"), str) else ""
        entries.append(_Entry(key, full_url, resource))
    return entries, problems


def _patient(entry: _Entry, into: Referral) -> None:
    r = entry.resource
    mrns = [
        i.get("value")
        for i in r.get("identifier") or []
        if isinstance(i, dict) and i.get("system") == settings.FHIR_MRN_SYSTEM
    ]
    problems = []
    if not mrns or not isinstance(mrns[0], str) or not mrns[0].strip():
        problems.append(
            f"identifier: no MRN with system {settings.FHIR_MRN_SYSTEM!r} (the hospital's MRN)."
        )
    names = [n for n in r.get("name") or [] if isinstance(n, dict)]
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    family = name.get("family")
    given = (name.get("given") or [None])[0]
    if not family or not given:
        problems.append("name: give the family name and a given name.")
    if not r.get("birthDate"):
        problems.append("birthDate: required.")
    gender = r.get("gender", "unknown")
    if gender not in Patient.Sex.values:
        problems.append(f"gender: use one of {', '.join(Patient.Sex.values)}.")
    if problems:
        raise Problem(" ".join(problems))
    data = {
        "mrn": mrns[0].strip(),
        "family_name": family,
        "given_name": given,
        "date_of_birth": _date(r.get("birthDate"), "birthDate"),
        "sex": gender,
    }
    for item in r.get("communication") or []:
        for c in _codings(item.get("language") if isinstance(item, dict) else None):
            code = str(c.get("code", "")).split("-")[0].lower()
            if code in Patient.Language.values:
                data["preferred_language"] = code
                break
    for contact in r.get("telecom") or []:
        if isinstance(contact, dict) and contact.get("system") in ("phone", "email"):
            name = "phone" if contact["system"] == "phone" else "email"
            data.setdefault(name, str(contact.get("value", "")))
    into.patient = data
    for name in data:
        into.source[f"patient.{name}"] = entry.key


def _is_primary(r: dict) -> bool:
    profiles = (r.get("meta") or {}).get("profile") or []
    code = r.get("code")
    return (
        v.PROFILE_PRIMARY in profiles
        or any(
            c.get("system") == v.PROJECT_SYSTEM and str(c.get("code", "")).startswith("primary-")
            for c in _codings(code)
        )
        or any(
            c.get("system") == v.SNOMED and c.get("code") in v.PRIMARY_FROM_SNOMED
            for c in _codings(code)
        )
    )


def _is_secondary(r: dict) -> bool:
    profiles = (r.get("meta") or {}).get("profile") or []
    code = r.get("code")
    return (
        v.PROFILE_SECONDARY in profiles
        or _has_code(code, v.PROJECT_SYSTEM, "spinal-metastasis")
        or _has_code(code, v.SNOMED, v.SECONDARY_SNOMED[0])
    )


def _primary(entry: _Entry, into: Referral) -> None:
    r = entry.resource
    if "primary_site" in into.case:
        raise Problem("a second primary cancer Condition: send one.")
    site = _project_answer(r.get("code"), "primary")
    if site is None:
        site = next(
            (
                v.PRIMARY_FROM_SNOMED[c["code"]]
                for c in _codings(r.get("code"))
                if c.get("system") == v.SNOMED and c.get("code") in v.PRIMARY_FROM_SNOMED
            ),
            None,
        )
    if site is None:
        raise Problem(
            "code: no primary site we know (a code of the project CodeSystem "
            f"{v.PROJECT_SYSTEM}, or a SNOMED CT code listed in docs/fhir.md)."
        )
    data: dict[str, Any] = {"primary_site": site}
    for ext in r.get("extension") or []:
        if ext.get("url") == v.EXT_HISTOLOGY:
            text = (ext.get("valueCodeableConcept") or {}).get("text")
            if text:
                data["histology"] = text
    for c in _codings(r.get("verificationStatus")):
        if c.get("system") == v.CONDITION_VERIFICATION and c.get("code") in (
            v.CONFIRMED_FROM_VERIFICATION
        ):
            data["histology_confirmed"] = v.CONFIRMED_FROM_VERIFICATION[c["code"]]
    onset = r.get("onsetDateTime")
    if onset is not None:
        data["diagnosis_date"] = _date(onset, "onsetDateTime")
    for note in r.get("note") or []:
        text = str(note.get("text", ""))
        if text.startswith("Molecular markers: "):
            data["molecular_markers"] = text.removeprefix("Molecular markers: ")
    into.case.update(data)
    for name in data:
        into.source[name] = entry.key


def _secondary(entry: _Entry, into: Referral, by_url: dict[str, str]) -> None:
    r = entry.resource
    level = _level(r.get("bodySite") or [])
    if level is None:
        raise Problem("bodySite: give the vertebral level of the metastasis (e.g. T10).")
    if level in into.lesions:
        raise Problem(f"a second spinal metastasis at {level}: send one per level.")
    lesion: dict[str, Any] = {"level": level}
    notes = [str(n.get("text", "")) for n in r.get("note") or [] if n.get("text")]
    if notes:
        lesion["notes"] = "\n".join(notes)
    into.lesions[level] = lesion
    into.lesion_source[level] = entry.key
    for url in _urls(entry):
        by_url[url] = level


def _urls(entry: _Entry) -> list[str]:
    urls = [entry.full_url] if entry.full_url else []
    rid = entry.resource.get("id")
    if isinstance(rid, str):
        urls.append(f"{entry.type}/{rid}")
    return urls


def _observation_value(spec: v.ObservationSpec, r: dict) -> Any:
    if spec.kind == "integer":
        value = r.get("valueInteger")
        if not isinstance(value, int) or isinstance(value, bool):
            raise Problem(f"{spec.code[2]}: give valueInteger.")
        return value
    if spec.kind == "boolean":
        if not isinstance(r.get("valueBoolean"), bool):
            raise Problem(f"{spec.code[2]}: give valueBoolean.")
        return r["valueBoolean"]
    if spec.kind == "months":
        quantity = r.get("valueQuantity") or {}
        if quantity.get("code") not in ("mo", "month", "months") or quantity.get("value") is None:
            raise Problem(f"{spec.code[2]}: give valueQuantity in months (UCUM 'mo').")
        try:
            return int(Decimal(str(quantity["value"])))
        except (InvalidOperation, ValueError):
            raise Problem(f"{spec.code[2]}: the number of months is not a number.") from None
    value = _project_answer(r.get("valueCodeableConcept"), spec.prefix)
    if value is None:
        allowed = ", ".join(
            v.project_code(spec.prefix, a) for a in sorted(v.answer_values(spec.prefix))
        )
        raise Problem(f"{spec.code[2]}: give valueCodeableConcept, one of: {allowed}.")
    return value


def _lesion_level(r: dict, by_url: dict[str, str]) -> str:
    for focus in r.get("focus") or []:
        if isinstance(focus, dict) and focus.get("reference") in by_url:
            return by_url[focus["reference"]]
    level = _level(r.get("bodySite")) if r.get("bodySite") else None
    if level is None:
        raise Problem("focus or bodySite: say which spinal metastasis (its Condition or level).")
    return level


def _observation(entry: _Entry, into: Referral, by_url: dict[str, str]) -> None:
    r = entry.resource
    if r.get("status") not in USABLE_OBSERVATION:
        raise Problem(f"status {r.get('status')!r}: only final, amended, corrected or preliminary.")
    code = r.get("code")
    spec = next((s for s in v.CASE_OBSERVATIONS if _has_code(code, s.code[0], s.code[1])), None)
    if spec is not None:
        if spec.field in into.case:
            raise Problem(f"{spec.code[2]} is given twice: send one.")
        into.case[spec.field] = _observation_value(spec, r)
        into.source[spec.field] = entry.key
        return
    derived = (v.SCORE_CODES["tokuhashi"][0], v.SCORE_CODES["tomita"][0])
    if any(_has_code(code, v.PROJECT_SYSTEM, c) for c in derived):
        return  # the board's scores are recomputed from the data
    if _has_code(code, v.PROJECT_SYSTEM, v.SCORE_CODES["sins"][0]):
        _sins(entry, into, by_url)
        return
    if _has_code(code, v.PROJECT_SYSTEM, v.SCORE_CODES["escc"][0]):
        level = _lesion_lookup(r, into, by_url)
        grade = _project_answer(r.get("valueCodeableConcept"), "escc")
        if grade is None:
            raise Problem("ESCC grade: give valueCodeableConcept (escc-0 … escc-3).")
        into.lesions[level]["escc_grade"] = grade
        _imaging(r, into.lesions[level])
        return
    shown = ", ".join(f"{c.get('system')}|{c.get('code')}" for c in _codings(code))[:200]
    raise Problem(f"code: {shown or 'none'} is not an observation the board uses (docs/fhir.md).")


def _lesion_lookup(r: dict, into: Referral, by_url: dict[str, str]) -> str:
    level = _lesion_level(r, by_url)
    if level not in into.lesions:
        raise Problem(f"no spinal metastasis Condition at {level} in the Bundle.")
    return level


def _imaging(r: dict, lesion: dict[str, Any]) -> None:
    when = r.get("effectiveDateTime")
    if when is not None:
        lesion["imaging_date"] = _date(when, "effectiveDateTime")
    modality = _project_answer(r.get("method"), "modality")
    if modality:
        lesion["imaging_modality"] = modality


def _sins(entry: _Entry, into: Referral, by_url: dict[str, str]) -> None:
    r = entry.resource
    level = _lesion_lookup(r, into, by_url)
    lesion = into.lesions[level]
    items = {prefix: name for name, prefix, _ in v.LESION_COMPONENTS}
    for component in r.get("component") or []:
        ccode = component.get("code")
        prefix = next((p for p in items if _has_code(ccode, v.PROJECT_SYSTEM, p)), None)
        if prefix is not None:
            value = _project_answer(component.get("valueCodeableConcept"), prefix)
            if value is None:
                raise Problem(f"component {prefix}: give valueCodeableConcept.")
            lesion[items[prefix]] = value
        elif _has_code(ccode, v.PROJECT_SYSTEM, v.RADICULOPATHY[0]):
            if not isinstance(component.get("valueBoolean"), bool):
                raise Problem("component radiculopathy: give valueBoolean.")
            lesion["radiculopathy"] = component["valueBoolean"]
        else:
            raise Problem("component: not a SINS item (docs/fhir.md).")
    _imaging(r, lesion)


def _medication(entry: _Entry, into: Referral) -> None:
    r = entry.resource
    if r.get("status") in ("entered-in-error", "not-taken", "intended"):
        raise Problem(f"status {r.get('status')!r}: not a treatment the patient had.")
    concept = r.get("medicationCodeableConcept") or {}
    name = concept.get("text") or next(
        (c.get("display") for c in _codings(concept) if c.get("display")), None
    )
    if not name:
        raise Problem("medicationCodeableConcept: name the agents (text or a coding's display).")
    start = r.get("effectiveDateTime") or (r.get("effectivePeriod") or {}).get("start")
    if start is None:
        raise Problem("effectiveDateTime or effectivePeriod.start: when it started is required.")
    into.prior_treatments.append(
        (
            entry.key,
            {
                "kind": PriorTreatment.Kind.SYSTEMIC,
                "description": str(name)[:300],
                "treated_on": _date(start, "effective"),
            },
        )
    )


def _procedure(entry: _Entry, into: Referral) -> None:
    r = entry.resource
    if r.get("status") != "completed":
        raise Problem("status: only completed procedures are prior treatments.")
    kind = _project_answer(r.get("code"), "prior")
    if kind is None and _has_code(r.get("code"), v.SNOMED, v.RADIOTHERAPY_SNOMED):
        kind = PriorTreatment.Kind.RADIATION
    if kind is None or kind == PriorTreatment.Kind.SYSTEMIC:
        raise Problem(
            "code: a prior radiotherapy, surgery, cement augmentation or other (docs/fhir.md)."
        )
    levels = [_level(s) for s in r.get("bodySite") or []]
    data: dict[str, Any] = {
        "kind": kind,
        "treated_on": _date(
            r.get("performedDateTime") or (r.get("performedPeriod") or {}).get("start"), "performed"
        ),
        "level_from": levels[0] if levels else "",
    }
    if len(levels) > 1 and levels[-1] != levels[0]:
        data["level_to"] = levels[-1]
    for ext in r.get("extension") or []:
        if ext.get("url") == v.EXT_DOSE_GY:
            data["dose_gy"] = _dose(ext.get("valueDecimal"))
        elif ext.get("url") == v.EXT_FRACTIONS:
            data["fractions"] = ext.get("valueInteger")
    notes = [str(n.get("text", "")) for n in r.get("note") or [] if n.get("text")]
    if notes:
        data["description"] = "\n".join(notes)[:300]
    into.prior_treatments.append((entry.key, data))


def _dose(value: Any) -> Decimal:
    try:
        dose = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise Problem("radiotherapy dose: give valueDecimal in Gy (e.g. 20 or 8.5).") from None
    if not Decimal(0) < dose < Decimal(1000):
        raise Problem("radiotherapy dose: give valueDecimal in Gy, above 0 and below 1000.")
    return dose


def _referral(entry: _Entry, into: Referral) -> None:
    r = entry.resource
    if r.get("intent") == "plan":
        return  # a planned activity of an exported plan
    if "clinical_question" in into.case:
        raise Problem("a second referral ServiceRequest: send one.")
    question = " ".join(
        str(reason.get("text", "")).strip()
        for reason in r.get("reasonCode") or []
        if reason.get("text")
    ).strip()
    if not question:
        raise Problem("reasonCode.text: state the question for the board.")
    requester = (r.get("requester") or {}).get("display")
    if not requester:
        raise Problem("requester.display: name the referring clinician.")
    priority = r.get("priority", "routine")
    if priority not in v.PRIORITY_URGENCY:
        raise Problem(f"priority: one of {', '.join(v.PRIORITY_URGENCY)}.")
    into.case.update(
        {
            "clinical_question": question,
            "referring_clinician": requester,
            "urgency": v.PRIORITY_URGENCY[priority],
        }
    )
    for name in ("clinical_question", "referring_clinician", "urgency"):
        into.source[name] = entry.key


def read_referral(bundle: Any) -> Referral:
    """The referral a Bundle describes, or BundleRejected listing every problem."""
    entries, problems = _entries(bundle)
    into = Referral()

    def note(key: str, message: str) -> None:
        problems.setdefault(key, []).append(message)

    patients = [e for e in entries if e.type == "Patient"]
    if len(patients) != 1 and not problems.get(BUNDLE):
        note(BUNDLE, f"Send exactly one Patient (the Bundle has {len(patients)}).")
    patient_refs: set[str] = set()
    for entry in patients[:1]:
        patient_refs.update(_urls(entry))
        try:
            _patient(entry, into)
        except Problem as exc:
            note(entry.key, str(exc))
    by_url: dict[str, str] = {}
    # Conditions first: observations name the lesion they describe.
    ordered = sorted(entries, key=lambda e: 0 if e.type == "Condition" else 1)
    for entry in ordered:
        r = entry.resource
        if entry.type in IGNORED or entry.type == "Patient":
            continue
        if patients and not _references_patient(r, patient_refs):
            note(entry.key, "subject: must refer to the Bundle's Patient.")
            continue
        try:
            if entry.type == "Condition":
                if _is_primary(r):
                    _primary(entry, into)
                elif _is_secondary(r):
                    _secondary(entry, into, by_url)
                else:
                    raise Problem(
                        "neither the primary cancer nor a spinal metastasis (code or "
                        "meta.profile: docs/fhir.md)."
                    )
            elif entry.type == "Observation":
                _observation(entry, into, by_url)
            elif entry.type == "MedicationStatement":
                _medication(entry, into)
            elif entry.type == "Procedure":
                _procedure(entry, into)
            elif entry.type == "ServiceRequest":
                _referral(entry, into)
        except Problem as exc:
            note(entry.key, str(exc))
    if entries and "primary_site" not in into.case and not problems:
        note(BUNDLE, "No primary cancer Condition (mCODE primary cancer condition).")
    if entries and "clinical_question" not in into.case and not problems:
        note(BUNDLE, "No referral ServiceRequest with the clinical question (reasonCode.text).")
    if problems:
        raise BundleRejected(problems)
    return into


# --- writing --------------------------------------------------------------------------------


def _refused(exc: ApplicationError, referral: Referral, default: str) -> BundleRejected:
    """A service's refusal, reported against the resource that carried each field."""
    problems: dict[str, list[str]] = {}
    lesion_keys = list(referral.lesion_source.values())  # in the order the case got them
    for name, messages in (exc.fields or {}).items():
        for message in messages:
            if name == "lesions":
                # "Lesion 2: ..." (cases.services.case_create): the second lesion's Condition.
                number = re.match(r"Lesion (\d+): ", message)
                index = int(number.group(1)) - 1 if number else 0
                key = lesion_keys[index] if index < len(lesion_keys) else default
            else:
                key = referral.source.get(name) or referral.source.get(f"patient.{name}")
            problems.setdefault(key or default, []).append(f"{name}: {message}")
    if not problems:
        problems[default] = [exc.message]
    return BundleRejected(problems)


def _check_board(board: Board, by: AbstractBaseUser) -> None:
    roles = board_roles(by, board)
    if not (roles.coordinator or roles.chair):
        raise PermissionDenied(NOT_COORDINATOR)


@transaction.atomic
def referral_import(*, bundle: Any, board: Board, by: AbstractBaseUser) -> ImportResult:
    """Import the referral a Bundle describes into `board`: all of it, or nothing."""
    _check_board(board, by)
    referral = read_referral(bundle)
    patient_key = referral.source.get("patient.mrn", BUNDLE)
    patient = Patient.objects.filter(mrn=referral.patient["mrn"]).first()
    if patient is not None and patients_visible_to(by).filter(pk=patient.pk).exists():
        open_case = (
            patient.cases.filter(board=board, status__in=OPEN_STATUSES)
            .order_by("-created_at", "-pk")
            .first()
        )
        if open_case is not None:
            return ImportResult(case=open_case, created=False)
    try:
        if patient is None or not patients_visible_to(by).filter(pk=patient.pk).exists():
            patient = case_services.patient_create(by=by, **referral.patient)
        lesions = list(referral.lesions.values())
        case = case_services.case_create(
            by=by, patient=patient, board=board, lesions=lesions, **referral.case
        )
    except ApplicationError as exc:
        raise _refused(exc, referral, patient_key) from exc
    for key, data in referral.prior_treatments:
        try:
            case_services.prior_treatment_add(case=case, by=by, **data)
        except ApplicationError as exc:
            problems = {
                key: [f"{n}: {m}" for n, ms in exc.fields.items() for m in ms] or [exc.message]
            }
            raise BundleRejected(problems) from exc
    return ImportResult(case=case, created=True)
