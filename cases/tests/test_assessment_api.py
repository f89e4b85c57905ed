"""GET /api/v1/cases/{uuid}/assessment/ and the urgent flags on the case list and detail API."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.assessment import case_assessment
from cases.tests.demo_cases import bruno, walter
from clinical.regimens import SBRT_REGIMENS
from tests.factories import CaseFactory, LesionFactory

pytestmark = pytest.mark.django_db

SBRT_LABELS = [regimen.label for regimen in SBRT_REGIMENS]


def assessment_url(case) -> str:
    return reverse("api:case-assessment", kwargs={"uuid": case.uuid})


def test_demo_case_1_separation_surgery_then_srs_confirmed(cast, api):
    case = walter(cast.board)
    response = api(cast.surgeon).get(assessment_url(case))
    assert response.status_code == 200
    body = response.json()
    lesion = body["lesions"][0]
    assert lesion["level"] == "T10"
    sins = lesion["sins"]
    assert sins["computable"] is True
    assert sins["result"]["total"] == 9
    assert sins["result"]["category"] == "potentially_unstable"
    assert sins["result"]["components"] == {
        "location": 1,
        "pain": 3,
        "bone_lesion": 2,
        "alignment": 0,
        "collapse": 2,
        "posterolateral": 1,
    }
    assert (
        "Location T10 is semi-rigid (T3-T10): 1 point (Fisher 2010, SINS)."
        in (sins["result"]["explanation"])
    )
    assert lesion["escc"]["result"]["category"] == "high"
    noms = lesion["noms"]["result"]
    assert noms["category"] == "separation_surgery+cement_augmentation+srs"
    assert noms["procedure"] == "separation_surgery"
    assert noms["radiation"] == "srs"
    assert noms["confirmed"] is True
    assert [r["label"] for r in noms["regimens"]] == SBRT_LABELS
    assert body["tokuhashi_revised"]["result"]["total"] == 9
    assert body["tomita"]["result"]["total"] == 6
    assert body["patchell"]["result"]["eligible"] is True
    assert [flag["code"] for flag in body["flags"]] == ["cord_compression"]
    assert body["flags"][0]["label"] == "Cord compression"
    assert body["settings"] == {
        "grade_1c_high": False,
        "intermediate_as": "sensitive",
        "sbrt_regimens": [
            {"total_dose_gy": r.total_dose_gy, "fractions": r.fractions, "label": r.label}
            for r in SBRT_REGIMENS
        ],
        "sbrt_regimens_source": "project",
        "sbrt_regimens_problems": [],
        "too_ill_kps_at_most": 40,
        "too_ill_ecog_at_least": 3,
        "too_ill_survival_under_months": 3,
        "too_ill_source": "project",
        "too_ill_text": "Karnofsky 40 or less, ECOG 3 or more, or expected survival under 3 "
        "months (project default; unconfirmed)",
    }
    assert body["disclaimer"] == "Decision support suggests and explains; the board decides."


def test_response_is_the_whole_assessment(cast, api):
    """The serializer that documents the shape drops nothing of CaseAssessment.as_dict()."""
    for case in (walter(cast.board), bruno(cast.board)):
        expected = json.loads(json.dumps(case_assessment(case).as_dict()))
        assert api(cast.coordinator).get(assessment_url(case)).json() == expected


def test_demo_case_9_too_ill_hcc_gets_the_unconfirmed_systemic_and_palliative_row(cast, api):
    # DEMO-CASES.md case 9 (ECOG 3, expected survival 2 months): the board's unconfirmed
    # thresholds (project defaults ECOG >= 3, survival < 3 months) reach NOMS's "too ill for any
    # local treatment" row (Laufer 2013 framework, unconfirmed): palliative care, 8 Gy x 1.
    body = api(cast.coordinator).get(assessment_url(bruno(cast.board))).json()
    score = body["lesions"][0]["noms"]
    noms = score["result"]
    assert noms["category"] == "systemic_only+cebrt"
    assert noms["rules"] == ["s_too_ill"]
    assert noms["confirmed"] is False
    assert [r["label"] for r in noms["regimens"]] == ["8 Gy x 1"]
    assert score["notes"][0].endswith("(board setting, unconfirmed; NOMS, Laufer 2013).")
    assert any("UNCONFIRMED" in sentence for sentence in noms["explanation"])
    assert body["radiosensitivity"]["result"]["unconfirmed"] is True
    # KPS derived from ECOG 3 (30-40: poor): computed, and said to be derived.
    tokuhashi = body["tokuhashi_revised"]
    assert tokuhashi["result"]["components"]["general_condition"] == 0
    assert "KPS derived from ECOG 3" in tokuhashi["notes"][0]
    assert body["patchell"]["result"]["eligible"] is False
    assert body["flags"] == []


def test_missing_inputs_are_listed_never_defaulted(cast, api):
    case = CaseFactory(board=cast.board, primary_site="melanoma")
    LesionFactory(case=case, collapse="", escc_grade="")
    body = api(cast.coordinator).get(assessment_url(case)).json()
    sins = body["lesions"][0]["sins"]
    # T10 1 + mechanical 3 + lytic 2 + normal 0 + unilateral 1 = 7; collapse 0-3 (Fisher 2010).
    assert sins == {
        "name": "sins",
        "computable": False,
        "missing": ["collapse"],
        "notes": [],
        "range": {
            "low": 7,
            "high": 10,
            "category": "potentially_unstable",
            "missing": ["vertebral body collapse"],
            "explanation": [
                "Recorded: location T10 1 point, pain 3 points, bone lesion 2 points, "
                "radiographic alignment 0 points, posterolateral involvement 1 point; not "
                "recorded: vertebral body collapse (Fisher 2010, SINS).",
                "Whatever the missing findings are, the total is 7-10: potentially unstable "
                "(7-12) (Fisher 2010, SINS).",
                "A SINS of 7 or more warrants a spine-surgery consultation, ideally before "
                "radiation (Fisher 2010, SINS).",
            ],
        },
        "result": None,
    }
    noms = body["lesions"][0]["noms"]
    assert noms["computable"] is False
    # Whether the patient is too ill for local treatment (NOMS's S) needs performance status and
    # expected survival: neither is assumed (issue 13).
    assert noms["missing"] == [
        "Karnofsky (KPS) or ECOG",
        "expected survival months",
        "fit for surgery",
        "a complete SINS for this level",
        "ESCC (Bilsky) grade",
    ]
    tokuhashi = body["tokuhashi_revised"]
    assert tokuhashi["computable"] is False
    assert tokuhashi["result"] is None
    assert "Karnofsky (KPS)" in tokuhashi["missing"]
    assert "frankel grade" in tokuhashi["missing"]
    assert body["tomita"]["computable"] is False
    assert body["radiosensitivity"]["computable"] is True  # the primary is all it needs


def test_board_setting_1c_changes_the_suggestion(cast, api):
    case = walter(cast.board)
    case.lesions.update(escc_grade="1c")
    client = api(cast.coordinator)
    before = client.get(assessment_url(case)).json()["lesions"][0]
    assert before["escc"]["result"]["category"] == "low"
    assert before["noms"]["result"]["category"] == "cement_augmentation+srs"

    url = reverse("api:board-settings", kwargs={"uuid": cast.board.uuid})
    assert client.patch(url, {"escc_1c_high_grade": True}, format="json").status_code == 200
    after = client.get(assessment_url(case)).json()
    lesion = after["lesions"][0]
    assert after["settings"]["grade_1c_high"] is True
    assert lesion["escc"]["result"]["category"] == "high"
    assert lesion["noms"]["result"]["category"] == "separation_surgery+cement_augmentation+srs"


def test_board_sbrt_list_is_offered_for_srs(cast, api):
    cast.board.sbrt_regimens = [{"total_dose_gy": 24, "fractions": 2}]
    cast.board.save()
    body = api(cast.coordinator).get(assessment_url(walter(cast.board))).json()
    assert [r["label"] for r in body["lesions"][0]["noms"]["result"]["regimens"]] == ["24 Gy/2"]
    assert body["settings"]["sbrt_regimens_source"] == "board"


@pytest.mark.parametrize("who", ["coordinator", "chair", "surgeon"])
def test_board_members_may_read_the_assessment(cast, api, who):
    case = walter(cast.board)
    response = api(getattr(cast, who)).get(assessment_url(case))
    assert response.status_code == 200
    assert response.json()["lesions"][0]["level"] == "T10"


def test_staff_of_another_board_get_404(cast, api):
    case = walter(cast.board)
    assert api(cast.outsider).get(assessment_url(case)).status_code == 404
    theirs = walter(cast.other_board)
    assert api(cast.outsider).get(assessment_url(theirs)).status_code == 200


@pytest.mark.parametrize("who", ["patient_user", "stranger"])
def test_patients_and_roleless_users_are_refused(cast, api, who):
    response = api(getattr(cast, who)).get(assessment_url(walter(cast.board)))
    assert response.status_code == 403
    assert "lesions" not in response.json()


def test_anonymous_is_refused(cast, api):
    assert api().get(assessment_url(walter(cast.board))).status_code in {401, 403}


def test_assessment_query_count_does_not_grow_with_lesions(cast, api):
    client = api(cast.coordinator)
    small, large = walter(cast.board), walter(cast.board)
    for level in ["T11", "T12", "L1", "L2", "L3", "L4", "L5"]:
        LesionFactory(case=large, level=level)

    def count(case) -> int:
        client.get(assessment_url(case))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(assessment_url(case)).status_code == 200
        return len(queries)

    assert count(small) == count(large)


# Flags on the case list and detail API ----------------------------------------------------------


def test_case_list_and_detail_show_urgent_flags(cast, api):
    urgent = walter(cast.board)
    unstable = walter(cast.board, neuro_progression="none")
    unstable.lesions.update(alignment="deformity", collapse="over_50", posterolateral="bilateral")
    quiet = walter(cast.board, neuro_progression="stable")
    client = api(cast.coordinator)
    rows = {row["uuid"]: row for row in client.get(reverse("api:case-list")).json()["results"]}
    assert [f["code"] for f in rows[str(urgent.uuid)]["flags"]] == ["cord_compression"]
    assert rows[str(unstable.uuid)]["flags"] == [
        {
            "code": "unstable",
            "label": "T10 SINS 14 unstable",
            "text": "T10: SINS 14, unstable (Fisher 2010).",
        }
    ]
    assert rows[str(quiet.uuid)]["flags"] == []
    detail = client.get(reverse("api:case-detail", kwargs={"uuid": urgent.uuid})).json()
    assert [f["label"] for f in detail["flags"]] == ["Cord compression"]


def test_case_list_with_flags_keeps_a_constant_query_count(cast, api):
    client = api(cast.coordinator)

    def count() -> int:
        client.get(reverse("api:case-list"))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("api:case-list"))
        assert all(row["flags"] for row in response.json()["results"])
        return len(queries)

    for _ in range(2):
        walter(cast.board)
    small = count()
    for _ in range(10):
        walter(cast.board)
    assert count() == small
