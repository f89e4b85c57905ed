"""The patient's plain-language summary of the board's plan: generated, reviewed, released, read.

Generation is deterministic: facts from the signed plan, its decision record and the case become
short plain phrases here (translated with Django's i18n), and the section templates in
templates/patient_summary/ put them in order. No external service is called. The body is plain
text with a tiny markup the clinician can edit: a line starting "## " is a heading, "!! " the
warning-signs heading, "- " a list item; blank lines separate paragraphs.

Life cycle (every write below is keyword-only, atomic and attributed; the history table keeps
each version):

- draft: from a SIGNED plan only, in the patient's preferred language unless another is asked.
  A released summary is never changed: drafting again makes a new version that supersedes it once
  released.
- edit: draft or edited → edited; the reading grade and the glossary are measured again.
- release: by a clinician of the board: its chair, or a specialist member. A coordinator may draft
  and edit (prepare) but not release: releasing is a clinical sign-off on what the patient reads.
  The patient is notified without any clinical detail or name.
- access links: single-use and expiring; only a SHA-256 of the token is stored. Redeeming is one
  conditional UPDATE (unused and unexpired → exactly one row), so two clicks race safely.

Who reads what (access control for summaries lives here): staff of the meeting's board see every
version of every summary of the board's plans; a patient sees only their own RELEASED summaries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cases.models import Case, Patient, SpinalLesion
from recommendations.models import ConsensusPlan, PatientAccessLink, PatientSummary, PlanActivity
from recommendations.patient_summaries.glossary import glossary_for
from recommendations.patient_summaries.readability import measure
from scheduling.models import BoardMembership, Discipline, Notification
from scheduling.selectors import boards_visible_to
from tumorboard.errors import ApplicationError, ConflictError
from tumorboard.roles import CHAIR, PATIENT, SPECIALIST, has_role, is_staff_member
from tumorboard.services import save_validated

logger = logging.getLogger(__name__)

LANGUAGES = ("en", "es")
TITLE_MAX = 200
BODY_MAX = 20_000
LINK_HOURS_DEFAULT = 72
LINK_HOURS_MAX = 24 * 14
# After a link is redeemed, the browser session may keep reading that one summary for this long.
LINK_SESSION_SECONDS = 60 * 60

DATE_FORMATS = {"en": "l j F Y", "es": r"l j \d\e F \d\e Y"}
LONG_DATE_FORMATS = {"en": "j F Y", "es": r"j \d\e F \d\e Y"}


# --- plain phrases ------------------------------------------------------------------------------

# What a treatment is called in the summary, and one sentence that explains it. The names keep the
# medical word the patient will hear (the glossary explains it); the sentences use common words.
TREATMENT_NAMES = {
    "separation": gettext_lazy("separation surgery"),
    "en_bloc": gettext_lazy("en bloc surgery"),
    "stabilisation": gettext_lazy("stabilisation surgery"),
    "cement": gettext_lazy("kyphoplasty"),
    "surgery": gettext_lazy("an operation on your spine"),
    "sbrt": gettext_lazy("SBRT"),
    "reirradiation": gettext_lazy("radiotherapy to the same place again"),
    "radiotherapy": gettext_lazy("radiotherapy"),
    "chemotherapy": gettext_lazy("chemotherapy"),
    "immunotherapy": gettext_lazy("immunotherapy"),
    "hormone": gettext_lazy("hormone therapy"),
    "targeted": gettext_lazy("targeted therapy"),
    "systemic": gettext_lazy("cancer medicines"),
    "trial": gettext_lazy("a clinical trial"),
    "nerve_block": gettext_lazy("a nerve block"),
    "pain_plan": gettext_lazy("a plan to control your pain"),
    "palliative": gettext_lazy("palliative care"),
    "rehab": gettext_lazy("physiotherapy"),
    "brace": gettext_lazy("a brace"),
    "mri": gettext_lazy("an MRI scan"),
    "imaging": gettext_lazy("a scan"),
    "observe": gettext_lazy("regular check-ups, with no new treatment for now"),
    "other": gettext_lazy("another step in your care"),
}
TREATMENT_EXPLANATIONS = {
    "separation": gettext_lazy("Separation surgery moves the cancer away from your spinal cord."),
    "en_bloc": gettext_lazy("En bloc surgery takes out the whole tumour in one piece."),
    "stabilisation": gettext_lazy(
        "Stabilisation surgery holds your spine steady with screws and rods."
    ),
    "cement": gettext_lazy(
        "In kyphoplasty, bone cement goes into the weak bone through a needle. "
        "It makes the bone stronger."
    ),
    "sbrt": gettext_lazy(
        "SBRT is a very precise radiotherapy. It gives a high dose in 1 to 5 visits."
    ),
    "reirradiation": gettext_lazy(
        "You had radiotherapy here before, so the team will plan the dose with extra care."
    ),
    "radiotherapy": gettext_lazy(
        "Radiotherapy uses strong beams of energy to kill cancer cells. It does not hurt."
    ),
    "chemotherapy": gettext_lazy("Chemotherapy is medicine that kills cancer cells."),
    "immunotherapy": gettext_lazy("Immunotherapy helps your body's defences fight the cancer."),
    "hormone": gettext_lazy("Hormone therapy blocks the hormones the cancer needs to grow."),
    "targeted": gettext_lazy("Targeted therapy attacks a weak spot in the cancer cells."),
    "nerve_block": gettext_lazy(
        "A nerve block is an injection that stops a nerve sending pain signals."
    ),
    "palliative": gettext_lazy(
        "Palliative care eases pain and other problems, so you can live as well as you can."
    ),
    "rehab": gettext_lazy("Physiotherapy helps you get stronger and move better."),
    "brace": gettext_lazy("A brace is a firm support that holds your back steady."),
}

# Keyword rules, checked in this order: (code, pattern). Free text from opinions, NOMS and the
# board ("Separation surgery, then SBRT", "cEBRT 8 Gy x 1", "cement_augmentation") is read here.
TREATMENT_RULES: tuple[tuple[str, str], ...] = (
    ("separation", r"separation"),
    ("en_bloc", r"en bloc|resection"),
    ("stabilisation", r"stabili[sz]ation|fixation|instrumentation"),
    ("cement", r"cement|kyphoplasty|vertebroplasty"),
    ("surgery", r"surgery|operation|decompression|laminectomy"),
    ("reirradiation", r"re ?irradiation|re treatment"),
    ("sbrt", r"sbrt|\bsrs\b|stereotactic|radiosurgery"),
    ("radiotherapy", r"radiotherapy|radiation|cebrt|\bgy\b|\d gy"),
    ("chemotherapy", r"chemotherapy|chop|folfox|folfiri"),
    ("immunotherapy", r"immunotherapy"),
    ("hormone", r"endocrine|hormon|letrozole|anastrozole|enzalutamide|androgen"),
    ("targeted", r"targeted"),
    ("trial", r"clinical trial"),
    ("systemic", r"systemic"),
    ("nerve_block", r"nerve block|pain procedure|\bblock\b"),
    ("pain_plan", r"analgesi|pain relief|pain management|pain plan|analgesic plan"),
    ("palliative", r"palliative care|supportive care|palliative referral|hospice"),
    ("rehab", r"physiotherapy|rehabilitation|occupational therapy|mobility"),
    ("brace", r"\bbrac(?:e|ing)\b"),
    ("mri", r"\bmri\b"),
    ("imaging", r"\bscan|imaging|\bct\b|\bpet\b"),
    ("observe", r"observ|surveillance|watchful|monitor"),
)
_RULES = tuple((code, re.compile(pattern)) for code, pattern in TREATMENT_RULES)
_NEGATED = re.compile(r"\b(?:no|without|avoid(?:ing)?|not(?: fit)?(?: for)?)\s+\w+(?:\s+therapy)?")
SURGICAL = ("separation", "en_bloc", "stabilisation", "cement", "surgery")
RADIATION = ("reirradiation", "sbrt", "radiotherapy")
SYSTEMIC = ("chemotherapy", "immunotherapy", "hormone", "targeted", "trial", "systemic")
# Which codes an activity of each kind may name (its description may mention others in passing).
KIND_CODES: dict[str, tuple[str, ...]] = {
    PlanActivity.Kind.SURGERY: SURGICAL,
    PlanActivity.Kind.RADIATION: RADIATION,
    PlanActivity.Kind.SYSTEMIC: SYSTEMIC,
    PlanActivity.Kind.PAIN: ("nerve_block", "pain_plan"),
    PlanActivity.Kind.PALLIATIVE: ("palliative",),
    PlanActivity.Kind.REHABILITATION: ("rehab", "brace"),
    PlanActivity.Kind.IMAGING: ("mri", "imaging"),
    PlanActivity.Kind.OTHER: tuple(code for code, _pattern in TREATMENT_RULES),
}
KIND_DEFAULT = {
    PlanActivity.Kind.SURGERY: "surgery",
    PlanActivity.Kind.RADIATION: "radiotherapy",
    PlanActivity.Kind.SYSTEMIC: "systemic",
    PlanActivity.Kind.PAIN: "pain_plan",
    PlanActivity.Kind.PALLIATIVE: "palliative",
    PlanActivity.Kind.REHABILITATION: "rehab",
    PlanActivity.Kind.IMAGING: "imaging",
    PlanActivity.Kind.OTHER: "other",
}

WHO = {
    Discipline.SPINE_SURGERY: gettext_lazy("Your spine surgeon"),
    Discipline.RADIATION_ONCOLOGY: gettext_lazy("Your radiotherapy doctor"),
    Discipline.MEDICAL_ONCOLOGY: gettext_lazy("Your oncologist"),
    Discipline.PAIN_MEDICINE: gettext_lazy("Your pain doctor"),
    Discipline.REHABILITATION: gettext_lazy("Your physiotherapy team"),
    Discipline.RADIOLOGY: gettext_lazy("The scan team"),
    Discipline.PATHOLOGY: gettext_lazy("The lab team"),
    Discipline.PALLIATIVE_CARE: gettext_lazy("The palliative care team"),
    Discipline.NURSING: gettext_lazy("Your nurse"),
}

GOALS = {
    Case.Goal.WALKING: gettext_lazy("To keep walking."),
    Case.Goal.PAIN_RELIEF: gettext_lazy("To have less pain."),
    Case.Goal.INDEPENDENCE: gettext_lazy("To stay independent."),
    Case.Goal.TIME_AT_HOME: gettext_lazy("To spend time at home."),
    Case.Goal.LENGTH_OF_LIFE: gettext_lazy("To live as long as you can."),
}

BENEFITS = {
    "neurological": gettext_lazy("it protects your nerves"),
    "local_control": gettext_lazy("it keeps the cancer in check"),
    "pain_quality_of_life": gettext_lazy("it eases pain"),
    "recovery_time": gettext_lazy("you get over it quickly"),
}
RISKS = {
    "neurological": gettext_lazy("a small risk to your nerves"),
    "local_control": gettext_lazy("the cancer may grow back"),
    "pain_quality_of_life": gettext_lazy("pain or side effects for a while"),
    "recovery_time": gettext_lazy("it takes longer to get over"),
}

# Where the primary started, in the words a patient uses. Blood cancers and melanoma have their
# own sentence; primaries missing here get no "started in" sentence.
ORGANS = {
    "breast": gettext_lazy("The cancer started in your breast."),
    "prostate": gettext_lazy("The cancer started in your prostate."),
    "lung_nsclc": gettext_lazy("The cancer started in your lung."),
    "lung_sclc": gettext_lazy("The cancer started in your lung."),
    "renal_cell": gettext_lazy("The cancer started in your kidney."),
    "thyroid": gettext_lazy("The cancer started in your thyroid."),
    "colorectal": gettext_lazy("The cancer started in your bowel."),
    "rectum": gettext_lazy("The cancer started in your bowel."),
    "stomach": gettext_lazy("The cancer started in your stomach."),
    "liver": gettext_lazy("The cancer started in your liver."),
    "bladder": gettext_lazy("The cancer started in your bladder."),
    "oesophagus": gettext_lazy("The cancer started in your food pipe."),
    "pancreas": gettext_lazy("The cancer started in your pancreas."),
    "uterus": gettext_lazy("The cancer started in your womb."),
    "unknown": gettext_lazy("We do not know yet where the cancer started."),
}
BLOOD_CANCERS = {
    "myeloma": gettext_lazy("You have a type of blood cancer called myeloma."),
    "lymphoma": gettext_lazy("You have a type of blood cancer called lymphoma."),
    "leukaemia": gettext_lazy("You have a type of blood cancer called leukaemia."),
}
MELANOMA = gettext_lazy("You have a type of skin cancer called melanoma.")

REGIONS = {
    "C": gettext_lazy("{level} is one of the bones of your spine, in your neck."),
    "T": gettext_lazy("{level} is one of the bones of your spine, in the middle of your back."),
    "L": gettext_lazy("{level} is one of the bones of your spine, in your lower back."),
    "S": gettext_lazy("{level} is one of the bones at the base of your spine."),
}
# The spinal cord ends around L1; below it the cancer presses on nerves, not on the cord.
ESCC_CORD = {
    "0": gettext_lazy("The cancer is in the bone only. It is not pressing on your spinal cord."),
    "1a": gettext_lazy("The cancer is close to your spinal cord, but it is not pressing on it."),
    "1b": gettext_lazy("The cancer is close to your spinal cord, but it is not pressing on it."),
    "1c": gettext_lazy("The cancer is touching your spinal cord, but it is not squeezing it."),
    "2": gettext_lazy("The cancer is pressing on your spinal cord."),
    "3": gettext_lazy("The cancer is pressing hard on your spinal cord."),
}
ESCC_NERVES = {
    "0": gettext_lazy("The cancer is in the bone only. It is not pressing on the nerves."),
    "1a": gettext_lazy("The cancer is close to the nerves, but it is not pressing on them."),
    "1b": gettext_lazy("The cancer is close to the nerves, but it is not pressing on them."),
    "1c": gettext_lazy("The cancer is touching the nerves, but it is not squeezing them."),
    "2": gettext_lazy("The cancer is pressing on the nerves."),
    "3": gettext_lazy("The cancer is pressing hard on the nerves."),
}
HIGH_GRADE_ESCC = frozenset({"2", "3"})
CORD_LEVELS = frozenset([f"C{n}" for n in range(1, 8)] + [f"T{n}" for n in range(1, 13)] + ["L1"])


# --- reading the plan ---------------------------------------------------------------------------


def treatment_codes(text: str, allowed: Iterable[str] | None = None) -> list[str]:
    """The treatments a clinical phrase names, as codes, in a fixed order (first mention first)."""
    normal = re.sub(r"[_\-/]+", " ", (text or "").casefold())
    # "no surgery", "without radiation", "not fit for surgery": what is ruled out is not named.
    normal = _NEGATED.sub(" ", normal)
    allowed = set(allowed) if allowed is not None else None
    found: list[tuple[int, int, str]] = []
    for order, (code, pattern) in enumerate(_RULES):
        if allowed is not None and code not in allowed:
            continue
        match = pattern.search(normal)
        if match:
            found.append((match.start(), order, code))
    codes = [code for _start, _order, code in sorted(found)]
    # A specific name makes the generic one redundant.
    if any(c in codes for c in SURGICAL[:-1]):
        codes = [c for c in codes if c != "surgery"]
    if "sbrt" in codes or "reirradiation" in codes:
        codes = [c for c in codes if c != "radiotherapy"]
    if any(c in codes for c in SYSTEMIC[:-1]):
        codes = [c for c in codes if c != "systemic"]
    if "mri" in codes:
        codes = [c for c in codes if c != "imaging"]
    if "nerve_block" in codes:
        codes = [c for c in codes if c != "pain_plan"]
    return codes


def fractions_in(text: str) -> int | None:
    """The number of visits a regimen names: "8 Gy x 1" → 1, "20 Gy/5" → 5, "30 Gy in 10"."""
    match = re.search(
        r"gy\s*(?:x|×|/|in)\s*(\d{1,2})\b|(\d{1,2})\s*(?:fractions|fraction|#)",
        (text or "").casefold(),
    )
    if not match:
        return None
    return int(match.group(1) or match.group(2))


@dataclass
class Step:
    """One activity of the plan, in plain words."""

    when: str
    what: str
    who: str
    codes: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # one per code


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(items: list[str], last: str | None = None) -> str:
    items = [str(item) for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + (last if last is not None else _(" and ")) + items[-1]


def _date(value: dt.date, language: str) -> str:
    return dateformat.format(value, DATE_FORMATS.get(language, DATE_FORMATS["en"]))


def long_date(moment: dt.datetime | dt.date, language: str) -> str:
    """ "27 November 2026" / "27 de noviembre de 2026" (local time); call under override."""
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment).date()
    return dateformat.format(moment, LONG_DATE_FORMATS.get(language, LONG_DATE_FORMATS["en"]))


def _activity_text(activity: PlanActivity) -> str:
    details = activity.details if isinstance(activity.details, dict) else {}
    return " ".join([activity.description, *(str(v) for v in details.values() if v)])


def activity_codes(activity: PlanActivity) -> list[str]:
    codes = treatment_codes(_activity_text(activity), KIND_CODES.get(activity.kind))
    return codes or [KIND_DEFAULT.get(activity.kind, "other")]


def _treatment_name(code: str, text: str = "") -> str:
    """The treatment's name; radiotherapy says how many visits when the regimen tells."""
    if code == "radiotherapy":
        visits = fractions_in(text)
        if visits:
            return ngettext(
                "radiotherapy in %(n)s visit", "radiotherapy over %(n)s visits", visits
            ) % {"n": visits}
    return str(TREATMENT_NAMES[code])


def _names(codes: list[str], text: str) -> list[str]:
    """The names of a phrase's treatments, with the combinations a patient reads as one."""
    codes = list(codes)
    merged: dict[str, str] = {}
    if "reirradiation" in codes and "sbrt" in codes:
        codes.remove("reirradiation")
        merged["sbrt"] = _("SBRT to the same place again")
    names = [merged.get(code) or _treatment_name(code, text) for code in codes]
    if "observe" in codes and len(codes) > 1:
        rest = [name for code, name in zip(codes, names, strict=True) if code != "observe"]
        return [_("%(treatment)s only, with regular check-ups") % {"treatment": _join(rest)}]
    return names


def _step(activity: PlanActivity, language: str) -> Step:
    codes = activity_codes(activity)
    text = _activity_text(activity)
    what = _join(_names(codes, text))
    if activity.responsible_discipline in WHO:
        who = str(WHO[activity.responsible_discipline])
    else:
        who = _("Your care team")
    if activity.due_date:
        when = _("By %(date)s") % {"date": _date(activity.due_date, language)}
    else:
        when = ""
    names = [_treatment_name(code, text) for code in codes]
    return Step(when=when, what=what, who=who, codes=codes, names=names)


@dataclass
class OptionText:
    name: str
    good: str
    bad: str
    recommended: bool = False
    codes: list[str] = field(default_factory=list)


def _option_name(text: str, codes: list[str]) -> str:
    if not codes:
        return text.strip().rstrip(".?")
    lowered = text.casefold()
    joiner = _(", then ") if re.search(r"\bthen\b|→|->|followed by", lowered) else None
    name = _join(_names(codes, text), joiner)
    if len(codes) == 1 and re.search(r"\balone\b|\bonly\b", lowered):
        name = _("%(treatment)s on its own") % {"treatment": name}
    return _capitalised(name)


def _filled(aspects: Any) -> list[str]:
    if not isinstance(aspects, dict):
        return []
    return [key for key in BENEFITS if str(aspects.get(key) or "").strip()]


def _options(record_options: Any, plan_codes: set[str]) -> list[OptionText]:
    options: list[OptionText] = []
    for item in record_options if isinstance(record_options, list) else []:
        if not isinstance(item, dict) or not str(item.get("option") or "").strip():
            continue
        text = str(item["option"])
        codes = treatment_codes(text)
        good = _join([str(BENEFITS[key]) for key in _filled(item.get("benefits"))])
        bad = _join([str(RISKS[key]) for key in _filled(item.get("risks"))])
        options.append(OptionText(_option_name(text, codes), good, bad, codes=codes))
    # The option the plan carries out: the one sharing most treatments with the activities.
    best, best_score = None, 0.0
    for option in options:
        mine = set(option.codes)
        if not mine:
            continue
        score = len(mine & plan_codes) / len(mine | plan_codes)
        if score > best_score:
            best, best_score = option, score
    if best is not None:
        best.recommended = True
    return options


def _findings(case: Case) -> list[list[str]]:
    """Paragraphs of plain sentences about what the board saw."""
    paragraphs: list[list[str]] = []
    first: list[str] = []
    site = case.primary_site
    if site in BLOOD_CANCERS:
        first.append(str(BLOOD_CANCERS[site]))
        first.append(_("It has reached the bones of your spine."))
    else:
        if site == "melanoma":
            first.append(str(MELANOMA))
        elif site in ORGANS:
            first.append(str(ORGANS[site]))
        first.append(_("It has spread to the bones of your spine. This is called a metastasis."))
    paragraphs.append(first)

    lesions = list(case.lesions.all())
    for lesion in lesions:
        sentences = [str(REGIONS[lesion.level[0]]).format(level=lesion.level)]
        table = ESCC_CORD if lesion.level in CORD_LEVELS else ESCC_NERVES
        if lesion.escc_grade in table:
            sentences.append(str(table[lesion.escc_grade]))
        if lesion.collapse == SpinalLesion.Collapse.OVER_50 or lesion.alignment in (
            SpinalLesion.Alignment.DEFORMITY,
            SpinalLesion.Alignment.SUBLUXATION,
        ):
            sentences.append(_("The bone has partly collapsed. This can make your spine unsteady."))
        elif lesion.collapse == SpinalLesion.Collapse.UNDER_50:
            sentences.append(_("The bone has started to collapse a little."))
        elif lesion.collapse == SpinalLesion.Collapse.NONE_OVER_50_INVOLVED:
            sentences.append(_("The cancer has made most of this bone weak."))
        if lesion.pain == SpinalLesion.Pain.MECHANICAL:
            sentences.append(_("It hurts more when you move, because the bone is weak."))
        paragraphs.append(sentences)

    body: list[str] = []
    weak = case.frankel_grade in ("A", "B", "C", "D") or case.asia_grade in ("A", "B", "C", "D")
    if weak:
        if any(lesion.level.startswith("C") for lesion in lesions):
            body.append(_("Your arms or legs have become weaker."))
        else:
            body.append(_("Your legs have become weaker."))
        if case.neuro_progression == Case.Progression.HOURS:
            body.append(_("This has happened over the last day or so."))
        elif case.neuro_progression == Case.Progression.DAYS:
            body.append(_("This has happened over the last few days."))
    if case.ambulatory is False:
        body.append(_("Right now you cannot walk on your own."))
    if any(t.kind == "radiation" for t in case.prior_treatments.all()):
        body.append(_("You had radiotherapy to this part of your spine before."))
    if (case.extraspinal_bone_mets or 0) > 0 or (case.vertebral_body_mets or 0) > len(lesions):
        body.append(_("There is also cancer in some other bones."))
    if case.visceral_mets and case.visceral_mets != Case.VisceralMets.NONE:
        body.append(_("There is also cancer in other parts of your body."))
    if body:
        paragraphs.append(body)
    return paragraphs


def _goal_fit(goal: str, codes: set[str], *, high_grade: bool) -> str:
    """One sentence on how the plan serves one of the patient's goals."""
    local = codes & {*SURGICAL, *RADIATION}
    if goal == Case.Goal.WALKING:
        if high_grade and local:
            return _(
                "Taking the pressure off your spinal cord gives you the best chance to keep "
                "walking."
            )
        if "rehab" in codes:
            return _("Physiotherapy will help you stay on your feet.")
        return _("The plan aims to keep your spine strong, so you can stay on your feet.")
    if goal == Case.Goal.PAIN_RELIEF:
        if codes & {"cement", "stabilisation"}:
            return _("Making the bone stronger should ease the pain when you move.")
        if codes & set(RADIATION):
            return _("Radiotherapy often eases bone pain within a few weeks.")
        if codes & {"nerve_block", "pain_plan"}:
            return _("The pain team will help you find the right pain relief.")
        if "palliative" in codes:
            return _("The palliative care team is expert at easing pain.")
        return _("The team will keep working on your pain.")
    if goal == Case.Goal.INDEPENDENCE:
        return _("The plan aims to keep you able to do things for yourself.")
    if goal == Case.Goal.TIME_AT_HOME:
        if "palliative" in codes:
            return _("The palliative care team can help you stay at home.")
        if codes & set(SURGICAL):
            return _("The team will keep your stay in hospital as short as they can.")
        return _("Most of this care is given as day visits, so you can sleep at home.")
    if goal == Case.Goal.LENGTH_OF_LIFE:
        return _("The plan aims to control the cancer for as long as possible.")
    return ""


# What "the team advises" names: treatments, not the scans and check-ups that follow them.
ADVICE_CODES = frozenset(
    {*SURGICAL, *RADIATION, *SYSTEMIC, "nerve_block", "palliative", "brace", "observe"}
)


def _advice(steps: list[Step], recommended: OptionText | None) -> list[str]:
    """What the team advises, one plain sentence per treatment, in the order of the plan."""
    items: list[str] = []
    for step in steps:
        for code, name in zip(step.codes, step.names, strict=True):
            if code not in ADVICE_CODES:
                continue
            if code in TREATMENT_EXPLANATIONS:
                sentence = str(TREATMENT_EXPLANATIONS[code])
            else:
                sentence = f"{_capitalised(name)}."
            if sentence not in items:
                items.append(sentence)
    if not items and recommended is not None:
        items.append(f"{recommended.name}.")
    return items


def _coordinator_name(board) -> str:
    membership = (
        BoardMembership.objects.filter(
            board=board, role=BoardMembership.Role.COORDINATOR, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        return ""
    user = membership.user
    return user.get_full_name() or ""


def _load_plan(plan: ConsensusPlan) -> ConsensusPlan:
    return ConsensusPlan.objects.select_related(
        "decision__agenda_item__meeting__board",
        "decision__agenda_item__case__patient",
        "decision__agenda_item__case__board",
    ).get(pk=plan.pk)


def summary_context(plan: ConsensusPlan, language: str) -> dict[str, Any]:
    """Everything the section templates need, already in plain words in `language`.

    Call inside `translation.override(language)`.
    """
    plan = _load_plan(plan)
    record = plan.decision
    item = record.agenda_item
    case = Case.objects.prefetch_related("lesions", "prior_treatments").get(pk=item.case_id)
    meeting = item.meeting
    zone = ZoneInfo(meeting.board.time_zone or settings.TIME_ZONE)

    activities = [
        a
        for a in plan.activities.all().order_by("position", "id")
        if a.status in (PlanActivity.Status.PLANNED, PlanActivity.Status.IN_PROGRESS)
    ]
    activities.sort(key=lambda a: (a.due_date is None, a.due_date or dt.date.max, a.position))
    steps = [_step(a, language) for a in activities]
    plan_codes: list[str] = []
    for step in steps:
        plan_codes.extend(c for c in step.codes if c not in plan_codes)
    codes = set(plan_codes)
    options = _options(record.options, codes)
    high_grade = any(lesion.escc_grade in HIGH_GRADE_ESCC for lesion in case.lesions.all())
    goals = [g for g in case.goals_ranked if g in GOALS]
    fits = []
    for goal in goals[:2]:
        sentence = _goal_fit(goal, codes, high_grade=high_grade)
        if sentence and sentence not in fits:
            fits.append(sentence)
    recommended = next((o for o in options if o.recommended), None)
    phone = str(getattr(settings, "TUMORBOARD_CONTACT_PHONE", "") or "").strip()
    return {
        "language": language,
        "meeting_date": _date(timezone.localtime(meeting.starts_at, zone).date(), language),
        "urgent": case.urgency in (Case.Urgency.URGENT, Case.Urgency.EMERGENCY),
        "outcome": plan.outcome,
        "agreed": plan.outcome == ConsensusPlan.Outcome.AGREED,
        "deferred": plan.outcome == ConsensusPlan.Outcome.DEFERRED,
        "rediscuss": plan.outcome == ConsensusPlan.Outcome.REDISCUSS,
        "findings": _findings(case),
        "options": options,
        "recommended": recommended,
        "advice": _advice(steps, recommended),
        "goals": [str(GOALS[g]) for g in goals],
        "goals_notes": " ".join(case.goals_notes.split()),
        "fits": fits,
        "steps": steps,
        "coordinator": _coordinator_name(meeting.board),
        "phone": phone,
    }


_BLANKS = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip() + "\n"


@dataclass(frozen=True)
class GeneratedSummary:
    title: str
    body: str
    glossary: list[dict[str, str]]
    reading_grade: float


def generate(plan: ConsensusPlan, language: str) -> GeneratedSummary:
    """The summary's title, body, glossary and reading grade: the same plan gives the same text."""
    with translation.override(language):
        context = summary_context(plan, language)
        title = _tidy(render_to_string("patient_summary/title.txt", context)).strip()
        body = _tidy(render_to_string("patient_summary/body.txt", context))
    glossary = glossary_for(f"{title}\n{body}", language)
    return GeneratedSummary(title, body, glossary, _grade(title, body, glossary, language))


def _grade(title: str, body: str, glossary: list[dict[str, str]], language: str) -> float:
    """The grade of everything the patient reads: title, body and the glossary's definitions."""
    words = "\n".join(f"{entry['term']}: {entry['definition']}" for entry in glossary)
    return measure(f"{title}\n{body}\n{words}", language).grade


# --- the body's markup --------------------------------------------------------------------------


@dataclass
class Block:
    kind: str  # "p" or "ul" (the PDF adds "term")
    lines: list[str]


@dataclass
class Section:
    heading: str
    alert: bool
    blocks: list[Block] = field(default_factory=list)


def body_sections(body: str) -> list[Section]:
    """The body as sections of paragraphs and lists (for the page and the PDF)."""
    sections: list[Section] = []
    current = Section(heading="", alert=False)
    paragraph: list[str] = []

    def close_paragraph() -> None:
        if paragraph:
            current.blocks.append(Block("p", [" ".join(paragraph)]))
            paragraph.clear()

    for raw in body.splitlines():
        line = raw.strip()
        if line.startswith(("## ", "!! ")):
            close_paragraph()
            if current.heading or current.blocks:
                sections.append(current)
            current = Section(heading=line[3:].strip(), alert=line.startswith("!!"))
        elif line.startswith("- "):
            close_paragraph()
            if current.blocks and current.blocks[-1].kind == "ul":
                current.blocks[-1].lines.append(line[2:].strip())
            else:
                current.blocks.append(Block("ul", [line[2:].strip()]))
        elif not line:
            close_paragraph()
        else:
            paragraph.append(line)
    close_paragraph()
    if current.heading or current.blocks:
        sections.append(current)
    return sections


# --- reads: who sees which summaries ------------------------------------------------------------


def plans_for_staff(user) -> QuerySet[ConsensusPlan]:
    """Plans of meetings of the user's boards (clinical staff only)."""
    return ConsensusPlan.objects.filter(
        decision__agenda_item__meeting__board__in=boards_visible_to(user)
    )


def summaries_for_staff(user) -> QuerySet[PatientSummary]:
    """Every version of every summary of the plans the user may see."""
    return PatientSummary.objects.filter(
        plan__decision__agenda_item__meeting__board__in=boards_visible_to(user)
    )


def released_summaries_for_patient(user) -> QuerySet[PatientSummary]:
    """The signed-in patient's own released summaries, newest first; nothing for anyone else."""
    if not (user.is_authenticated and has_role(user, PATIENT)):
        return PatientSummary.objects.none()
    return (
        PatientSummary.objects.filter(
            status=PatientSummary.Status.RELEASED,
            plan__decision__agenda_item__case__patient__user=user,
        )
        .select_related("released_by", "plan__decision__agenda_item")
        .order_by("-released_at", "-id")
    )


def patient_of(summary: PatientSummary) -> Patient:
    plan = _load_plan(summary.plan)
    return plan.decision.agenda_item.case.patient


def staff_summary(*, user, uuid) -> PatientSummary:
    """One summary for the staff review screens, or PatientSummary.DoesNotExist."""
    return (
        summaries_for_staff(user)
        .select_related(
            "plan__decision__agenda_item__case__patient",
            "plan__decision__agenda_item__meeting__board",
            "released_by",
            "created_by",
            "updated_by",
        )
        .get(uuid=uuid)
    )


def summary_history(summary: PatientSummary) -> list:
    """Every saved version of the summary, newest first, with who saved it."""
    return list(
        summary.history.select_related("history_user").order_by("-history_date", "-history_id")
    )


def is_newest_released(summary: PatientSummary) -> bool:
    return not PatientSummary.objects.filter(
        plan__decision__agenda_item__case_id=summary.plan.decision.agenda_item.case_id,
        status=PatientSummary.Status.RELEASED,
        released_at__gt=summary.released_at,
    ).exists()


def can_release(user, summary: PatientSummary) -> bool:
    """A clinician of the board: its chair, or a specialist member (coordinators prepare only)."""
    if not (user.is_authenticated and has_role(user, CHAIR, SPECIALIST)):
        return False
    if user.is_superuser:
        return True
    board_id = summary.plan.decision.agenda_item.meeting.board_id
    memberships = BoardMembership.objects.filter(board_id=board_id, user_id=user.pk)
    if memberships.filter(role=BoardMembership.Role.CHAIR).exists():
        return True
    return (
        has_role(user, SPECIALIST) and memberships.filter(role=BoardMembership.Role.MEMBER).exists()
    )


# --- writes -------------------------------------------------------------------------------------


def _require_board_staff(user, plan: ConsensusPlan) -> None:
    if not is_staff_member(user) or not plans_for_staff(user).filter(pk=plan.pk).exists():
        raise PermissionDenied("Only staff of the plan's board work on its patient summaries.")


def _language(value: str | None, patient: Patient) -> str:
    language = value or patient.preferred_language or "en"
    if language not in LANGUAGES:
        raise ApplicationError(
            "Please correct the errors below.",
            fields={"language": [f"Choose one of: {', '.join(LANGUAGES)}."]},
        )
    return language


@transaction.atomic
def patient_summary_draft(
    *, plan: ConsensusPlan, by: AbstractBaseUser, language: str | None = None
) -> PatientSummary:
    """A new draft generated from a signed plan, in the patient's language unless told."""
    plan = _load_plan(plan)
    if plan.status != ConsensusPlan.Status.SIGNED:
        message = "A patient summary is drafted only from a signed plan."
        raise ApplicationError(message, fields={"plan": [message]}, code="plan_not_signed")
    _require_board_staff(by, plan)
    language = _language(language, plan.decision.agenda_item.case.patient)
    generated = generate(plan, language)
    summary = PatientSummary(
        plan=plan,
        language=language,
        title=generated.title[:TITLE_MAX],
        body=generated.body,
        glossary=generated.glossary,
        reading_grade=generated.reading_grade,
        status=PatientSummary.Status.DRAFT,
    )
    summary._change_reason = "drafted from the signed plan"
    save_validated(summary, by=by, creating=True)
    return summary


def _clean_text(value: Any, *, field: str, limit: int, label: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ApplicationError(
            "Please correct the errors below.", fields={field: [f"{label} cannot be empty."]}
        )
    value = value.replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise ApplicationError(
            "Please correct the errors below.",
            fields={field: [f"{label}: keep it to {limit} characters."]},
        )
    return value


RELEASED_IS_FINAL = (
    "A released summary is not changed: draft a new one from the plan, which replaces it "
    "once released."
)


@transaction.atomic
def patient_summary_edit(
    *, summary: PatientSummary, by: AbstractBaseUser, title: str, body: str
) -> PatientSummary:
    """The clinician's wording; the glossary and reading grade follow the new text."""
    title = _clean_text(title, field="title", limit=TITLE_MAX, label="Title")
    body = _clean_text(body, field="body", limit=BODY_MAX, label="Text") + "\n"
    summary = PatientSummary.objects.select_for_update().get(pk=summary.pk)
    _require_board_staff(by, summary.plan)
    if summary.status == PatientSummary.Status.RELEASED:
        raise ConflictError(RELEASED_IS_FINAL, fields={"status": [RELEASED_IS_FINAL]})
    if summary.title == title and summary.body == body:
        return summary
    summary.title = title
    summary.body = body
    summary.glossary = glossary_for(f"{title}\n{body}", summary.language)
    summary.reading_grade = _grade(title, body, summary.glossary, summary.language)
    summary.status = PatientSummary.Status.EDITED
    summary._change_reason = "edited"
    save_validated(summary, by=by)
    return summary


@transaction.atomic
def patient_summary_release(*, summary: PatientSummary, by: AbstractBaseUser) -> PatientSummary:
    """Release to the patient (a clinician of the board only); the patient is told it is there."""
    summary = (
        PatientSummary.objects.select_for_update()
        .select_related("plan__decision__agenda_item__meeting")
        .get(pk=summary.pk)
    )
    _require_board_staff(by, summary.plan)
    if not can_release(by, summary):
        raise PermissionDenied(
            "Only a clinician of the board (its chair or a specialist member) releases a "
            "summary to the patient."
        )
    if summary.status == PatientSummary.Status.RELEASED:
        raise ConflictError("This summary is already released.", code="released")
    if summary.plan.status != ConsensusPlan.Status.SIGNED:
        raise ApplicationError("The plan is no longer signed; draft again from the signed plan.")
    summary.status = PatientSummary.Status.RELEASED
    summary.released_by = by
    summary.released_at = timezone.now()
    summary._change_reason = "released to the patient"
    save_validated(summary, by=by)
    _notify_patient(summary)
    return summary


def _notify_patient(summary: PatientSummary) -> None:
    """Tell the patient a summary is waiting: no clinical detail, no name, a link by uuid."""
    patient = patient_of(summary)
    user = patient.user
    if user is None or not user.is_active:
        return
    try:
        from scheduling.notifications import notify
    except ImportError:  # pragma: no cover - notifications ship with scheduling
        return
    with translation.override(_language(None, patient)):
        notify(
            recipient=user,
            kind=Notification.Kind.GENERAL,
            dedupe_key=f"patient-summary-released:{summary.uuid}",
            subject=_("A new summary from your care team"),
            body=_("Your care team has shared a new summary with you. Sign in to read it."),
            link=f"/my/summaries/{summary.uuid}/",
        )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def access_link_create(
    *, summary: PatientSummary, by: AbstractBaseUser, valid_hours: int = LINK_HOURS_DEFAULT
) -> str:
    """A single-use link token for one released summary; only its hash is kept."""
    summary = PatientSummary.objects.select_related("plan").get(pk=summary.pk)
    _require_board_staff(by, summary.plan)
    if summary.status != PatientSummary.Status.RELEASED:
        message = "Only a released summary can be sent by link."
        raise ApplicationError(message, fields={"status": [message]})
    if (
        not isinstance(valid_hours, int)
        or isinstance(valid_hours, bool)
        or not 1 <= valid_hours <= LINK_HOURS_MAX
    ):
        raise ApplicationError(
            "Please correct the errors below.",
            fields={"valid_hours": [f"Give a number of hours from 1 to {LINK_HOURS_MAX}."]},
        )
    token = secrets.token_urlsafe(32)
    PatientAccessLink.objects.create(
        summary=summary,
        token_hash=token_hash(token),
        expires_at=timezone.now() + dt.timedelta(hours=valid_hours),
        created_by=by,
    )
    return token


class LinkRefused(ApplicationError):
    """A link that opens nothing: `reason` is "unknown", "used", "expired" or "withdrawn"."""

    MESSAGES = {
        "unknown": "This link is not valid. Check that you copied all of it.",
        "used": "This link has already been used. Each link opens once.",
        "expired": "This link has expired.",
        "withdrawn": "This summary is no longer available.",
    }

    def __init__(self, reason: str):
        super().__init__(self.MESSAGES[reason], code=reason)
        self.reason = reason


def _link_problem(token: str, now: dt.datetime) -> str:
    link = PatientAccessLink.objects.filter(token_hash=token_hash(token)).first()
    if link is None:
        return "unknown"
    if link.used_at is not None:
        return "used"
    if link.expires_at <= now:
        return "expired"
    return "withdrawn"


def _plausible(token: Any) -> bool:
    return isinstance(token, str) and 20 <= len(token) <= 100


def access_link_check(token: str) -> None:
    """Raise LinkRefused when the link would not open; change nothing (for the landing page)."""
    if not _plausible(token):
        raise LinkRefused("unknown")
    now = timezone.now()
    usable = PatientAccessLink.objects.filter(
        token_hash=token_hash(token),
        used_at__isnull=True,
        expires_at__gt=now,
        summary__status=PatientSummary.Status.RELEASED,
    ).exists()
    if not usable:
        raise LinkRefused(_link_problem(token, now))


@transaction.atomic
def access_link_redeem(token: str) -> PatientSummary:
    """Use the link once: exactly one unused, unexpired row is marked used, or LinkRefused.

    The claim is a single-table conditional UPDATE: under concurrent clicks PostgreSQL re-checks
    `used_at IS NULL` on the locked row, so only one wins. (A filter across a join would become
    an `id IN (subquery)` that is not re-checked, letting both through.)
    """
    if not _plausible(token):
        raise LinkRefused("unknown")
    now = timezone.now()
    hashed = token_hash(token)
    summary = PatientSummary.objects.filter(
        access_links__token_hash=hashed, status=PatientSummary.Status.RELEASED
    ).first()
    claimed = 0
    if summary is not None:
        claimed = PatientAccessLink.objects.filter(
            token_hash=hashed, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
    if claimed != 1:
        raise LinkRefused(_link_problem(token, now))
    return summary
