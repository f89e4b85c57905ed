import datetime as dt
from io import StringIO
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cases.models import Case, Patient, PriorTreatment, SpinalLesion
from clinical.sins import sins
from clinical.tokuhashi import tokuhashi_revised
from clinical.tomita import tomita
from recommendations.models import ConsensusPlan, PatientSummary
from scheduling.models import AgendaItem, Board, BoardMembership, Meeting, SpecialistProfile
from tests.factories import UserFactory
from tumorboard import demo, roles
from tumorboard.demo.seed import _at, _next_weekday

pytestmark = pytest.mark.django_db

User = get_user_model()
LONDON = ZoneInfo("Europe/London")

EXPECTED_PATIENTS = {
    "DEMO-0001": ("Walter", 64, "male", "renal_cell"),
    "DEMO-0002": ("Grace", 52, "female", "breast"),
    "DEMO-0003": ("Henry", 71, "male", "prostate"),
    "DEMO-0004": ("Nora", 66, "female", "lung_nsclc"),
    "DEMO-0005": ("Samuel", 58, "male", "myeloma"),
    "DEMO-0006": ("Iris", 45, "female", "melanoma"),
    "DEMO-0007": ("Victor", 69, "male", "colorectal"),
    "DEMO-0008": ("Alice", 60, "female", "thyroid"),
    "DEMO-0009": ("Bruno", 73, "male", "liver"),
    "DEMO-0010": ("Leo", 38, "male", "lymphoma"),
}
EXPECTED_USERS = {
    # username: (groups, membership role, discipline)
    "coordinator": ({"coordinator"}, "coordinator", None),
    "chair": ({"chair", "specialist"}, "chair", "medical_oncology"),
    "surgeon": ({"specialist"}, "member", "spine_surgery"),
    "radonc": ({"specialist"}, "member", "radiation_oncology"),
    "medonc": ({"specialist"}, "member", "medical_oncology"),
    "pain": ({"specialist"}, "member", "pain_medicine"),
    "rehab": ({"specialist"}, "member", "rehabilitation"),
    "patient": ({"patient"}, None, None),
}
TRACKED_MODELS = [
    User,
    Board,
    BoardMembership,
    SpecialistProfile,
    Patient,
    Case,
    SpinalLesion,
    PriorTreatment,
    Meeting,
    AgendaItem,
]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    return out.getvalue()


def case_of(mrn: str) -> Case:
    return Case.objects.get(patient__mrn=mrn)


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def counts() -> dict[str, int]:
    models = [
        *TRACKED_MODELS,
        *(m for m in apps.get_models() if m.__name__.startswith("Historical")),
    ]
    return {m.__name__: m.objects.count() for m in models} | {
        "groups": User.groups.through.objects.count()
    }


@pytest.fixture
def seeded(db):
    return seed()


def test_seed_creates_the_ten_patients_each_with_one_case(seeded):
    today = timezone.localdate()
    patients = {p.mrn: p for p in Patient.objects.all()}
    assert set(patients) == set(EXPECTED_PATIENTS)
    for mrn, (given, age, sex, primary) in EXPECTED_PATIENTS.items():
        patient = patients[mrn]
        assert (patient.given_name, patient.family_name, patient.sex) == (given, "Demo", sex)
        assert age_on(patient.date_of_birth, today) == age
        (case,) = patient.cases.all()
        assert case.primary_site == primary
        assert case.board.name == "Spine Oncology Board"
        assert case.goals_reported_by == Case.GoalsReporter.PATIENT
        assert case.goals_ranked and case.goals_notes
        assert case.kps is not None and case.ecog is not None and case.pain_score is not None
        for lesion in case.lesions.all():
            assert today - dt.timedelta(days=7) <= lesion.imaging_date < today


def test_seed_sets_urgency_status_and_fitness_from_the_table(seeded):
    urgency = dict(Case.objects.values_list("patient__mrn", "urgency"))
    assert urgency.pop("DEMO-0001") == Case.Urgency.URGENT
    assert urgency.pop("DEMO-0010") == Case.Urgency.EMERGENCY
    assert set(urgency.values()) == {Case.Urgency.ROUTINE}
    status = dict(Case.objects.values_list("patient__mrn", "status"))
    scheduled = {f"DEMO-{n:04d}" for n in (1, 2, 3, 4, 5, 6, 10)}
    assert {m for m, s in status.items() if s == Case.Status.SCHEDULED} == scheduled
    decided = {f"DEMO-{n:04d}" for n in demo.data.DECIDED_AGENDA}
    assert decided == {"DEMO-0007", "DEMO-0008", "DEMO-0009"}
    assert {m for m, s in status.items() if s == Case.Status.PLAN_SIGNED} == decided
    assert case_of("DEMO-0009").fit_for_surgery is False
    assert case_of("DEMO-0009").histology_confirmed is False
    assert case_of("DEMO-0001").fit_for_surgery is True
    walter = case_of("DEMO-0001")
    assert (walter.kps, walter.frankel_grade, walter.neuro_progression) == (70, "D", "days")
    assert walter.goals_ranked == ["walking", "independence"]
    assert walter.clinical_question == "Separation surgery then SBRT, or radiotherapy alone?"
    leo = case_of("DEMO-0010")
    assert (leo.frankel_grade, leo.kps, leo.ambulatory) == ("C", 60, False)


def test_case_1_lesion_findings_as_stated(seeded):
    (lesion,) = case_of("DEMO-0001").lesions.all()
    assert lesion.level == "T10"
    assert lesion.pain == "mechanical"
    assert lesion.bone_lesion == "lytic"
    assert lesion.collapse == "under_50"
    assert lesion.posterolateral == "unilateral"
    assert lesion.alignment == "normal"
    assert lesion.escc_grade == "3"
    assert lesion.imaging_modality == "mri"


@pytest.mark.parametrize(
    ("mrn", "level", "total", "escc"),
    [
        ("DEMO-0001", "T10", 9, "3"),
        ("DEMO-0002", "L2", 3, "0"),
        ("DEMO-0004", "T12", 16, "1b"),
        ("DEMO-0006", "L1", 11, "1c"),
    ],
)
def test_stated_sins_totals_follow_from_the_findings(seeded, mrn, level, total, escc):
    lesion = case_of(mrn).lesions.get(level=level)
    result = sins(
        location=lesion.level,
        pain=lesion.pain,
        bone_lesion=lesion.bone_lesion,
        alignment=lesion.alignment,
        collapse=lesion.collapse,
        posterolateral=lesion.posterolateral,
    )
    assert result.total == total
    assert lesion.escc_grade == escc


TOKUHASHI_VISCERAL = {"none": "none", "removable": "removable"}


@pytest.mark.parametrize(("mrn", "total"), [("DEMO-0004", 6), ("DEMO-0008", 15)])
def test_stated_tokuhashi_scores_follow_from_the_case(seeded, mrn, total):
    case = case_of(mrn)
    result = tokuhashi_revised(
        kps=case.kps,
        extraspinal_bone_mets=case.extraspinal_bone_mets,
        vertebral_body_mets=case.vertebral_body_mets,
        visceral_mets=TOKUHASHI_VISCERAL.get(case.visceral_mets, "unremovable"),
        primary=case.primary_site,
        frankel=case.frankel_grade,
    )
    assert result.total == total


def test_stated_tomita_score_for_case_8(seeded):
    case = case_of("DEMO-0008")
    result = tomita(
        primary=case.primary_site, visceral_mets=case.visceral_mets, bone_mets="solitary"
    )
    assert result.total == 2


def test_case_7_prior_radiation(seeded):
    (treatment,) = case_of("DEMO-0007").prior_treatments.all()
    assert (treatment.kind, treatment.level_from, treatment.level_to) == ("radiation", "L5", "S1")
    assert (treatment.dose_gy, treatment.fractions) == (20, 5)
    months = (timezone.localdate() - treatment.treated_on).days / 30.4
    assert 7.5 < months < 8.5


def test_users_roles_memberships_and_profiles(seeded):
    board = Board.objects.get(name="Spine Oncology Board")
    assert board.time_zone == "Europe/London"
    assert board.required_disciplines == ["spine_surgery", "radiation_oncology", "medical_oncology"]
    assert set(User.objects.values_list("username", flat=True)) == set(EXPECTED_USERS)
    for username, (groups, membership, discipline) in EXPECTED_USERS.items():
        user = User.objects.get(username=username)
        assert user.check_password(demo.DEMO_PASSWORD)
        assert roles.user_roles(user) == groups
        memberships = set(
            BoardMembership.objects.filter(user=user, board=board).values_list("role", flat=True)
        )
        assert memberships == ({membership} if membership else set())
        profile = SpecialistProfile.objects.filter(user=user).first()
        assert (profile.discipline if profile else None) == discipline
        if profile:
            assert "fictional" in profile.title
    patient_user = User.objects.get(username="patient")
    assert patient_user.patient_record.mrn == "DEMO-0001"


def test_writes_are_attributed_to_the_coordinator_with_history(seeded):
    coordinator = User.objects.get(username="coordinator")
    assert set(Case.objects.values_list("created_by", flat=True)) == {coordinator.pk}
    assert set(AgendaItem.objects.values_list("created_by", flat=True)) == {coordinator.pk}
    walter = case_of("DEMO-0001")
    # created (referred), then ready, then scheduled: three history rows by the coordinator
    assert [h.status for h in walter.history.order_by("history_id")] == [
        "referred",
        "ready",
        "scheduled",
    ]
    assert {h.history_user_id for h in walter.history.all()} == {coordinator.pk}
    assert Patient.history.filter(history_user=coordinator).count() >= 10


def test_regular_meeting_next_tuesday_with_cases_1_to_6_case_1_first(seeded):
    meeting = Meeting.objects.get(kind=Meeting.Kind.REGULAR, starts_at__gt=timezone.now())
    local = timezone.localtime(meeting.starts_at, LONDON)
    today = timezone.localdate()
    assert local.weekday() == 1  # Tuesday
    assert (local.hour, local.minute) == (7, 30)
    assert 1 <= (local.date() - today).days <= 7
    assert meeting.ends_at - meeting.starts_at == dt.timedelta(minutes=60)
    assert meeting.status == Meeting.Status.PLANNED
    agenda = list(meeting.agenda_items.values_list("position", "case__patient__mrn"))
    assert agenda == [(n, f"DEMO-{n:04d}") for n in range(1, 7)]


def test_urgent_ad_hoc_meeting_tomorrow_holds_case_10(seeded):
    meeting = Meeting.objects.get(kind=Meeting.Kind.AD_HOC)
    local = timezone.localtime(meeting.starts_at, LONDON)
    assert local.date() == timezone.localdate() + dt.timedelta(days=1)
    assert (local.hour, local.minute) == (12, 30)
    assert list(meeting.agenda_items.values_list("position", "case__patient__mrn")) == [
        (1, "DEMO-0010")
    ]
    assert Meeting.objects.count() == 3  # and last week's, which decided cases 7-9


def test_running_twice_duplicates_nothing(seeded):
    before = counts()
    assert before["Patient"] == 10 and before["AgendaItem"] == 10
    output = seed()
    assert counts() == before
    assert "nothing new was created" in output


def test_existing_user_keeps_password_and_gets_the_demo_membership(db):
    roles.ensure_role_groups()
    UserFactory(username="chair", roles=[roles.CHAIR])
    seed()
    chair = User.objects.get(username="chair")
    assert chair.check_password("pw-test-1234")
    assert not chair.check_password(demo.DEMO_PASSWORD)
    assert chair.board_memberships.get().role == "chair"


def test_output_lists_each_role_login_and_the_address(seeded):
    lines = seeded.splitlines()
    for role, username in [
        ("coordinator", "coordinator"),
        ("chair (medical oncology)", "chair"),
        ("specialist (spine surgery)", "surgeon"),
        ("specialist (radiation oncology)", "radonc"),
        ("specialist (medical oncology)", "medonc"),
        ("specialist (pain medicine)", "pain"),
        ("specialist (rehabilitation)", "rehab"),
        ("patient (case 1)", "patient"),
    ]:
        row = [line.split() for line in lines if line.strip().startswith(role)]
        assert row == [[*role.split(), username, "demo-pass-2026"]]
    assert "http://127.0.0.1:8000/" in seeded
    assert "local demo only" in seeded
    assert seeded.startswith("Demo data created: 8 users, 1 board, ")


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 6, 1), dt.date(2026, 6, 2)),  # Monday -> tomorrow
        (dt.date(2026, 6, 2), dt.date(2026, 6, 9)),  # Tuesday -> a week later, never today
        (dt.date(2026, 6, 6), dt.date(2026, 6, 9)),  # Saturday
    ],
)
def test_next_tuesday(today, expected):
    assert _next_weekday(today, 1) == expected


def test_meeting_time_is_wall_clock_in_london_across_summer_time():
    assert _at(dt.date(2026, 7, 7), dt.time(7, 30), "Europe/London").astimezone(
        dt.UTC
    ) == dt.datetime(2026, 7, 7, 6, 30, tzinfo=dt.UTC)
    assert _at(dt.date(2026, 1, 6), dt.time(7, 30), "Europe/London").astimezone(
        dt.UTC
    ) == dt.datetime(2026, 1, 6, 7, 30, tzinfo=dt.UTC)


def test_a_rerun_on_a_later_day_adds_no_empty_meetings(seeded):
    before = counts()
    later = timezone.now() + dt.timedelta(days=9)
    with mock.patch("django.utils.timezone.now", return_value=later):
        seed()
    assert counts() == before


@pytest.mark.django_db
def test_seeding_on_a_monday_puts_both_meetings_on_tuesday_without_overlap():
    monday = dt.datetime(2030, 6, 3, 9, 0, tzinfo=dt.UTC)  # a Monday
    with mock.patch("django.utils.timezone.now", return_value=monday):
        seed()
    meetings = list(Meeting.objects.filter(starts_at__gt=monday).order_by("starts_at"))
    assert len(meetings) == 2
    assert meetings[0].ends_at <= meetings[1].starts_at
    assert {m.starts_at.date() for m in meetings} == {dt.date(2030, 6, 4)}


def test_last_weeks_meeting_signed_three_plans_and_released_both_languages(seeded):
    """Issue 13: a new user sees the patient's side at once; the plans went through the decision
    services (record, plan, the chair's signature) and the summaries through release."""
    chair = User.objects.get(username="chair")
    board = Board.objects.get(name=demo.BOARD_NAME)
    assert (board.care_team_phone, board.out_of_hours_phone) == (
        demo.data.CARE_TEAM_PHONE,
        demo.data.OUT_OF_HOURS_PHONE,
    )
    past = Meeting.objects.get(starts_at__lt=timezone.now())
    assert past.status == Meeting.Status.CLOSED
    assert not past.agenda_items.filter(is_open=True).exists()
    assert (timezone.localdate() - timezone.localtime(past.starts_at, LONDON).date()).days == 7
    plans = ConsensusPlan.objects.filter(decision__agenda_item__meeting=past)
    assert plans.count() == 3
    for plan in plans:
        assert plan.status == ConsensusPlan.Status.SIGNED and plan.signed_by == chair
        assert plan.outcome == ConsensusPlan.Outcome.AGREED and plan.activities.exists()
        released = plan.patient_summaries.filter(status=PatientSummary.Status.RELEASED)
        assert sorted(released.values_list("language", flat=True)) == ["en", "es"]
        for summary in released:
            assert summary.released_by == chair
            assert board.care_team_phone in summary.body
            assert board.out_of_hours_phone in summary.body
    victor = case_of("DEMO-0007").lesions.get()
    assert victor.radiculopathy is True  # right S1 root compressed
    before = (ConsensusPlan.objects.count(), PatientSummary.objects.count())
    seed()
    assert (ConsensusPlan.objects.count(), PatientSummary.objects.count()) == before


def test_seed_demo_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", stdout=StringIO())
    assert not Case.objects.exists()
    seed()  # --force
    assert Case.objects.count() == 10
    settings.DEBUG = True  # `make run`: no --force needed, and nothing is created twice
    call_command("seed_demo", stdout=StringIO())
    assert Case.objects.count() == 10
