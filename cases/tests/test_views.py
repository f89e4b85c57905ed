"""Case pages: who may see and change what, how bad input is shown, and what gets written."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from cases import services
from cases.models import Case, Patient, SpinalLesion
from cases.services import MRN_NOT_AVAILABLE, MRN_ON_YOUR_BOARDS
from scheduling.services import agenda_item_add
from scheduling.tests.helpers import ready_case
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    LesionFactory,
    MeetingFactory,
    PatientFactory,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def create_data(board, **overrides) -> dict:
    data = {
        "who-source": "new",
        "who-existing_mrn": "",
        "patient-mrn": "DEMO-9101",
        "patient-given_name": "Walter",
        "patient-family_name": "Demo",
        "patient-date_of_birth": "1961-03-02",
        "patient-sex": "male",
        "patient-preferred_language": "en",
        "case-board": str(board.pk),
        "case-referring_clinician": "Dr Referrer",
        "case-urgency": "urgent",
        "case-clinical_question": "Separation surgery then SBRT, or radiotherapy alone?",
        "case-primary_site": "renal_cell",
        "case-kps": "70",
        "case-goals_ranked_0": "walking",
        "case-goals_ranked_1": "independence",
        "lesions-TOTAL_FORMS": "2",
        "lesions-INITIAL_FORMS": "0",
        "lesions-MIN_NUM_FORMS": "0",
        "lesions-MAX_NUM_FORMS": "1000",
        "lesions-0-level": "T10",
        "lesions-0-imaging_date": "2025-01-10",
        "lesions-0-imaging_modality": "mri",
        "lesions-0-pain": "mechanical",
        "lesions-0-bone_lesion": "lytic",
        "lesions-0-alignment": "normal",
        "lesions-0-collapse": "under_50",
        "lesions-0-posterolateral": "unilateral",
        "lesions-0-escc_grade": "3",
        "lesions-1-imaging_modality": "mri",  # the untouched second row
    }
    return data | overrides


def counts() -> tuple[int, int, int]:
    return Patient.objects.count(), Case.objects.count(), SpinalLesion.objects.count()


# --- case list --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "chair", "surgeon", "outsider"])
def test_case_list_allowed_for_clinical_staff(cast, who, client_for):
    assert client_for(getattr(cast, who)).get(reverse("case-list")).status_code == 200


@pytest.mark.parametrize("who", ["patient_user", "stranger"])
def test_case_list_refused_for_patient_and_roleless(cast, who, client_for):
    assert client_for(getattr(cast, who)).get(reverse("case-list")).status_code == 403


def test_case_list_needs_login(client_for):
    response = client_for().get(reverse("case-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_case_list_shows_own_board_cases_only(cast, client_for):
    ours = CaseFactory(board=cast.board, patient__family_name="Ourside")
    LesionFactory(case=ours, level="T10")
    CaseFactory(board=cast.other_board, patient__family_name="Elsewhere")
    page = text(client_for(cast.coordinator).get(reverse("case-list")))
    assert "OURSIDE" in page
    assert "T10" in page
    assert "ELSEWHERE" not in page
    outsider_page = text(client_for(cast.outsider).get(reverse("case-list")))
    assert "ELSEWHERE" in outsider_page
    assert "OURSIDE" not in outsider_page


def test_case_list_never_puts_mrn_in_a_link(cast, client_for):
    case = CaseFactory(board=cast.board, patient__mrn="DEMO-4242")
    page = text(client_for(cast.coordinator).get(reverse("case-list")))
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert f"/cases/{case.uuid}/" in hrefs
    assert "DEMO-4242" in page
    assert not [href for href in hrefs if "DEMO-4242" in href]


def test_case_list_orders_emergency_first_and_badges_it(cast, client_for):
    CaseFactory(board=cast.board, patient__family_name="Routinecase", urgency="routine")
    CaseFactory(board=cast.board, patient__family_name="Emergent", urgency="emergency")
    page = text(client_for(cast.coordinator).get(reverse("case-list")))
    assert page.index("EMERGENT") < page.index("ROUTINECASE")
    assert "badge--emergency" in page


def test_status_filter_excludes_other_statuses(cast, client_for):
    CaseFactory(board=cast.board, patient__family_name="Readyone", status="ready")
    CaseFactory(board=cast.board, patient__family_name="Referredone", status="referred")
    page = text(client_for(cast.coordinator).get(reverse("case-list"), {"status": "ready"}))
    assert "READYONE" in page
    assert "REFERREDONE" not in page


def test_urgency_filter(cast, client_for):
    CaseFactory(board=cast.board, patient__family_name="Urgentone", urgency="urgent")
    CaseFactory(board=cast.board, patient__family_name="Routineone", urgency="routine")
    page = text(client_for(cast.coordinator).get(reverse("case-list"), {"urgency": "urgent"}))
    assert "URGENTONE" in page
    assert "ROUTINEONE" not in page


def test_meeting_filter_and_next_meeting_column(cast, client_for):
    meeting = MeetingFactory(board=cast.board)
    on_agenda = CaseFactory(board=cast.board, patient__family_name="Onagenda")
    AgendaItemFactory(meeting=meeting, case=on_agenda)
    CaseFactory(board=cast.board, patient__family_name="Notonagenda")
    page = text(client_for(cast.coordinator).get(reverse("case-list"), {"meeting": meeting.uuid}))
    assert "ONAGENDA" in page
    assert "NOTONAGENDA" not in page
    assert f'datetime="{meeting.starts_at.astimezone().isoformat()[:10]}' in page


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"status": "bogus"}, "Select a valid choice. bogus is not one of the available choices."),
        ({"urgency": "whenever"}, "Select a valid choice. whenever is not one"),
        ({"meeting": "not-a-uuid"}, "“not-a-uuid” is not a valid UUID."),
    ],
)
def test_invalid_filter_is_a_form_error_not_a_500(cast, params, error, client_for):
    CaseFactory(board=cast.board, patient__family_name="Stillshown")
    response = client_for(cast.coordinator).get(reverse("case-list"), params)
    assert response.status_code == 200
    assert error in text(response)
    assert "STILLSHOWN" in text(response)


def test_meeting_of_another_board_is_not_a_filter_choice(cast, client_for):
    theirs = MeetingFactory(board=cast.other_board)
    response = client_for(cast.coordinator).get(reverse("case-list"), {"meeting": theirs.uuid})
    assert "Select a valid choice" in text(response)


def _case_with_everything(board):
    case = CaseFactory(board=board)
    LesionFactory(case=case, level="T10")
    LesionFactory(case=case, level="L2")
    AgendaItemFactory(meeting=MeetingFactory(board=board), case=case)
    return case


def test_case_list_query_count_is_constant(cast, client_for):
    client = client_for(cast.coordinator)
    client.get(reverse("case-list"))  # warm the session and content types
    for _ in range(2):
        _case_with_everything(cast.board)
    with CaptureQueriesContext(connection) as two:
        assert client.get(reverse("case-list")).status_code == 200
    for _ in range(18):
        _case_with_everything(cast.board)
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(reverse("case-list"))
    assert text(response).count('class="row--') == 20
    assert len(twenty) == len(two), [q["sql"] for q in twenty.captured_queries]


# --- case detail ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "chair", "surgeon"])
def test_case_detail_allowed_for_board_members(cast, who, client_for):
    case = CaseFactory(board=cast.board, clinical_question="Radiotherapy now for pain?")
    LesionFactory(case=case, level="L2")
    response = client_for(getattr(cast, who)).get(reverse("case-detail", args=[case.uuid]))
    assert response.status_code == 200
    page = text(response)
    assert "Radiotherapy now for pain?" in page
    assert "L2" in page
    assert '<section class="card card--assessment" id="assessment"' in page
    assert "Decision support" in page
    assert "Decision support suggests and explains; the board decides." in page
    assert 'id="ds-lesion-L2"' in page


def test_case_detail_is_404_for_staff_of_another_board(cast, client_for):
    case = CaseFactory(board=cast.board)
    assert (
        client_for(cast.outsider).get(reverse("case-detail", args=[case.uuid])).status_code == 404
    )


@pytest.mark.parametrize("who", ["patient_user", "stranger"])
def test_case_detail_refused_for_patient_and_roleless(cast, who, client_for):
    case = CaseFactory(board=cast.board, patient=cast.patient)
    response = client_for(getattr(cast, who)).get(reverse("case-detail", args=[case.uuid]))
    assert response.status_code == 403


def test_case_detail_shows_transitions_goals_and_history(cast, client_for):
    case = CaseFactory(board=cast.board, goals_ranked=["pain_relief", "time_at_home"])
    services.case_update(case=case, expected_version=case.version, by=cast.surgeon, kps=60)
    page = text(client_for(cast.coordinator).get(reverse("case-detail", args=[case.uuid])))
    assert 'name="to" value="ready"' in page
    assert 'name="to" value="plan_signed"' not in page
    assert page.index("Pain relief") < page.index("Time at home")
    history = page[page.index('id="history"') :]
    assert "Case changed" in history
    assert "Karnofsky (KPS)" in history
    assert "<ins>60</ins>" in history
    assert cast.surgeon.get_full_name() in history


# --- status transitions -----------------------------------------------------------------------


def test_legal_transition_by_board_member(cast, client_for):
    case = ready_case(cast.board, status=Case.Status.REFERRED)
    response = client_for(cast.coordinator).post(
        reverse("case-transition", args=[case.uuid]), {"to": "ready"}, follow=True
    )
    assert "Status changed to Ready for review." in text(response)
    case.refresh_from_db()
    assert case.status == "ready"


def test_the_page_offers_a_readiness_override_with_a_reason(cast, client_for):
    case = CaseFactory(board=cast.board)
    client = client_for(cast.coordinator)
    page = text(client.get(reverse("case-detail", args=[case.uuid])))
    assert 'name="to" value="scheduled"' not in page
    assert "Mark ready anyway (override readiness)" in page
    assert "Spine MRI (no dated MRI on any lesion)" in page
    response = client.post(
        reverse("case-transition", args=[case.uuid]),
        {"to": "ready", "override": "on"},
        follow=True,
    )
    assert "A reason is required to mark a case ready that is not." in text(response)
    case.refresh_from_db()
    assert case.status == "referred"
    response = client.post(
        reverse("case-transition", args=[case.uuid]),
        {"to": "ready", "override": "on", "reason": "MRI tomorrow"},
        follow=True,
    )
    assert "Marked ready although readiness was not met (override)." in text(response)
    case.refresh_from_db()
    assert (case.status, case.status_reason) == ("ready", "MRI tomorrow")


def test_a_scheduled_case_page_offers_no_status_change_that_breaks_the_agenda(
    cast, client_for, meeting
):
    case = ready_case(cast.board)
    agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    page = text(client_for(cast.coordinator).get(reverse("case-detail", args=[case.uuid])))
    assert 'name="to"' not in page
    assert "take it off the agenda or defer it from the meeting" in page


def test_transition_refused_for_outsider(cast, client_for):
    case = CaseFactory(board=cast.board)
    response = client_for(cast.outsider).post(
        reverse("case-transition", args=[case.uuid]), {"to": "ready"}
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == "referred"


def test_illegal_transition_shows_message_and_keeps_status(cast, client_for):
    case = CaseFactory(board=cast.board)
    response = client_for(cast.coordinator).post(
        reverse("case-transition", args=[case.uuid]), {"to": "plan_signed"}, follow=True
    )
    assert response.status_code == 200
    assert "A case cannot go from Referred to Plan signed." in text(response)
    case.refresh_from_db()
    assert case.status == "referred"


def test_withdraw_needs_a_reason(cast, client_for):
    case = CaseFactory(board=cast.board)
    url = reverse("case-transition", args=[case.uuid])
    client = client_for(cast.coordinator)
    response = client.post(url, {"to": "withdrawn", "reason": "  "}, follow=True)
    assert "A reason is required to defer or withdraw." in text(response)
    case.refresh_from_db()
    assert case.status == "referred"
    client.post(url, {"to": "withdrawn", "reason": "Patient chose care closer to home"})
    case.refresh_from_db()
    assert (case.status, case.status_reason) == ("withdrawn", "Patient chose care closer to home")


def test_transition_is_post_only(cast, client_for):
    case = CaseFactory(board=cast.board)
    url = reverse("case-transition", args=[case.uuid])
    assert client_for(cast.coordinator).get(url, {"to": "ready"}).status_code == 405


# --- register a case --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "surgeon"])
def test_create_page_allowed_for_clinical_staff(cast, who, client_for):
    response = client_for(getattr(cast, who)).get(reverse("case-create"))
    assert response.status_code == 200
    assert "Spine Oncology Board" in text(response)
    assert "Other Hospital Board" not in text(response)


@pytest.mark.parametrize("who", ["patient_user", "stranger"])
def test_create_refused_for_patient_and_roleless(cast, who, client_for):
    client = client_for(getattr(cast, who))
    assert client.get(reverse("case-create")).status_code == 403
    before = counts()
    assert client.post(reverse("case-create"), create_data(cast.board)).status_code == 403
    assert counts() == before


def test_create_registers_patient_case_and_lesions(cast, client_for):
    response = client_for(cast.coordinator).post(reverse("case-create"), create_data(cast.board))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("case-detail", args=[case.uuid])
    assert case.patient.mrn == "DEMO-9101"
    assert case.patient.created_by == cast.coordinator
    assert (case.board, case.urgency, case.kps) == (cast.board, "urgent", 70)
    assert case.goals_ranked == ["walking", "independence"]
    assert [(lesion.level, lesion.escc_grade) for lesion in case.lesions.all()] == [("T10", "3")]


def test_create_for_an_already_registered_patient(cast, client_for):
    known = CaseFactory(board=cast.board, patient__mrn="DEMO-7000").patient
    data = create_data(cast.board, **{"who-source": "existing", "who-existing_mrn": "DEMO-7000"})
    data["patient-mrn"] = ""  # the new-patient fields are ignored
    response = client_for(cast.coordinator).post(reverse("case-create"), data)
    assert response.status_code == 302
    assert Patient.objects.count() == 1 + 1  # the cast's patient and the known one
    assert known.cases.count() == 2


def test_create_cannot_pick_a_patient_of_another_board(cast, client_for):
    CaseFactory(board=cast.other_board, patient__mrn="DEMO-7001")
    data = create_data(cast.board, **{"who-source": "existing", "who-existing_mrn": "DEMO-7001"})
    before = counts()
    response = client_for(cast.coordinator).post(reverse("case-create"), data)
    assert response.status_code == 200
    assert "No patient with this MRN is registered on your boards." in text(response)
    assert counts() == before


def test_create_with_invalid_level_shows_error_and_writes_nothing(cast, client_for):
    before = counts()
    response = client_for(cast.coordinator).post(
        reverse("case-create"), create_data(cast.board, **{"lesions-0-level": "T13"})
    )
    assert response.status_code == 200
    assert "T13 is not a spinal level" in text(response)
    assert "Nothing was saved" in text(response)
    assert counts() == before


def test_create_with_out_of_range_kps_shows_error_and_writes_nothing(cast, client_for):
    before = counts()
    response = client_for(cast.coordinator).post(
        reverse("case-create"), create_data(cast.board, **{"case-kps": "75"})
    )
    assert response.status_code == 200
    assert "Karnofsky score must be 0–100 in steps of 10 (got 75)." in text(response)
    assert counts() == before


def test_create_with_another_boards_mrn_does_not_reveal_it(cast, client_for):
    # Issue 15, item 5: the page says no more than that this MRN cannot be registered here.
    PatientFactory(mrn="DEMO-9101", family_name="Elsewhere")
    before = counts()
    response = client_for(cast.coordinator).post(reverse("case-create"), create_data(cast.board))
    assert response.status_code == 200
    page = text(response)
    assert escape(MRN_NOT_AVAILABLE) in page
    assert "already exists" not in page and "Elsewhere" not in page
    assert counts() == before


def test_create_with_an_mrn_on_the_users_boards_offers_the_patient(cast, client_for):
    CaseFactory(board=cast.board, patient=PatientFactory(mrn="DEMO-9101"))
    before = counts()
    response = client_for(cast.coordinator).post(reverse("case-create"), create_data(cast.board))
    assert escape(MRN_ON_YOUR_BOARDS) in text(response)
    assert counts() == before


def test_lesion_refused_by_the_service_rolls_back_patient_and_case(cast, client_for):
    # Two rows at T10 pass each form; the service refuses the second inside the transaction.
    data = create_data(
        cast.board,
        **{"lesions-1-level": "T10", "lesions-1-imaging_modality": "mri", "lesions-1-pain": "none"},
    )
    before = counts()
    response = client_for(cast.coordinator).post(reverse("case-create"), data)
    assert response.status_code == 200
    assert "Lesion 2:" in text(response)
    assert "already exists" in text(response)
    assert counts() == before


def test_create_refuses_a_board_the_user_is_not_on(cast, client_for):
    before = counts()
    response = client_for(cast.coordinator).post(
        reverse("case-create"), create_data(cast.other_board)
    )
    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    assert counts() == before


def test_repeated_goal_is_a_form_error(cast, client_for):
    data = create_data(cast.board, **{"case-goals_ranked_1": "walking"})
    response = client_for(cast.coordinator).post(reverse("case-create"), data)
    assert response.status_code == 200
    assert "Each goal may be ranked only once." in text(response)
    assert Case.objects.count() == 0


# --- edit a case ------------------------------------------------------------------------------


def edit_data(case, **overrides) -> dict:
    data = {
        "case-referring_clinician": case.referring_clinician,
        "case-urgency": case.urgency,
        "case-clinical_question": case.clinical_question,
        "case-primary_site": case.primary_site,
        "case-version": str(case.version),
    }
    return data | overrides


@pytest.mark.parametrize("who", ["coordinator", "surgeon"])
def test_edit_allowed_for_board_members(cast, who, client_for):
    case = CaseFactory(board=cast.board)
    client = client_for(getattr(cast, who))
    assert client.get(reverse("case-edit", args=[case.uuid])).status_code == 200
    response = client.post(
        reverse("case-edit", args=[case.uuid]), edit_data(case, **{"case-kps": "80"})
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.kps == 80
    assert case.updated_by == getattr(cast, who)


def test_edit_refused_for_outsider(cast, client_for):
    case = CaseFactory(board=cast.board)
    client = client_for(cast.outsider)
    assert client.get(reverse("case-edit", args=[case.uuid])).status_code == 404
    response = client.post(
        reverse("case-edit", args=[case.uuid]), edit_data(case, **{"case-kps": "80"})
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.kps is None


@pytest.mark.parametrize("who", ["patient_user", "stranger"])
def test_edit_refused_for_patient_and_roleless(cast, who, client_for):
    case = CaseFactory(board=cast.board)
    assert (
        client_for(getattr(cast, who)).get(reverse("case-edit", args=[case.uuid])).status_code
        == 403
    )


def test_edit_with_out_of_range_kps_writes_nothing(cast, client_for):
    case = CaseFactory(board=cast.board, kps=70)
    response = client_for(cast.coordinator).post(
        reverse("case-edit", args=[case.uuid]), edit_data(case, **{"case-kps": "110"})
    )
    assert response.status_code == 200
    assert "Karnofsky score must be 0–100 in steps of 10 (got 110)." in text(response)
    case.refresh_from_db()
    assert case.kps == 70
    assert case.history.count() == 1


def test_edit_adds_a_lesion_and_refuses_a_duplicate_level(cast, client_for):
    case = CaseFactory(board=cast.board)
    client = client_for(cast.coordinator)
    url = reverse("case-edit", args=[case.uuid])
    lesion = {"add_lesion": "1", "lesion-level": "L1", "lesion-imaging_modality": "mri"}
    assert client.post(url, lesion).status_code == 302
    assert list(case.lesions.values_list("level", flat=True)) == ["L1"]
    response = client.post(url, lesion)
    assert response.status_code == 200
    assert "already exists" in text(response)
    assert case.lesions.count() == 1


def test_edit_lesion_with_invalid_level_is_a_form_error(cast, client_for):
    case = CaseFactory(board=cast.board)
    response = client_for(cast.coordinator).post(
        reverse("case-edit", args=[case.uuid]),
        {"add_lesion": "1", "lesion-level": "L6", "lesion-imaging_modality": "mri"},
    )
    assert response.status_code == 200
    assert "L6 is not a spinal level" in text(response)
    assert case.lesions.count() == 0


# Lesions and prior treatments, one at a time, on their own pages --------------------------------

LESION_FINDINGS = {
    "item-pain": "mechanical",
    "item-bone_lesion": "lytic",
    "item-alignment": "normal",
    "item-collapse": "under_50",
    "item-posterolateral": "unilateral",
    "item-escc_grade": "1b",
}


def lesion_post(level: str, **fields) -> dict:
    return {"item-level": level, "item-imaging_modality": "mri", **fields}


def test_an_incomplete_lesion_shows_what_is_missing_and_is_corrected_on_its_page(cast, client_for):
    case = CaseFactory(board=cast.board)
    client = client_for(cast.coordinator)
    response = client.post(
        reverse("case-lesion-add", args=[case.uuid]),
        lesion_post("L2", **{"item-imaging_date": "2025-01-10", "item-pain": "none"}),
    )
    lesion = case.lesions.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/cases/{case.uuid}/#lesions")

    page = text(client.get(reverse("case-detail", args=[case.uuid])))
    edit = reverse("case-lesion-edit", args=[case.uuid, lesion.pk])
    assert "Incomplete" in page and "Complete lesion L2" in page and edit in page
    missing = re.search(r"Not recorded: ([^<]*)\.", page).group(1)
    assert "bone lesion" in missing.lower() and "escc" in missing.lower()

    form = client.get(edit)
    assert form.status_code == 200 and "Correct lesion L2" in text(form)
    response = client.post(
        edit,
        lesion_post(
            "L2", **{"item-imaging_date": "2025-01-10", "item-version": "1"}, **LESION_FINDINGS
        ),
    )
    assert response.status_code == 302
    lesion.refresh_from_db()
    assert (lesion.pain, lesion.escc_grade, lesion.updated_by) == (
        "mechanical",
        "1b",
        cast.coordinator,
    )
    page = text(client.get(reverse("case-detail", args=[case.uuid])))
    assert "Incomplete" not in page
    assert "Lesion L2 changed" in page  # the history


def test_a_lesion_correction_that_clashes_is_a_form_error_and_changes_nothing(cast, client_for):
    case = LesionFactory(case__board=cast.board, level="T10").case
    other = LesionFactory(case=case, level="T11", pain="none")
    client = client_for(cast.coordinator)
    edit = reverse("case-lesion-edit", args=[case.uuid, other.pk])
    response = client.post(edit, lesion_post("T10", **{"item-pain": "mechanical"}))
    assert response.status_code == 200
    assert "Nothing was saved" in text(response)
    response = client.post(edit, lesion_post("T13"))
    assert "T13 is not a spinal level" in text(response)
    other.refresh_from_db()
    assert (other.level, other.pain, other.history.count()) == ("T11", "none", 1)


def test_an_unchanged_lesion_form_writes_nothing(cast, client_for):
    lesion = LesionFactory(case__board=cast.board, level="T10", notes="")
    case = lesion.case
    client = client_for(cast.coordinator)
    data = {
        f"item-{name}": value
        for name, value in {
            "level": "T10",
            "imaging_date": lesion.imaging_date.isoformat(),
            "imaging_modality": "mri",
            "pain": "mechanical",
            "bone_lesion": "lytic",
            "alignment": "normal",
            "collapse": "under_50",
            "posterolateral": "unilateral",
            "escc_grade": "3",
            "radiculopathy": "unknown",
        }.items()
    }
    response = client.post(reverse("case-lesion-edit", args=[case.uuid, lesion.pk]), data)
    assert response.status_code == 302
    assert lesion.history.count() == 1


def test_removing_a_lesion_asks_first_and_removes_on_post(cast, client_for):
    lesion = LesionFactory(case__board=cast.board, level="L4")
    case = lesion.case
    client = client_for(cast.surgeon)
    url = reverse("case-lesion-remove", args=[case.uuid, lesion.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Remove lesion L4?" in text(page)
    assert case.lesions.exists()
    assert 'name="version" value="1"' in page.content.decode()
    response = client.post(url, {"version": "1"})
    assert response.status_code == 302
    assert not case.lesions.exists()
    assert client.post(url, {"version": "1"}).status_code == 404  # already gone
    page = text(client.get(reverse("case-detail", args=[case.uuid])))
    assert "Lesion L4 removed" in page


def test_a_lesion_of_another_case_or_board_is_not_found(cast, client_for):
    case = CaseFactory(board=cast.board)
    elsewhere = LesionFactory(case__board=cast.board, level="C5")
    client = client_for(cast.coordinator)
    for name in ("case-lesion-edit", "case-lesion-remove"):
        assert client.get(reverse(name, args=[case.uuid, elsewhere.pk])).status_code == 404
    assert (
        client_for(cast.outsider)
        .post(reverse("case-lesion-remove", args=[elsewhere.case.uuid, elsewhere.pk]))
        .status_code
        == 404
    )
    assert SpinalLesion.objects.filter(pk=elsewhere.pk).exists()


RADIATION = {
    "item-kind": "radiation",
    "item-level_from": "T9",
    "item-level_to": "T11",
    "item-treated_on": "2024-05-02",
    "item-dose_gy": "20",
    "item-fractions": "5",
    "item-description": "",
}


def test_prior_radiation_is_added_shown_corrected_and_removed(cast, client_for):
    case = ready_case(cast.board)  # lesion at T10, every NOMS input recorded
    client = client_for(cast.chair)
    response = client.post(reverse("case-prior-treatment-add", args=[case.uuid]), RADIATION)
    assert response.status_code == 302
    assert response["Location"].endswith("#prior-treatment")
    treatment = case.prior_treatments.get()
    assert (treatment.levels, treatment.dose_gy, treatment.created_by) == (
        "T9–T11",
        20,
        cast.chair,
    )
    page = text(client.get(reverse("case-detail", args=[case.uuid])))
    assert "T9–T11" in page and "20 Gy / 5 fr" in page and "2 May 2024" in page
    assert "Re-irradiation: this level was irradiated before." in page

    edit = reverse("case-prior-treatment-edit", args=[case.uuid, treatment.pk])
    response = client.post(
        edit, RADIATION | {"item-dose_gy": "30", "item-fractions": "10", "item-version": "1"}
    )
    assert response.status_code == 302
    treatment.refresh_from_db()
    assert (treatment.dose_gy, treatment.fractions) == (30, 10)

    remove = reverse("case-prior-treatment-remove", args=[case.uuid, treatment.pk])
    assert "Remove prior treatment: Radiation T9–T11?" in text(client.get(remove))
    assert client.post(remove, {"version": "2"}).status_code == 302
    assert not case.prior_treatments.exists()
    page = text(client.get(reverse("case-detail", args=[case.uuid])))
    assert "Re-irradiation: this level was irradiated before." not in page
    assert "Prior treatment Radiation T9 removed" in page  # the kind by its label


def test_prior_radiation_without_dose_is_a_form_error(cast, client_for):
    case = CaseFactory(board=cast.board)
    response = client_for(cast.coordinator).post(
        reverse("case-prior-treatment-add", args=[case.uuid]),
        RADIATION | {"item-dose_gy": "", "item-fractions": ""},
    )
    assert response.status_code == 200
    assert "Give the total dose in Gy." in text(response)
    assert "Give the number of fractions (at least 1)." in text(response)
    assert not case.prior_treatments.exists()


def test_systemic_therapy_is_added_without_levels(cast, client_for):
    case = CaseFactory(board=cast.board)
    client = client_for(cast.coordinator)
    systemic = {
        "item-kind": "systemic",
        "item-treated_on": "2024-01-15",
        "item-description": "Pembrolizumab with axitinib",
    }
    response = client.post(reverse("case-prior-treatment-add", args=[case.uuid]), systemic)
    assert response.status_code == 302
    assert case.prior_treatments.get().description == "Pembrolizumab with axitinib"
    response = client.post(
        reverse("case-prior-treatment-add", args=[case.uuid]),
        systemic | {"item-level_from": "T4"},
    )
    assert "Systemic therapy is not given at a level" in text(response)
    assert case.prior_treatments.count() == 1


def test_expected_survival_is_shown_and_edited_on_the_case_form(cast, client_for):
    case = CaseFactory(board=cast.board)
    client = client_for(cast.coordinator)
    page = text(client.get(reverse("case-detail", args=[case.uuid])))
    assert "Not estimated" in page
    assert "#field-case-expected_survival_months" in page
    edit = text(client.get(reverse("case-edit", args=[case.uuid])))
    assert 'name="case-expected_survival_months"' in edit
    response = client.post(
        reverse("case-edit", args=[case.uuid]),
        edit_data(case, **{"case-expected_survival_months": "8"}),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.expected_survival_months, case.updated_by) == (8, cast.coordinator)
    assert "8 months" in text(client.get(reverse("case-detail", args=[case.uuid])))


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("patient-date_of_birth", "1800-01-01", "Give a date of birth on or after 1900-01-01."),
        ("lesions-0-imaging_date", "2099-01-01", "A date cannot be in the future."),
        ("case-clinical_question", "x" * 2001, "at most 2000 characters"),
    ],
)
def test_create_with_an_implausible_date_or_overlong_text_is_a_form_error(
    cast, client_for, field, value, error
):
    before = counts()
    response = client_for(cast.coordinator).post(
        reverse("case-create"), create_data(cast.board, **{field: value})
    )
    assert response.status_code == 200
    assert error in text(response)
    assert counts() == before


# --- lost updates: two editors of one record ------------------------------------------------------


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def test_the_second_of_two_case_editors_gets_a_conflict_page_and_nothing_is_saved(cast, client_for):
    case = CaseFactory(board=cast.board, kps=60)
    edit = reverse("case-edit", args=[case.uuid])
    first, second = client_for(cast.surgeon), client_for(cast.coordinator)
    assert 'name="case-version" value="1"' in text(second.get(edit))
    assert first.post(edit, edit_data(case, **{"case-kps": "80"})).status_code == 302
    # The second editor's form still says version 1.
    stale = second.post(edit, edit_data(case, **{"case-kps": "40"}))
    assert stale.status_code == 409
    page = text(stale)
    assert "Someone else saved this case while you were editing" in page
    assert _name(cast.surgeon) in page and "Karnofsky" in page
    assert 'name="case-version" value="2"' in page  # saving again knowingly replaces theirs
    case.refresh_from_db()
    assert (case.kps, case.version, case.updated_by) == (80, 2, cast.surgeon)
    again = second.post(edit, edit_data(case, **{"case-kps": "40"}))
    assert again.status_code == 302
    case.refresh_from_db()
    assert (case.kps, case.version) == (40, 3)


def test_the_second_of_two_lesion_editors_gets_a_conflict_page(cast, client_for):
    lesion = LesionFactory(case=CaseFactory(board=cast.board), level="L2", notes="")
    edit = reverse("case-lesion-edit", args=[lesion.case.uuid, lesion.pk])
    first, second = client_for(cast.surgeon), client_for(cast.coordinator)
    assert 'name="item-version" value="1"' in text(second.get(edit))
    findings = LESION_FINDINGS | {"item-imaging_date": "2025-01-10", "item-version": "1"}
    saved = first.post(edit, lesion_post("L2", **findings, **{"item-notes": "Lytic."}))
    assert saved.status_code == 302
    stale = second.post(edit, lesion_post("L2", **findings, **{"item-notes": "Sclerotic."}))
    assert stale.status_code == 409
    page = text(stale)
    assert "Someone else saved this lesion" in page and "Lytic." in page
    assert 'name="item-version" value="2"' in page
    lesion.refresh_from_db()
    assert (lesion.notes, lesion.version, lesion.updated_by) == ("Lytic.", 2, cast.surgeon)


def test_the_second_of_two_prior_treatment_editors_gets_a_conflict_page(cast, client_for):
    case = CaseFactory(board=cast.board)
    treatment = services.prior_treatment_add(
        case=case,
        by=cast.chair,
        kind="radiation",
        level_from="T9",
        level_to="T11",
        treated_on=dt.date(2024, 5, 2),
        dose_gy=20,
        fractions=5,
    )
    edit = reverse("case-prior-treatment-edit", args=[case.uuid, treatment.pk])
    first, second = client_for(cast.surgeon), client_for(cast.coordinator)
    sent = RADIATION | {"item-version": "1"}
    assert first.post(edit, sent | {"item-fractions": "10"}).status_code == 302
    stale = second.post(edit, sent | {"item-fractions": "1"})
    assert stale.status_code == 409 and "Someone else saved this prior treatment" in text(stale)
    treatment.refresh_from_db()
    assert (treatment.fractions, treatment.version) == (10, 2)


def test_removing_a_lesion_someone_just_corrected_asks_again(cast, client_for):
    lesion = LesionFactory(case=CaseFactory(board=cast.board), level="L4")
    remove = reverse("case-lesion-remove", args=[lesion.case.uuid, lesion.pk])
    client = client_for(cast.coordinator)
    assert 'name="version" value="1"' in text(client.get(remove))
    services.lesion_update(lesion=lesion, expected_version=1, by=cast.surgeon, notes="Lytic.")
    stale = client.post(remove, {"version": "1"})
    assert stale.status_code == 409
    page = text(stale)
    assert "Someone else saved this lesion" in page and _name(cast.surgeon) in page
    assert "Nothing was removed" in page and 'name="version" value="2"' in page
    assert SpinalLesion.objects.filter(pk=lesion.pk).exists()
    unversioned = client.post(remove)
    assert unversioned.status_code == 400 and "Say which version" in text(unversioned)
    assert SpinalLesion.objects.filter(pk=lesion.pk).exists()
    assert client.post(remove, {"version": "2"}).status_code == 302
    assert not SpinalLesion.objects.filter(pk=lesion.pk).exists()
