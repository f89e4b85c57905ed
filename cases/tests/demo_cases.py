"""Demo cases the assessment tests share, built in the database (the cast's board or another)."""

from tests.factories import CaseFactory, LesionFactory


def walter(board=None, **overrides):
    """Demo case 1: renal cell, T10 SINS 9, ESCC 3, fit, deficit progressing over days, KPS 70."""
    fields = (
        {
            "primary_site": "renal_cell",
            "kps": 70,
            "extraspinal_bone_mets": 1,
            "vertebral_body_mets": 1,
            "visceral_mets": "removable",
            "frankel_grade": "D",
            "neuro_progression": "days",
            "fit_for_surgery": True,
            "histology_confirmed": True,
            "expected_survival_months": 12,
        }
        | ({"board": board} if board is not None else {})
        | overrides
    )
    case = CaseFactory(**fields)
    LesionFactory(case=case)  # T10 lytic, mechanical, <50%, unilateral, normal, ESCC 3
    return case


def bruno(board):
    """Demo case 9: hepatocellular, T4 ESCC 2, not fit for surgery, ECOG 3 (no KPS)."""
    case = CaseFactory(
        board=board,
        primary_site="liver",
        ecog=3,
        extraspinal_bone_mets=0,
        vertebral_body_mets=1,
        visceral_mets="untreatable",
        frankel_grade="C",
        neuro_progression="stable",
        fit_for_surgery=False,
        histology_confirmed=False,
        expected_survival_months=2,
    )
    LesionFactory(
        case=case,
        level="T4",
        pain="occasional",
        bone_lesion="mixed",
        collapse="none",
        posterolateral="none",
        escc_grade="2",
    )
    return case
