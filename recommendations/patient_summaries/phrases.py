"""The plain phrases: each clinical fact of the plan and the case in the patient's words.

The tables name what the board decided and found in words a patient uses (translated with Django's
i18n: call under `translation.override`). Treatments are read out of the plan's free text
("Separation surgery, then SBRT", "cEBRT 8 Gy x 1", "cement_augmentation") by keyword rules into
codes, and each code has a plain name and, where it helps, one sentence that explains it. The
medical word the patient will hear is kept; the glossary explains it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cases.models import Case
from recommendations.models import PlanActivity
from scheduling.models import Discipline

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
    "sbrt": gettext_lazy("SBRT aims a high dose of rays at a small area. It is very exact."),
    "reirradiation": gettext_lazy(
        "You had radiotherapy here before, so the team will plan the dose with extra care."
    ),
    "radiotherapy": gettext_lazy(
        "Radiotherapy uses strong rays to kill cancer cells. It does not hurt."
    ),
    "chemotherapy": gettext_lazy("Chemotherapy is medicine that kills cancer cells."),
    "immunotherapy": gettext_lazy("Immunotherapy helps your body fight the cancer."),
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
    Discipline.MEDICAL_ONCOLOGY: gettext_lazy("Your cancer doctor"),
    Discipline.PAIN_MEDICINE: gettext_lazy("Your pain doctor"),
    Discipline.REHABILITATION: gettext_lazy("Your rehab team"),
    Discipline.RADIOLOGY: gettext_lazy("The scan team"),
    Discipline.PATHOLOGY: gettext_lazy("The lab team"),
    Discipline.PALLIATIVE_CARE: gettext_lazy("The palliative care team"),
    Discipline.NURSING: gettext_lazy("Your nurse"),
}

GOALS = {
    Case.Goal.WALKING: gettext_lazy("To keep walking."),
    Case.Goal.PAIN_RELIEF: gettext_lazy("To have less pain."),
    Case.Goal.INDEPENDENCE: gettext_lazy("To do things for yourself."),
    Case.Goal.TIME_AT_HOME: gettext_lazy("To spend time at home."),
    Case.Goal.LENGTH_OF_LIFE: gettext_lazy("To live as long as you can."),
}

BENEFITS = {
    "neurological": gettext_lazy("it protects your nerves"),
    "local_control": gettext_lazy("it keeps the cancer in check"),
    "pain_quality_of_life": gettext_lazy("it eases pain"),
    "recovery_time": gettext_lazy("you get over it quickly"),
}
# No magnitudes: the decision record says only that a risk was weighed, not how big it is (no
# sourced table gives one for this patient), so the text says there is a risk and who to ask.
RISKS = {
    "neurological": gettext_lazy("there is a risk to your nerves"),
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
# Lesions at clinical.levels.CORD_LEVELS press on the cord; below them, on nerves (cauda equina).
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
# When the case records compression (high-grade ESCC, a compressed root, a neurological deficit),
# only the part of the sentence that says where the cancer is, never "not pressing on".
ESCC_CORD_WHERE = {
    "0": gettext_lazy("The cancer is in the bone."),
    "1a": gettext_lazy("The cancer is close to your spinal cord."),
    "1b": gettext_lazy("The cancer is close to your spinal cord."),
    "1c": gettext_lazy("The cancer is touching your spinal cord."),
}
ESCC_NERVES_WHERE = {
    "0": gettext_lazy("The cancer is in the bone."),
    "1a": gettext_lazy("The cancer is close to the nerves."),
    "1b": gettext_lazy("The cancer is close to the nerves."),
    "1c": gettext_lazy("The cancer is touching the nerves."),
}
ROOT_COMPRESSED = gettext_lazy("The cancer is pressing on a nerve where it leaves your spine.")
# Who can say how big a risk is, by the kind of option.
RISK_ASK = {
    "surgery": gettext_lazy("Your spine surgeon can tell you how big these risks are for you."),
    "radiation": gettext_lazy(
        "Your radiotherapy doctor can tell you how big these risks are for you."
    ),
    "other": gettext_lazy("Your doctor can tell you how big these risks are for you."),
}
# What "the team advises" names: treatments, not the scans and check-ups that follow them.
ADVICE_CODES = frozenset(
    {*SURGICAL, *RADIATION, *SYSTEMIC, "nerve_block", "palliative", "brace", "observe"}
)


# --- reading the plan's words -------------------------------------------------------------------


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
    """The number of visits a regimen names: "8 Gy x 1" → 1, "20 Gy/5" → 5, "30 Gy in 10",
    "single-fraction 8 Gy" → 1."""
    if re.search(r"single[\s_-]*fraction", (text or "").casefold()):
        return 1
    match = re.search(
        r"gy\s*(?:x|×|/|in)\s*(\d{1,2})\b|(\d{1,2})\s*(?:fractions|fraction|#)",
        (text or "").casefold(),
    )
    if not match:
        return None
    return int(match.group(1) or match.group(2))


def activity_text(activity: PlanActivity) -> str:
    """An activity's description with the values of its details (regimen, surgery type...)."""
    details = activity.details if isinstance(activity.details, dict) else {}
    return " ".join([activity.description, *(str(v) for v in details.values() if v)])


def activity_codes(activity: PlanActivity) -> list[str]:
    codes = treatment_codes(activity_text(activity), KIND_CODES.get(activity.kind))
    return codes or [KIND_DEFAULT.get(activity.kind, "other")]


# --- naming treatments --------------------------------------------------------------------------


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def join_words(items: list[str], last: str | None = None) -> str:
    """ "a, b and c" (or with another word before the last item)."""
    items = [str(item) for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + (last if last is not None else _(" and ")) + items[-1]


def treatment_name(code: str, text: str = "") -> str:
    """The treatment's name; radiotherapy (SBRT too) says how many visits when the regimen tells:
    one visit and five or ten are different treatments for the patient."""
    visits = fractions_in(text) if code in RADIATION else None
    if code == "radiotherapy" and visits:
        return ngettext("radiotherapy in %(n)s visit", "radiotherapy over %(n)s visits", visits) % {
            "n": visits
        }
    if visits:
        return ngettext(
            "%(treatment)s in %(n)s visit", "%(treatment)s over %(n)s visits", visits
        ) % {"treatment": TREATMENT_NAMES[code], "n": visits}
    return str(TREATMENT_NAMES[code])


def visits_sentence(visits: int) -> str:
    """The schedule of a radiotherapy, as the plan's regimen gives it."""
    return ngettext("It is given in %(n)s visit.", "It is given over %(n)s visits.", visits) % {
        "n": visits
    }


def treatment_names(codes: list[str], text: str) -> list[str]:
    """The names of a phrase's treatments, with the combinations a patient reads as one."""
    codes = list(codes)
    merged: dict[str, str] = {}
    if "reirradiation" in codes and "sbrt" in codes:
        codes.remove("reirradiation")
        merged["sbrt"] = _("SBRT to the same place again")
    if "separation" in codes and "stabilisation" in codes:
        codes.remove("stabilisation")
        merged["separation"] = _("separation and stabilisation surgery")
    names = [merged.get(code) or treatment_name(code, text) for code in codes]
    if "observe" in codes and len(codes) > 1:
        rest = [name for code, name in zip(codes, names, strict=True) if code != "observe"]
        return [_("%(treatment)s only, with regular check-ups") % {"treatment": join_words(rest)}]
    return names
