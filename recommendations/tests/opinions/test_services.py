"""Opinions: what may be written and by whom (services)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from recommendations.models import Opinion
from recommendations.opinions import services
from recommendations.tests.opinions.helpers import SURGERY, start, submit
from scheduling.models import Meeting
from tests.factories import CaseFactory
from tumorboard.errors import ApplicationError, ConflictError

pytestmark = pytest.mark.django_db


# --- writing ----------------------------------------------------------------------------------


def test_submit_creates_revision_one_in_the_authors_discipline(cast, case, meeting):
    opinion = submit(cast.surgeon, case, meeting)
    opinion.refresh_from_db()
    assert opinion.revision == 1
    assert opinion.discipline == "spine_surgery"
    assert opinion.options == ["separation_surgery"]
    assert opinion.urgency == "urgent"
    assert opinion.created_by == cast.surgeon
    assert opinion.history.count() == 1
    assert opinion.history.first().history_user == cast.surgeon


def test_options_are_stored_in_the_order_of_the_list(cast, case, meeting):
    opinion = submit(
        cast.surgeon, case, meeting, options=["cement_augmentation", "separation_surgery"]
    )
    assert opinion.options == ["separation_surgery", "cement_augmentation"]


def test_second_submit_for_the_same_case_and_meeting_is_a_conflict(cast, case, meeting):
    submit(cast.surgeon, case, meeting)
    with pytest.raises(ConflictError):
        submit(cast.surgeon, case, meeting, rationale="Another view.")
    assert Opinion.objects.filter(author=cast.surgeon).count() == 1


def test_revise_increments_revision_and_keeps_history(cast, case, meeting):
    opinion = submit(cast.surgeon, case, meeting)
    revised = services.opinion_revise(
        opinion=opinion,
        by=cast.surgeon,
        expected_revision=1,
        options=["stabilisation_percutaneous"],
        rationale="On review: percutaneous stabilisation.",
    )
    assert revised.revision == 2
    revised.refresh_from_db()
    assert revised.options == ["stabilisation_percutaneous"]
    assert revised.confidence == "high"  # untouched fields keep their values
    versions = list(revised.history.order_by("history_date"))
    assert [v.revision for v in versions] == [1, 2]
    assert versions[0].options == ["separation_surgery"]
    assert versions[0].rationale.startswith("High-grade ESCC")
    assert versions[1].history_user == cast.surgeon


def test_revise_without_a_change_is_not_a_new_revision(cast, case, meeting):
    opinion = submit(cast.surgeon, case, meeting)
    same = services.opinion_revise(
        opinion=opinion, by=cast.surgeon, expected_revision=1, rationale=SURGERY["rationale"]
    )
    assert same.revision == 1
    assert opinion.history.count() == 1


def test_stale_revision_is_a_conflict_and_writes_nothing(cast, case, meeting):
    opinion = submit(cast.surgeon, case, meeting)
    services.opinion_revise(opinion=opinion, by=cast.surgeon, expected_revision=1, details="v2")
    with pytest.raises(services.StaleRevisionError) as caught:
        services.opinion_revise(
            opinion=opinion, by=cast.surgeon, expected_revision=1, details="other tab"
        )
    assert isinstance(caught.value, ConflictError)
    assert caught.value.current.revision == 2
    assert caught.value.current.details == "v2"
    opinion.refresh_from_db()
    assert (opinion.revision, opinion.details) == (2, "v2")


def test_revise_needs_the_revision_read(cast, case, meeting):
    opinion = submit(cast.surgeon, case, meeting)
    with pytest.raises(ApplicationError) as caught:
        services.opinion_revise(opinion=opinion, by=cast.surgeon, expected_revision=None)
    assert "revision" in caught.value.fields


def test_only_the_author_revises(cast, case, meeting):
    opinion = submit(cast.surgeon, case, meeting)
    submit(cast.specialists["radiation_oncology"], case, meeting)
    with pytest.raises(PermissionDenied):
        services.opinion_revise(
            opinion=opinion,
            by=cast.specialists["radiation_oncology"],
            expected_revision=1,
            rationale="Not mine to change.",
        )
    opinion.refresh_from_db()
    assert opinion.rationale == SURGERY["rationale"]


def test_opinion_save_creates_then_revises(cast, case, meeting):
    first = services.opinion_save(case=case, meeting=meeting, author=cast.surgeon, **SURGERY)
    assert first.revision == 1
    second = services.opinion_save(
        case=case, meeting=meeting, author=cast.surgeon, expected_revision=1, details="More."
    )
    assert (second.pk, second.revision, second.details) == (first.pk, 2, "More.")


def test_opinion_save_without_revision_when_one_exists_is_stale(cast, case, meeting):
    """A second tab opened before the first save carries no revision: it must not overwrite."""
    services.opinion_save(case=case, meeting=meeting, author=cast.surgeon, **SURGERY)
    with pytest.raises(services.StaleRevisionError):
        services.opinion_save(
            case=case, meeting=meeting, author=cast.surgeon, **(SURGERY | {"details": "tab 2"})
        )
    assert Opinion.objects.get(author=cast.surgeon).details == ""


@pytest.mark.parametrize(
    "changes",
    [
        {"status": Meeting.Status.IN_PROGRESS},
        {
            "starts_at": timezone.now() - dt.timedelta(minutes=5),
            "ends_at": timezone.now() + dt.timedelta(minutes=55),
        },
    ],
    ids=["in-progress", "start-time-passed"],
)
def test_after_the_meeting_starts_opinions_are_refused(cast, case, meeting, changes):
    opinion = submit(cast.surgeon, case, meeting)  # allowed before the start
    start(meeting, **changes)
    with pytest.raises(ConflictError, match="meeting has started"):
        services.opinion_revise(
            opinion=opinion, by=cast.surgeon, expected_revision=1, details="Too late."
        )
    with pytest.raises(ConflictError, match="meeting has started"):
        submit(cast.specialists["radiation_oncology"], case, meeting)
    opinion.refresh_from_db()
    assert opinion.revision == 1
    assert Opinion.objects.count() == 1


# --- what an opinion may say ------------------------------------------------------------------


def test_option_of_another_discipline_is_refused_with_a_field_error(cast, case, meeting):
    with pytest.raises(ApplicationError) as caught:
        submit(cast.surgeon, case, meeting, options=["sbrt"])
    assert "not an option for your discipline" in caught.value.fields["options"][0]
    assert not Opinion.objects.exists()


@pytest.mark.parametrize(
    "options",
    [[], ["no_surgery", "separation_surgery"], "separation_surgery"],
    ids=["empty", "none-with-surgery", "not-a-list"],
)
def test_options_must_be_a_coherent_nonempty_list(cast, case, meeting, options):
    with pytest.raises(ApplicationError) as caught:
        submit(cast.surgeon, case, meeting, options=options)
    assert caught.value.fields["options"]
    assert not Opinion.objects.exists()


def test_cebrt_and_sbrt_need_a_regimen_from_the_boards_lists(cast, case, meeting):
    rad = cast.specialists["radiation_oncology"]
    with pytest.raises(ApplicationError) as caught:
        submit(rad, case, meeting, options=["cebrt"], regimen="")
    assert "Choose a regimen" in caught.value.fields["regimen"][0]
    with pytest.raises(ApplicationError) as caught:
        submit(rad, case, meeting, options=["cebrt"], regimen="24 Gy/2")  # an SBRT regimen
    assert "not offered" in caught.value.fields["regimen"][0]
    opinion = submit(rad, case, meeting, options=["cebrt"], regimen="8 Gy x 1")
    assert opinion.regimen == "8 Gy x 1"


def test_sbrt_regimens_come_from_the_board_when_it_lists_its_own(cast, case, meeting):
    cast.board.sbrt_regimens = [{"total_dose_gy": 30, "fractions": 3}]
    cast.board.save()
    case.board.refresh_from_db()
    rad = cast.specialists["radiation_oncology"]
    with pytest.raises(ApplicationError) as caught:
        submit(rad, case, meeting, options=["sbrt"], regimen="24 Gy/2")
    assert "30 Gy/3" in caught.value.fields["regimen"][0]
    assert submit(rad, case, meeting, options=["sbrt"], regimen="30 Gy/3").regimen == "30 Gy/3"


def test_a_regimen_without_radiation_is_refused(cast, case, meeting):
    with pytest.raises(ApplicationError) as caught:
        submit(cast.surgeon, case, meeting, regimen="8 Gy x 1")
    assert "regimen" in caught.value.fields


def test_starting_systemic_therapy_needs_class_and_line(cast, case, meeting):
    onc = cast.specialists["medical_oncology"]
    fields = {"options": ["systemic_start"], "rationale": "Start TKI.", "confidence": "high"}
    with pytest.raises(ApplicationError) as caught:
        services.opinion_submit(case=case, meeting=meeting, author=onc, **fields)
    assert set(caught.value.fields) == {"systemic_class", "systemic_line"}
    with pytest.raises(ApplicationError) as caught:
        services.opinion_submit(
            case=case, meeting=meeting, author=onc, systemic_class="magic", **fields
        )
    assert "systemic_class" in caught.value.fields
    opinion = services.opinion_submit(
        case=case,
        meeting=meeting,
        author=onc,
        systemic_class="targeted",
        systemic_line=2,
        **fields,
    )
    assert (opinion.systemic_class, opinion.systemic_line) == ("targeted", 2)


def test_continuing_systemic_therapy_needs_a_class_but_no_line(cast, case, meeting):
    onc = cast.specialists["medical_oncology"]
    opinion = services.opinion_submit(
        case=case,
        meeting=meeting,
        author=onc,
        options=["systemic_continue"],
        systemic_class="endocrine",
        rationale="Responding.",
        confidence="moderate",
    )
    assert opinion.systemic_line is None


def test_rationale_and_confidence_are_required(cast, case, meeting):
    with pytest.raises(ApplicationError) as caught:
        submit(cast.surgeon, case, meeting, rationale="  ", confidence="")
    assert {"rationale", "confidence"} <= set(caught.value.fields)


# --- who may write ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["outsider", "coordinator", "patient_user", "stranger"])
def test_only_specialist_members_of_the_board_give_opinions(cast, case, meeting, who):
    with pytest.raises(PermissionDenied):
        services.opinion_submit(case=case, meeting=meeting, author=getattr(cast, who), **SURGERY)
    assert not Opinion.objects.exists()


def test_a_specialist_member_of_the_board_may(cast, case, meeting):
    assert submit(cast.surgeon, case, meeting).author == cast.surgeon


def test_case_not_on_the_meetings_agenda_is_refused(cast, meeting):
    elsewhere = CaseFactory(board=cast.board)
    with pytest.raises(ApplicationError) as caught:
        submit(cast.surgeon, elsewhere, meeting)
    assert "meeting" in caught.value.fields
    assert not Opinion.objects.exists()
