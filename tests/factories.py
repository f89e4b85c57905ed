"""factory_boy factories for the fixed cast and clinical records (all fictional)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from cases.models import Case, Patient, PriorTreatment, SpinalLesion
from scheduling.models import AgendaItem, Board, BoardMembership, Meeting, SpecialistProfile

User = get_user_model()

# The cast's board meets in London.
LONDON = ZoneInfo("Europe/London")


def in_days(days: int, hour: int = 7, minute: int = 30) -> dt.datetime:
    """`days` from today at hour:minute on London's clock (e.g. a meeting's start)."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pw-test-1234")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get_or_create(name=name)[0])
        if create:
            self.save()


CARE_TEAM_PHONE = "020 7946 0123"
OUT_OF_HOURS_PHONE = "020 7946 0999"
# A line of a hand-edited summary that still gives the board's numbers (needed to release it).
CALL = f"Call {CARE_TEAM_PHONE}; at night, {OUT_OF_HOURS_PHONE}."


class BoardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Board
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Spine Board {n}")
    time_zone = "Europe/London"
    required_disciplines = ["spine_surgery", "radiation_oncology", "medical_oncology"]
    # Fictional numbers (Ofcom's drama range), needed before a patient summary is released.
    care_team_phone = CARE_TEAM_PHONE
    out_of_hours_phone = OUT_OF_HOURS_PHONE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardMembership

    board = factory.SubFactory(BoardFactory)
    user = factory.SubFactory(UserFactory)
    role = BoardMembership.Role.MEMBER


class SpecialistProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpecialistProfile

    user = factory.SubFactory(UserFactory)
    discipline = "spine_surgery"


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    mrn = factory.Sequence(lambda n: f"TEST-{n:06d}")
    given_name = factory.Sequence(lambda n: f"Given{n}")
    family_name = factory.Sequence(lambda n: f"Family{n}")
    date_of_birth = dt.date(1960, 5, 17)
    sex = Patient.Sex.FEMALE


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    patient = factory.SubFactory(PatientFactory)
    board = factory.SubFactory(BoardFactory)
    referring_clinician = "Dr Referrer"
    clinical_question = "Separation surgery then SBRT, or radiotherapy alone?"
    primary_site = "renal_cell"
    status_changed_at = factory.LazyFunction(timezone.now)


class LesionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpinalLesion

    case = factory.SubFactory(CaseFactory)
    level = "T10"
    imaging_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=3))
    pain = "mechanical"
    bone_lesion = "lytic"
    alignment = "normal"
    collapse = "under_50"
    posterolateral = "unilateral"
    escc_grade = "3"


class PriorTreatmentFactory(factory.django.DjangoModelFactory):
    """Palliative radiation eight months ago, 20 Gy/5 (demo case 7's course)."""

    class Meta:
        model = PriorTreatment

    case = factory.SubFactory(CaseFactory)
    kind = PriorTreatment.Kind.RADIATION
    level_from = "T10"
    level_to = ""
    treated_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=243))
    dose_gy = Decimal("20.00")
    fractions = 5


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    board = factory.SubFactory(BoardFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=5))
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + dt.timedelta(hours=1))
    location = "Seminar room 2"


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    case = factory.SubFactory(CaseFactory)
    position = factory.Sequence(lambda n: n + 1)
