"""Issue 13, from case data to scores, where the case is written and read: a stated count of 0
vertebral bodies refused when lesions exist (API, page, service), the disagreement between the
stated count and the recorded lesions shown, partly recorded SINS, prior radiation at a level,
haematological primaries, and invalid choices that name the valid ones (API and forms)."""

import pytest
from django.urls import reverse

from cases import services
from cases.models import Case
from cases.tests.test_api import case_payload, url
from cases.tests.test_assessment_pages import assessment_section, page_for, squash
from cases.tests.test_views import create_data, edit_data
from tests.factories import CaseFactory, LesionFactory, PatientFactory, PriorTreatmentFactory
from tumorboard.errors import ApplicationError

pytestmark = pytest.mark.django_db

ZERO_WITH_T10 = "0 vertebral bodies, but 1 spinal lesion(s) are recorded (T10): give at least 1."


def assessment(api, user, case) -> dict:
    response = api(user).get(reverse("api:case-assessment", kwargs={"uuid": case.uuid}))
    assert response.status_code == 200
    return response.json()


# A stated count of zero with lesions recorded is refused -----------------------------------------


def test_api_refuses_a_new_case_stating_zero_vertebral_bodies_with_lesions(cast, api):
    patient = PatientFactory(created_by=cast.coordinator)
    payload = case_payload(cast, patient, vertebral_body_mets=0)
    response = api(cast.coordinator).post(url("case-list"), payload, format="json")
    assert response.status_code == 400
    assert response.json()["vertebral_body_mets"] == [
        "0 vertebral bodies, but 2 spinal lesion(s) are recorded (T6, L2): give at least 2."
    ]
    assert Case.objects.count() == 0


def test_api_refuses_changing_the_count_to_zero_when_lesions_exist(cast, api):
    case = CaseFactory(board=cast.board, vertebral_body_mets=1)
    LesionFactory(case=case, level="T10")
    response = api(cast.surgeon).patch(
        url("case-detail", uuid=case.uuid), {"vertebral_body_mets": 0, "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["vertebral_body_mets"] == [ZERO_WITH_T10]
    case.refresh_from_db()
    assert case.vertebral_body_mets == 1


def test_zero_without_lesions_is_allowed(cast, api):
    case = CaseFactory(board=cast.board, vertebral_body_mets=None)
    response = api(cast.surgeon).patch(
        url("case-detail", uuid=case.uuid), {"vertebral_body_mets": 0, "version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()


def test_service_refuses_zero_with_lesions(cast):
    case = CaseFactory(board=cast.board, vertebral_body_mets=2)
    LesionFactory(case=case, level="T10")
    with pytest.raises(ApplicationError) as refused:
        services.case_update(
            case=case, expected_version=case.version, by=cast.coordinator, vertebral_body_mets=0
        )
    assert refused.value.fields == {"vertebral_body_mets": [ZERO_WITH_T10]}


def test_edit_page_shows_the_refusal_on_the_count_field(cast, client_for):
    case = CaseFactory(board=cast.board, vertebral_body_mets=1)
    LesionFactory(case=case, level="T10")
    response = client_for(cast.surgeon).post(
        reverse("case-edit", args=[case.uuid]),
        edit_data(case, **{"case-vertebral_body_mets": "0"}),
    )
    assert response.status_code == 200
    assert response.context["case_form"].errors["vertebral_body_mets"] == [ZERO_WITH_T10]


def test_create_page_shows_the_refusal_on_the_count_field(cast, client_for):
    response = client_for(cast.coordinator).post(
        reverse("case-create"), create_data(cast.board, **{"case-vertebral_body_mets": "0"})
    )
    assert response.status_code == 200
    errors = response.context["case_form"].errors["vertebral_body_mets"]
    assert errors[0].startswith("0 vertebral bodies, but 1 spinal lesion(s) are recorded (T10)")
    assert Case.objects.count() == 0


# The disagreement between the stated count and the recorded lesions is shown ---------------------


def test_more_lesions_than_stated_uses_the_lesions_and_shows_it_in_api_and_page(cast, api):
    """Tokuhashi 2005 / Tomita 2001: 3 recorded vertebral lesions are at least 3 bodies."""
    case = CaseFactory(
        board=cast.board,
        primary_site="breast",
        kps=90,
        vertebral_body_mets=1,
        extraspinal_bone_mets=0,
        visceral_mets="none",
        frankel_grade="E",
    )
    for level in ("T6", "T8", "L2"):
        LesionFactory(case=case, level=level)
    body = assessment(api, cast.surgeon, case)
    note = (
        "Vertebral bodies involved: the case states 1, but 3 vertebral lesions are recorded "
        "(T6, T8, L2); the larger, 3, is used - correct the stated count or the lesions."
    )
    assert note in body["tokuhashi_revised"]["notes"]
    assert note in body["tomita"]["notes"]
    assert body["tokuhashi_revised"]["result"]["components"]["vertebral_body_mets"] == 0
    assert body["tomita"]["result"]["components"]["bone_mets"] == 2
    assert squash(note) in squash(assessment_section(page_for(cast.surgeon, case)))


# Partly recorded SINS ----------------------------------------------------------------------------


def test_partial_sins_already_unstable_shows_band_flag_and_missing_on_the_page(cast, api):
    """Fisher 2010: T12 3 + mechanical 3 + lytic 2 + subluxation 4 + unilateral 1 = 13 before the
    collapse (0-3) is recorded: unstable whatever it is."""
    case = CaseFactory(board=cast.board, neuro_progression="none")
    LesionFactory(case=case, level="T12", alignment="subluxation", collapse="")
    body = assessment(api, cast.surgeon, case)
    sins = body["lesions"][0]["sins"]
    assert sins["computable"] is False
    assert (sins["range"]["low"], sins["range"]["high"], sins["range"]["category"]) == (
        13,
        16,
        "unstable",
    )
    assert [flag["label"] for flag in body["flags"]] == ["T12 SINS 13-16 unstable"]
    text = squash(assessment_section(page_for(cast.surgeon, case)))
    assert "13–16 / 18 Unstable (13–18)" in text
    assert "Unstable (13–18) whatever the missing findings are" in text
    assert "not recorded: vertebral body collapse" in text


def test_partial_sins_across_bands_shows_the_range_and_not_computable(cast):
    case = CaseFactory(board=cast.board)
    LesionFactory(case=case, level="T10", pain="", collapse="")
    text = squash(assessment_section(page_for(cast.surgeon, case)))
    assert "4–10 / 18" in text
    assert "Not computable — the missing findings allow totals across bands" in text


# Prior radiation at the same level ---------------------------------------------------------------


def test_prior_radiation_at_the_level_is_shown_as_reirradiation(cast, api):
    """Demo case 7 shape: 20 Gy/5 to L5-S1 before, S1 lesion now (unconfirmed rule after
    Sahgal 2012)."""
    case = CaseFactory(
        board=cast.board,
        primary_site="colorectal",
        fit_for_surgery=True,
        frankel_grade="E",
        neuro_progression="none",
        kps=80,
        expected_survival_months=12,
    )
    LesionFactory(case=case, level="S1", pain="occasional", collapse="none", escc_grade="1a")
    treatment = PriorTreatmentFactory(case=case, level_from="L5", level_to="S1")
    body = assessment(api, cast.surgeon, case)
    noms = body["lesions"][0]["noms"]["result"]
    assert noms["reirradiation"] is True
    assert noms["confirmed"] is False
    (course,) = noms["prior_radiation"]
    assert course.startswith(
        "Prior radiation at S1: 20 Gy in 5 fractions to L5-S1 on "
        + treatment.treated_on.isoformat()
    )
    text = squash(assessment_section(page_for(cast.surgeon, case)))
    assert "Re-irradiation: this level was irradiated before." in text
    assert course in text
    assert "SBRT re-irradiation considerations, Sahgal 2012" in text


# Haematological primaries ------------------------------------------------------------------------


def test_myeloma_scores_are_shown_without_band_or_strategy(cast, api):
    case = CaseFactory(
        board=cast.board,
        primary_site="myeloma",
        primary_growth="moderate",
        kps=80,
        extraspinal_bone_mets=3,
        vertebral_body_mets=4,
        visceral_mets="none",
        frankel_grade="E",
    )
    body = assessment(api, cast.surgeon, case)
    for name in ("tokuhashi_revised", "tomita"):
        result = body[name]["result"]
        assert result["category"] == "not_validated"
        assert "not validated" in result["explanation"][-1]
    text = squash(assessment_section(page_for(cast.surgeon, case)))
    assert "Not validated for this primary: no band or surgical strategy" in text
    for advice in ("excisional surgery", "Middle-term local control", "Predicted survival"):
        assert advice not in text


# Invalid choices name the valid values -----------------------------------------------------------


def test_api_invalid_escc_grade_lists_the_grades(cast, api):
    case = CaseFactory(board=cast.board)
    response = api(cast.surgeon).post(
        url("case-lesions", uuid=case.uuid), {"level": "T4", "escc_grade": "4"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["escc_grade"] == [
        '"4" is not a valid choice. Valid values: 0, 1a, 1b, 1c, 2, 3.'
    ]


def test_api_invalid_choice_in_a_list_lists_the_values(cast, api):
    case = CaseFactory(board=cast.board)
    response = api(cast.surgeon).patch(
        url("case-detail", uuid=case.uuid), {"goals_ranked": ["golf"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["goals_ranked"] == {
        "0": [
            '"golf" is not a valid choice. Valid values: walking, pain_relief, independence, '
            "time_at_home, length_of_life."
        ]
    }


def test_form_invalid_escc_grade_lists_the_grades(cast, client_for):
    case = CaseFactory(board=cast.board)
    response = client_for(cast.surgeon).post(
        reverse("case-edit", args=[case.uuid]),
        {"add_lesion": "1", "lesion-level": "T4", "lesion-escc_grade": "4"},
    )
    assert response.status_code == 200
    assert response.context["lesion_form"].errors["escc_grade"] == [
        "Select a valid choice. 4 is not one of the available choices: 0 – bone only; "
        "1a – epidural impingement; 1b – thecal sac deformed; 1c – cord abutted; "
        "2 – cord compressed, CSF visible; 3 – cord compressed, no CSF."
    ]
