"""NOMS (clinical/noms.py): every rule row, the settings, caveats, and the table in docs/scoring.md.

Expected values are written out from /work/shared/clinical/REFERENCE.md rather than read from
the engine's own tables, so a wrong table row fails a test.
"""

from __future__ import annotations

import importlib
import json
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinical import NOMS_RULES, PRIMARY_SITES, noms
from clinical.escc import GRADES
from clinical.noms import RULES_BY_ID, rule_table_markdown
from clinical.tests.reference import REPO

# Every input of plan() is required (nothing clinical is assumed): the tests state the baseline
# once, a patient with no instability, no mechanical pain, fit, not too ill, default settings.
BASELINE = MappingProxyType(
    {
        "gross_instability": False,
        "mechanical_pain": False,
        "fit_for_surgery": True,
        "grade_1c_high": False,
        "intermediate_as": "sensitive",
        "too_ill_for_local_treatment": False,
    }
)


def plan(**kwargs):
    return noms(**{**BASELINE, **kwargs})


def test_demo_case_1_walter_noms_separation_surgery_then_srs():
    result = plan(primary="renal_cell", escc_grade="3", sins_total=9, mechanical_pain=False)
    assert (result.procedure, result.radiation, result.confirmed) == (
        "separation_surgery",
        "srs",
        True,
    )


@pytest.mark.parametrize(
    ("kwargs", "rules", "radiation", "procedures", "confirmed", "category"),
    [
        # Confirmed rows.
        (
            {"primary": "lymphoma", "escc_grade": "3", "sins_total": 4},
            ("no_sensitive",),
            "cebrt",
            (),
            True,
            "cebrt",
        ),
        (
            {"primary": "melanoma", "escc_grade": "1b", "sins_total": 4},
            ("no_resistant_low",),
            "srs",
            (),
            True,
            "srs",
        ),
        (
            {"primary": "renal_cell", "escc_grade": "2", "sins_total": 4},
            ("no_resistant_high_fit",),
            "srs",
            ("separation_surgery",),
            True,
            "separation_surgery+srs",
        ),
        (
            {"primary": "lymphoma", "escc_grade": "1a", "sins_total": 16},
            ("m_unstable_fit", "no_sensitive"),
            "cebrt",
            ("open_stabilization",),
            True,
            "open_stabilization+cebrt",
        ),
        (
            {"primary": "melanoma", "escc_grade": "0", "sins_total": 5, "mechanical_pain": True},
            ("m_mechanical_pain", "no_resistant_low"),
            "srs",
            ("cement_augmentation",),
            True,
            "cement_augmentation+srs",
        ),
        # Unconfirmed rows.
        (
            {"primary": "renal_cell", "escc_grade": "3", "sins_total": 4, "fit_for_surgery": False},
            ("no_resistant_high_unfit",),
            "cebrt",
            (),
            False,
            "cebrt",
        ),
        (
            {
                "primary": "renal_cell",
                "escc_grade": "1a",
                "sins_total": 14,
                "fit_for_surgery": False,
            },
            ("m_unstable_unfit",),
            "cebrt",
            (),
            False,
            "supportive_care+cebrt",
        ),
        (
            {
                "primary": "renal_cell",
                "escc_grade": "3",
                "sins_total": 16,
                "too_ill_for_local_treatment": True,
            },
            ("s_too_ill",),
            "cebrt",
            (),
            False,
            "systemic_only+cebrt",
        ),
    ],
)
def test_noms_every_rule_row(kwargs, rules, radiation, procedures, confirmed, category):
    result = plan(**kwargs)
    assert result.rules == rules
    assert result.radiation == radiation
    assert result.procedures == procedures
    assert result.procedure == (procedures[0] if procedures else None)
    assert result.confirmed is confirmed
    assert result.category == category
    assert result.total == kwargs["sins_total"]
    assert result.components["sins_total"] == kwargs["sins_total"]
    for rule_id in rules:
        status = "(confirmed)" if RULES_BY_ID[rule_id].confirmed else "(UNCONFIRMED"
        assert any(s.startswith(f"Rule {rule_id} {status}") for s in result.explanation)


def test_noms_rows_cover_every_rule_in_the_table():
    confirmed = {rule.id: rule.confirmed for rule in NOMS_RULES}
    assert confirmed == {
        "s_too_ill": False,
        "m_unstable_fit": True,
        "m_unstable_unfit": False,
        "m_mechanical_pain": True,
        "no_sensitive": True,
        "no_resistant_low": True,
        "no_resistant_high_fit": True,
        "no_resistant_high_unfit": False,
    }


def test_noms_too_ill_is_systemic_only_with_single_8gy():
    result = plan(primary="breast", escc_grade="0", sins_total=3, too_ill_for_local_treatment=True)
    assert result.systemic_only is True
    assert result.procedure is None
    assert [r.label for r in result.regimens] == ["8 Gy x 1"]
    assert any("UNCONFIRMED" in s for s in result.explanation)


def test_noms_unstable_unfit_means_no_procedure_bracing_and_cebrt():
    result = plan(primary="lung_nsclc", escc_grade="3", sins_total=16, fit_for_surgery=False)
    assert (result.procedure, result.radiation, result.supportive_care) == (None, "cebrt", True)
    assert "bracing" in " ".join(result.explanation)
    assert [r.label for r in result.regimens] == ["8 Gy x 1", "20 Gy/5", "24 Gy/6", "30 Gy/10"]


def test_noms_gross_instability_flag_overrides_sins_total():
    result = plan(primary="melanoma", escc_grade="1a", sins_total=8, gross_instability=True)
    assert result.rules == ("m_unstable_fit", "no_resistant_low")
    assert any("Gross instability/subluxation is stated" in s for s in result.explanation)


@pytest.mark.parametrize(("sins_total", "unstable"), [(12, False), (13, True)])
def test_noms_unstable_threshold_is_sins_13(sins_total, unstable):
    result = plan(primary="melanoma", escc_grade="0", sins_total=sins_total, mechanical_pain=True)
    expected = ("open_stabilization",) if unstable else ("cement_augmentation",)
    assert result.procedures == expected


def test_noms_several_procedures_lead_with_separation_surgery():
    result = plan(primary="renal_cell", escc_grade="3", sins_total=15)
    assert result.procedures == ("separation_surgery", "open_stabilization")
    assert result.procedure == "separation_surgery"
    assert result.rules == ("m_unstable_fit", "no_resistant_high_fit")
    assert result.category == "separation_surgery+open_stabilization+srs"


def test_noms_cement_is_not_withheld_when_unfit_for_open_surgery():
    result = plan(
        primary="breast", escc_grade="0", sins_total=8, mechanical_pain=True, fit_for_surgery=False
    )
    assert (result.procedures, result.radiation, result.confirmed) == (
        ("cement_augmentation",),
        "cebrt",
        True,
    )


def test_noms_intermediate_follows_setting_and_is_a_caveat():
    default = plan(primary="breast", escc_grade="3", sins_total=2)
    assert (default.radiation, default.procedure, default.rules) == (
        "cebrt",
        None,
        ("no_sensitive",),
    )
    assert any("project default" in c for c in default.caveats)
    resistant = plan(primary="breast", escc_grade="3", sins_total=2, intermediate_as="resistant")
    assert (resistant.radiation, resistant.procedure) == ("srs", "separation_surgery")


def test_noms_1c_follows_setting():
    low = plan(primary="melanoma", escc_grade="1c", sins_total=2)
    assert low.rules == ("no_resistant_low",)
    assert any("disputed" in c for c in low.caveats)
    high = plan(primary="melanoma", escc_grade="1c", sins_total=2, grade_1c_high=True)
    assert high.rules == ("no_resistant_high_fit",)


def test_noms_caveats_unconfirmed_class_and_surgical_consult():
    result = plan(
        primary="liver", escc_grade="2", sins_total=9, fit_for_surgery=False
    )  # demo case 9
    assert result.rules == ("no_resistant_high_unfit",) and result.confirmed is False
    assert any("unconfirmed" in c for c in result.caveats)
    assert any("spine-surgery consultation" in c for c in result.caveats)
    plain = plan(primary="renal_cell", escc_grade="0", sins_total=6)
    assert plain.caveats == ()


def test_noms_radiosensitive_any_grade_demo_cases_5_and_10():
    for primary, grade in [("myeloma", "2"), ("lymphoma", "3")]:
        result = plan(primary=primary, escc_grade=grade, sins_total=5)
        assert (result.radiation, result.procedure, result.confirmed) == ("cebrt", None, True)


def test_noms_result_is_json_ready():
    data = json.loads(
        json.dumps(plan(primary="renal_cell", escc_grade="3", sins_total=9).as_dict())
    )
    assert data["rules"] == ["no_resistant_high_fit"]
    assert data["escc"]["category"] == "high"
    assert data["regimens"][0] == {"total_dose_gy": 24, "fractions": 1, "label": "24 Gy x 1"}


@pytest.mark.parametrize(
    ("argument", "value", "allowed"),
    [
        ("primary", "nsclc", "lung_nsclc"),
        ("escc_grade", "4", "0, 1a, 1b, 1c, 2, 3"),
        ("sins_total", 19, "<= 18"),
        ("sins_total", -1, ">= 0"),
        ("sins_total", "9", ">= 0"),
        ("gross_instability", "no", "True, False"),
        ("mechanical_pain", 1, "True, False"),
        ("fit_for_surgery", None, "True, False"),
        ("grade_1c_high", "false", "True, False"),
        ("intermediate_as", "intermediate", "sensitive, resistant"),
        ("too_ill_for_local_treatment", 0, "True, False"),
    ],
)
def test_noms_rejects_bad_values(argument, value, allowed):
    base = {"primary": "breast", "escc_grade": "1a", "sins_total": 3}
    with pytest.raises(ValueError, match=argument) as error:
        plan(**{**base, argument: value})
    assert allowed in str(error.value)


def test_noms_rule_table_in_docs_and_docstring():
    docs = (REPO / "docs" / "scoring.md").read_text(encoding="utf-8")
    assert rule_table_markdown() in docs
    docstring_lines = importlib.import_module("clinical.noms").__doc__.splitlines()
    for rule in NOMS_RULES:
        line = next(line for line in docstring_lines if line.startswith(rule.id + " "))
        assert line.split()[1] == ("yes" if rule.confirmed else "no"), rule.id


noms_inputs = st.fixed_dictionaries(
    {
        "primary": st.sampled_from(list(PRIMARY_SITES)),
        "escc_grade": st.sampled_from(list(GRADES)),
        "sins_total": st.integers(min_value=0, max_value=18),
        "gross_instability": st.booleans(),
        "mechanical_pain": st.booleans(),
        "fit_for_surgery": st.booleans(),
        "grade_1c_high": st.booleans(),
        "intermediate_as": st.sampled_from(["sensitive", "resistant"]),
        "too_ill_for_local_treatment": st.booleans(),
    }
)


@given(noms_inputs)
def test_noms_always_suggests_radiation_and_reports_confirmation(kwargs):
    result = plan(**kwargs)
    assert result.radiation in {"cebrt", "srs"}
    assert result.rules and len(set(result.rules)) == len(result.rules)
    assert result.confirmed is all(RULES_BY_ID[rule].confirmed for rule in result.rules)
    assert result.systemic_only is (result.rules == ("s_too_ill",))
    assert result.procedure == (result.procedures[0] if result.procedures else None)
    unstable = kwargs["gross_instability"] or kwargs["sins_total"] >= 13
    if not kwargs["too_ill_for_local_treatment"]:
        assert ("open_stabilization" in result.procedures) is (
            unstable and kwargs["fit_for_surgery"]
        )
        assert ("cement_augmentation" in result.procedures) is (
            kwargs["mechanical_pain"] and not unstable
        )
    if not kwargs["fit_for_surgery"]:
        assert not {"open_stabilization", "separation_surgery"} & set(result.procedures)


def test_demo_case_6_iris_noms_cement_then_srs():
    iris = plan(primary="melanoma", escc_grade="1c", sins_total=11, mechanical_pain=True)
    assert iris.procedures == ("cement_augmentation",)
    assert iris.radiation == "srs"


# ------------------------------------------- issue 13: no clinical input defaulted silently


@pytest.mark.parametrize("argument", sorted(BASELINE))
def test_every_noms_input_is_a_required_keyword(argument):
    # Laufer 2013: every option depends on the patient's fitness and the S assessment, so none
    # of them may be assumed (today's bug: fit_for_surgery defaulted to True).
    kwargs = {"primary": "renal_cell", "escc_grade": "3", "sins_total": 9, **BASELINE}
    del kwargs[argument]
    with pytest.raises(TypeError, match=argument):
        noms(**kwargs)


def test_fitness_unrecorded_is_allowed_only_when_too_ill_for_local_treatment():
    # s_too_ill (unconfirmed row, Laufer 2013 framework) is first and final: fitness is never
    # consulted for it, so an unrecorded fitness does not block the suggestion.
    too_ill = plan(
        primary="liver",
        escc_grade="2",
        sins_total=8,
        fit_for_surgery=None,
        too_ill_for_local_treatment=True,
    )
    assert (too_ill.rules, too_ill.category) == (("s_too_ill",), "systemic_only+cebrt")
    assert [r.label for r in too_ill.regimens] == ["8 Gy x 1"]
    with pytest.raises(ValueError, match="fit_for_surgery=None is not allowed"):
        plan(primary="liver", escc_grade="2", sins_total=8, fit_for_surgery=None)
