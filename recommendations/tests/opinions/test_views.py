"""Opinion pages: "my cases" and the opinion form; who may see what, and how bad input is shown."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recommendations.models import Opinion
from recommendations.opinions import services
from recommendations.tests.opinions.helpers import RADIATION, SURGERY
from scheduling.models import Meeting
from tests.factories import AgendaItemFactory, CaseFactory, LesionFactory
from tumorboard import bounds

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def form_url(meeting, case) -> str:
    return reverse("opinion-form", kwargs={"meeting_uuid": meeting.uuid, "case_uuid": case.uuid})


def post_data(**overrides) -> dict:
    data = {
        "options": ["separation_surgery"],
        "urgency": "urgent",
        "confidence": "high",
        "rationale": "Decompress, then SBRT.",
        "details": "",
        "questions_for_board": "",
        "data_needed": "",
        "revision": "",
    }
    data.update(overrides)
    return data


# --- my cases ---------------------------------------------------------------------------------


def test_my_cases_shows_missing_then_submitted_with_missing_data(cast, case, meeting, client_for):
    client = client_for(cast.surgeon)
    page = text(client.get(reverse("my-cases")))
    assert case.patient.family_name.upper() in page
    assert 'tag--warn">missing</span>' in page
    assert "Performance status (KPS or ECOG)" in page
    assert form_url(meeting, case) in page
    services.opinion_submit(case=case, meeting=meeting, author=cast.surgeon, **SURGERY)
    page = text(client.get(reverse("my-cases")))
    assert "submitted (revision 1)" in page
    assert 'tag--warn">missing</span>' not in page


def test_my_cases_does_not_show_other_boards_cases(cast, case, client_for):
    response = client_for(cast.outsider).get(reverse("my-cases"))
    assert response.status_code == 200
    assert case.patient.family_name.upper() not in text(response)


def test_my_cases_query_count_is_constant(cast, case, meeting, client_for):
    client = client_for(cast.surgeon)

    def count() -> int:
        client.get(reverse("my-cases"))  # warm per-user caches (roles)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("my-cases"))
        assert response.status_code == 200
        return len(queries)

    one = count()
    for _ in range(4):
        other = CaseFactory(board=cast.board)
        LesionFactory(case=other)
        AgendaItemFactory(meeting=meeting, case=other)
        services.opinion_submit(case=other, meeting=meeting, author=cast.surgeon, **SURGERY)
    assert count() == one


@pytest.mark.parametrize("who, code", [("patient_user", 403), ("stranger", 403)])
def test_my_cases_is_for_clinical_staff(cast, who, code, client_for):
    assert client_for(getattr(cast, who)).get(reverse("my-cases")).status_code == code


def test_my_cases_link_is_in_the_nav_for_specialists_only(cast, client_for):
    assert reverse("my-cases") in text(client_for(cast.surgeon).get(reverse("case-list")))
    assert reverse("my-cases") not in text(client_for(cast.coordinator).get(reverse("case-list")))


# --- the form: access -------------------------------------------------------------------------


def test_form_shows_the_disciplines_options_beside_the_case(cast, case, meeting, client_for):
    LesionFactory(case=case)  # the scores beside the form need a lesion
    page = text(client_for(cast.surgeon).get(form_url(meeting, case)))
    assert 'value="separation_surgery"' in page
    assert 'value="sbrt"' not in page  # radiation oncology's
    assert 'name="regimen"' not in page
    assert case.clinical_question in page
    assert "Decision support" in page
    assert "T10" in page


def test_radiation_oncologist_gets_the_boards_regimens(cast, case, meeting, client_for):
    page = text(client_for(cast.specialists["radiation_oncology"]).get(form_url(meeting, case)))
    assert 'value="sbrt"' in page
    assert 'value="24 Gy/2"' in page
    assert 'value="8 Gy x 1"' in page


@pytest.mark.parametrize("who, code", [("outsider", 404), ("patient_user", 403), ("stranger", 403)])
def test_outsiders_cannot_open_the_form(cast, case, meeting, who, code, client_for):
    services.opinion_submit(case=case, meeting=meeting, author=cast.surgeon, **SURGERY)
    response = client_for(getattr(cast, who)).get(form_url(meeting, case))
    assert response.status_code == code
    assert SURGERY["rationale"] not in text(response)


def test_case_not_on_the_meeting_is_404(cast, meeting, client_for):
    other = CaseFactory(board=cast.board)
    assert client_for(cast.surgeon).get(form_url(meeting, other)).status_code == 404


def test_coordinator_reads_opinions_but_gets_no_form(cast, case, meeting, client_for):
    services.opinion_submit(case=case, meeting=meeting, author=cast.surgeon, **SURGERY)
    client = client_for(cast.coordinator)
    page = text(client.get(form_url(meeting, case)))
    assert SURGERY["rationale"] in page
    assert 'name="rationale"' not in page
    assert client.post(form_url(meeting, case), post_data()).status_code == 403
    assert Opinion.objects.count() == 1


# --- the form: the blind rule -----------------------------------------------------------------


def test_others_are_hidden_until_the_specialist_submits(cast, case, meeting, client_for):
    services.opinion_submit(case=case, meeting=meeting, author=cast.surgeon, **SURGERY)
    rad = cast.specialists["radiation_oncology"]
    client = client_for(rad)
    page = text(client.get(form_url(meeting, case)))
    assert "Other opinions are hidden until you submit yours" in page
    assert SURGERY["rationale"] not in page
    services.opinion_submit(case=case, meeting=meeting, author=rad, **RADIATION)
    page = text(client.get(form_url(meeting, case)))
    assert "Other opinions are hidden" not in page
    assert SURGERY["rationale"] in page


# --- the form: writing ------------------------------------------------------------------------


def test_valid_post_saves_and_redirects(cast, case, meeting, client_for):
    client = client_for(cast.surgeon)
    response = client.post(form_url(meeting, case), post_data())
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert (opinion.author, opinion.revision, opinion.options) == (
        cast.surgeon,
        1,
        ["separation_surgery"],
    )
    page = text(client.get(form_url(meeting, case)))
    assert 'name="revision" value="1"' in page
    response = client.post(
        form_url(meeting, case), post_data(revision="1", rationale="Revised view.")
    )
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert (opinion.revision, opinion.rationale) == (2, "Revised view.")


def test_invalid_post_shows_errors_and_writes_nothing(cast, case, meeting, client_for):
    response = client_for(cast.surgeon).post(
        form_url(meeting, case), post_data(options=[], rationale="")
    )
    assert response.status_code == 200
    page = text(response)
    assert "Nothing was saved" in page
    assert "Choose at least one option." in page
    assert not Opinion.objects.exists()


def test_service_refusal_is_shown_on_the_field(cast, case, meeting, client_for):
    response = client_for(cast.surgeon).post(
        form_url(meeting, case), post_data(options=["no_surgery", "separation_surgery"])
    )
    assert response.status_code == 200
    assert "cannot be combined with other options" in text(response)
    assert not Opinion.objects.exists()


def test_regimen_missing_is_a_form_error(cast, case, meeting, client_for):
    response = client_for(cast.specialists["radiation_oncology"]).post(
        form_url(meeting, case), post_data(options=["cebrt"], regimen="")
    )
    assert response.status_code == 200
    assert "Choose a regimen" in text(response)
    assert not Opinion.objects.exists()


def test_stale_revision_shows_the_current_values(cast, case, meeting, client_for):
    opinion = services.opinion_submit(case=case, meeting=meeting, author=cast.surgeon, **SURGERY)
    services.opinion_revise(
        opinion=opinion, by=cast.surgeon, expected_revision=1, details="Saved in another tab."
    )
    response = client_for(cast.surgeon).post(
        form_url(meeting, case), post_data(revision="1", details="Typed in this tab.")
    )
    assert response.status_code == 200
    page = text(response)
    assert "Someone changed this opinion since you opened it" in page
    assert "Saved in another tab." in page  # the current version
    assert "Typed in this tab." in page  # what the user typed is kept
    assert 'name="revision" value="2"' in page
    opinion.refresh_from_db()
    assert (opinion.revision, opinion.details) == (2, "Saved in another tab.")


def test_after_the_meeting_starts_the_form_is_closed(cast, case, meeting, client_for):
    services.opinion_submit(case=case, meeting=meeting, author=cast.surgeon, **SURGERY)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.IN_PROGRESS)
    client = client_for(cast.surgeon)
    page = text(client.get(form_url(meeting, case)))
    assert 'name="rationale"' not in page
    assert "meeting has started" in page
    response = client.post(form_url(meeting, case), post_data(revision="1", rationale="Late."))
    assert response.status_code == 302
    assert Opinion.objects.get().rationale == SURGERY["rationale"]


def test_an_overlong_rationale_is_a_form_error_and_the_field_says_its_limit(
    cast, case, meeting, client_for
):
    client = client_for(cast.surgeon)
    assert f'maxlength="{bounds.LONG_TEXT}"' in text(client.get(form_url(meeting, case)))
    response = client.post(
        form_url(meeting, case), post_data(rationale="x" * (bounds.LONG_TEXT + 1))
    )
    assert response.status_code == 200  # the form again, with its error
    assert f"at most {bounds.LONG_TEXT} characters" in text(response)
    assert not Opinion.objects.exists()
