"""Opinions: who may read what (the blind rule), who still owes one, "my cases" (selectors)."""

import datetime as dt

import pytest
from django.utils import timezone

from recommendations.models import Opinion
from recommendations.opinions import selectors
from recommendations.tests.opinions.helpers import start, submit
from scheduling.models import Invitation, Meeting
from tests.factories import AgendaItemFactory, CaseFactory, LesionFactory, MeetingFactory

pytestmark = pytest.mark.django_db


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
