"""Words for the decision-support codes shown on pages (the engine speaks in codes)."""

from __future__ import annotations

from django import template

from clinical._common import NOT_VALIDATED
from clinical.noms import RULES_BY_ID, NomsRule
from clinical.patchell import MAX_PARAPLEGIA_HOURS, MIN_SURVIVAL_MONTHS
from clinical.sins import BANDS as SINS_BANDS

register = template.Library()

LABELS = {
    # SINS bands (Fisher 2010), with their totals as the core defines them
    **{
        name: f"{name.replace('_', ' ').capitalize()} ({low}–{high})"
        for low, high, name in SINS_BANDS
    },
    # Bilsky grouping
    "low": "Low grade",
    "high": "High grade",
    # Radiosensitivity to conventional radiotherapy
    "sensitive": "Radiosensitive",
    "intermediate": "Intermediate radiosensitivity",
    "resistant": "Radioresistant",
    # Revised Tokuhashi
    "under_6_months": "Predicted survival under 6 months",
    "6_months_or_more": "Predicted survival 6 months or more",
    "1_year_or_more": "Predicted survival 1 year or more",
    # Tomita
    "long_term_local_control": "Long-term local control: wide or marginal excision",
    "middle_term_local_control": "Middle-term local control: marginal or intralesional excision",
    "short_term_palliation": "Short-term palliation: palliative surgery",
    "terminal_care": "Terminal care: supportive care",
    # Tokuhashi and Tomita for a haematological primary (clinical._common.NOT_VALIDATED)
    NOT_VALIDATED: "Not validated for this primary: no band or surgical strategy",
    # NOMS plan
    "cebrt": "Conventional external-beam radiotherapy (cEBRT)",
    "srs": "Stereotactic radiosurgery / SBRT (SRS)",
    "separation_surgery": "Separation surgery",
    "open_stabilization": "Open stabilisation surgery",
    "cement_augmentation": "Percutaneous cement augmentation",
    # Components
    "location": "Location",
    "pain": "Pain",
    "bone_lesion": "Bone lesion",
    "alignment": "Alignment",
    "collapse": "Vertebral body collapse",
    "posterolateral": "Posterolateral involvement",
    "general_condition": "General condition (Karnofsky)",
    "extraspinal_bone_mets": "Extraspinal bone metastases",
    "vertebral_body_mets": "Vertebral-body metastases",
    "visceral_mets": "Visceral metastases",
    "primary": "Primary site",
    "palsy": "Palsy (Frankel)",
    "growth": "Primary growth",
    "bone_mets": "Bone metastases",
    # Patchell criteria
    "tissue_proven": "Tissue-proven cancer",
    "not_cns_origin": "Primary not of CNS or spinal origin",
    "cord_displacement_on_mri": "Cord displacement on MRI",
    "neurological_signs": "At least one neurological sign or symptom",
    "single_area_of_compression": "A single area of compression",
    "expected_survival": f"Expected survival {MIN_SURVIVAL_MONTHS} months or more",
    "fit_for_surgery": "Fit for surgery",
    "not_radiosensitive": "Not lymphoma, leukaemia, myeloma or germ-cell",
    "paraplegia_48h": f"No complete paraplegia for more than {MAX_PARAPLEGIA_HOURS} h",
    "not_cauda_equina_or_root_only": "Not cauda equina or root compression only",
    "prior_radiation_allows_30gy": "No prior radiation preventing 30 Gy/10",
    "no_unrelated_neuro_disease": "No unrelated neurological disease",
}


@register.filter
def ds_label(code) -> str:
    """The clinic's words for an engine code; an unknown code is shown readably, not hidden."""
    if code is None or code == "":
        return "—"
    return LABELS.get(str(code), str(code).replace("_", " ").capitalize())


@register.filter
def noms_rule(rule_id: str) -> NomsRule | None:
    """The NOMS rule row (condition, outcome, confirmed, citation) for a rule id."""
    return RULES_BY_ID.get(rule_id)
