"""Opinions: what may be written (services) and who may read what (selectors, the blind rule)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from recommendations.models import Opinion
from recommendations.opinions import selectors, services
from scheduling.models import Invitation, Meeting
from tests.factories import AgendaItemFactory, CaseFactory, LesionFactory, MeetingFactory
from tumorboard.errors import ApplicationError, ConflictError

pytestmark = pytest.mark.django_db

SURGERY = {
    "options": ["separation_surgery"],
    "rationale": "High-grade ESCC in a radioresistant primary: decompress, then SBRT.",
    "confidence": "high",
    "urgency": "urgent",
}
RADIATION = {
    "options": ["sbrt"],
    "regimen": "24 Gy/2",
    "rationale": "Separation then SBRT 24 Gy/2.",
    "confidence": "moderate",
}


def opinion_fields(discipline: str = "spine_surgery") -> dict:
    return dict(SURGERY if discipline == "spine_surgery" else RADIATION)


@pytest.fixture
def meeting(cast):
    return MeetingFactory(board=cast.board)


@pytest.fixture
def case(cast, meeting):
    case = CaseFactory(board=cast.board)
    AgendaItemFactory(meeting=meeting, case=case)
    return case


def submit(user, case, meeting, **fields):
    discipline = user.specialist_profile.discipline
    return services.opinion_submit(
        case=case, meeting=meeting, author=user, **(opinion_fields(discipline) | fields)
    )


def start(meeting, **changes):
    changes = changes or {"status": Meeting.Status.IN_PROGRESS}
    Meeting.objects.filter(pk=meeting.pk).update(**changes)
    meeting.refresh_from_db()


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


# --- the blind rule ---------------------------------------------------------------------------


def visible(user, case, meeting) -> set:
    return {o.author.username for o in selectors.opinions_visible_to(user, case, meeting)}


def test_specialist_sees_no_others_before_giving_their_own(cast, case, meeting):
    rad = cast.specialists["radiation_oncology"]
    submit(cast.surgeon, case, meeting)
    assert visible(rad, case, meeting) == set()
    assert selectors.opinion_visibility(rad, case, meeting) is selectors.Visibility.OWN
    submit(rad, case, meeting)
    assert visible(rad, case, meeting) == {"spec_spine_surgery", "spec_radiation_oncology"}


@pytest.mark.parametrize("who", ["coordinator", "chair"])
def test_coordinator_and_chair_always_see_all(cast, case, meeting, who):
    submit(cast.surgeon, case, meeting)
    assert visible(getattr(cast, who), case, meeting) == {"spec_spine_surgery"}


def test_with_blinding_off_everyone_on_the_board_sees_all(cast, case, meeting):
    cast.board.opinions_blind = False
    cast.board.save()
    case.board.refresh_from_db()
    submit(cast.surgeon, case, meeting)
    assert visible(cast.specialists["radiation_oncology"], case, meeting) == {"spec_spine_surgery"}


def test_once_the_meeting_starts_everyone_on_the_board_sees_all(cast, case, meeting):
    submit(cast.surgeon, case, meeting)
    rad = cast.specialists["radiation_oncology"]
    assert visible(rad, case, meeting) == set()
    start(meeting)
    assert visible(rad, case, meeting) == {"spec_spine_surgery"}


@pytest.mark.parametrize("who", ["outsider", "patient_user", "stranger"])
def test_outsiders_read_no_opinions(cast, case, meeting, who):
    submit(cast.surgeon, case, meeting)
    cast.board.opinions_blind = False
    cast.board.save()
    assert visible(getattr(cast, who), case, meeting) == set()
    opinion = Opinion.objects.get()
    with pytest.raises(Opinion.DoesNotExist):
        selectors.opinion_detail(user=getattr(cast, who), uuid=opinion.uuid)


def test_hidden_opinion_detail_is_not_found_for_a_blinded_specialist(cast, case, meeting):
    opinion = submit(cast.surgeon, case, meeting)
    rad = cast.specialists["radiation_oncology"]
    with pytest.raises(Opinion.DoesNotExist):
        selectors.opinion_detail(user=rad, uuid=opinion.uuid)
    submit(rad, case, meeting)
    assert selectors.opinion_detail(user=rad, uuid=opinion.uuid) == opinion


# --- who still owes an opinion, my agenda -----------------------------------------------------


def test_without_invitations_every_specialist_member_owes_an_opinion(cast, case, meeting):
    submit(cast.surgeon, case, meeting)
    missing = selectors.specialists_missing_opinions(meeting)
    owing = {(m.user.username, m.case.pk) for m in missing}
    assert owing == {
        ("chair", case.pk),
        ("spec_radiation_oncology", case.pk),
        ("spec_medical_oncology", case.pk),
        ("spec_pain_medicine", case.pk),
        ("spec_rehabilitation", case.pk),
    }
    user, owed_case = missing[0]  # unpacks as a (user, case) pair
    assert owed_case == case


def test_with_invitations_only_expected_invitees_owe_opinions(cast, case, meeting):
    rad, onc = cast.specialists["radiation_oncology"], cast.specialists["medical_oncology"]
    Invitation.objects.create(meeting=meeting, user=cast.surgeon, discipline="spine_surgery")
    Invitation.objects.create(
        meeting=meeting, user=rad, discipline="radiation_oncology", response="accepted"
    )
    Invitation.objects.create(
        meeting=meeting, user=onc, discipline="medical_oncology", response="declined"
    )
    Invitation.objects.create(meeting=meeting, user=cast.coordinator)  # gives no opinions
    submit(rad, case, meeting)
    missing = selectors.specialists_missing_opinions(meeting)
    assert [(m.user, m.case, m.discipline) for m in missing] == [
        (cast.surgeon, case, "spine_surgery")
    ]


def test_my_agenda_lists_upcoming_cases_with_own_opinion_and_missing_data(cast, case, meeting):
    LesionFactory(case=case, imaging_modality="mri")
    other_board_case = CaseFactory(board=cast.other_board)
    AgendaItemFactory(meeting=MeetingFactory(board=cast.other_board), case=other_board_case)
    past = MeetingFactory(
        board=cast.board,
        starts_at=timezone.now() - dt.timedelta(days=1),
        status=Meeting.Status.CLOSED,
    )
    AgendaItemFactory(meeting=past, case=CaseFactory(board=cast.board), is_open=False)

    agendas = selectors.my_agenda(cast.surgeon)
    assert [a.meeting for a in agendas] == [meeting]
    [entry] = agendas[0].cases
    assert entry.case == case
    assert entry.opinion is None
    assert entry.expected is True
    assert "Performance status (KPS or ECOG)" in entry.missing

    submit(cast.surgeon, case, meeting)
    [entry] = selectors.my_agenda(cast.surgeon)[0].cases
    assert entry.opinion.revision == 1


def test_my_agenda_is_empty_for_patients_and_outsiders(cast, case, meeting):
    assert selectors.my_agenda(cast.patient_user) == []
    assert selectors.my_agenda(cast.outsider) == []
