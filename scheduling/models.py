"""Boards, their members and disciplines, meetings and agendas."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from clinical.performance import KPS_VALUES
from clinical.systemic import (
    DEFAULT_ECOG_AT_LEAST,
    DEFAULT_KPS_AT_MOST,
    DEFAULT_SURVIVAL_UNDER_MONTHS,
)
from tumorboard import bounds
from tumorboard.db import PublicIdModel, TrackedModel

from .recurrence import describe_schedule

# When the board sees its patients again after the main treatment (days): 6 weeks, 3, 6 and
# 12 months (issue 16, "Outcomes"; a board setting).
DEFAULT_FOLLOW_UP_DAYS = [42, 91, 182, 365]
FOLLOW_UP_DAYS_MAX = 1825
FOLLOW_UP_TIMEPOINTS_MAX = 8
FOLLOW_UP_DAYS_HELP = (
    f"Days after the main treatment: whole numbers 1–{FOLLOW_UP_DAYS_MAX}, in increasing order, "
    f"each once, at most {FOLLOW_UP_TIMEPOINTS_MAX}."
)


def default_follow_up_days() -> list[int]:
    return list(DEFAULT_FOLLOW_UP_DAYS)


def validate_follow_up_days(value: object) -> None:
    """A board's follow-up schedule: sorted unique whole days 1–1825, at most 8 of them."""
    if (
        not isinstance(value, list)
        or not value
        or len(value) > FOLLOW_UP_TIMEPOINTS_MAX
        or any(isinstance(v, bool) or not isinstance(v, int) for v in value)
        or any(not 1 <= v <= FOLLOW_UP_DAYS_MAX for v in value)
        or any(a >= b for a, b in zip(value, value[1:], strict=False))
    ):
        raise ValidationError(FOLLOW_UP_DAYS_HELP, code="follow_up_days")


class Discipline(models.TextChoices):
    SPINE_SURGERY = "spine_surgery", "Spine surgery"
    RADIATION_ONCOLOGY = "radiation_oncology", "Radiation oncology"
    MEDICAL_ONCOLOGY = "medical_oncology", "Medical oncology"
    PAIN_MEDICINE = "pain_medicine", "Pain medicine"
    REHABILITATION = "rehabilitation", "Rehabilitation"
    RADIOLOGY = "radiology", "Radiology"
    PATHOLOGY = "pathology", "Pathology"
    PALLIATIVE_CARE = "palliative_care", "Palliative care"
    NURSING = "nursing", "Nursing"


class SpecialistProfile(TrackedModel):
    """The clinical discipline a user speaks for at the board."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="specialist_profile"
    )
    discipline = models.CharField(max_length=32, choices=Discipline.choices)
    title = models.CharField(max_length=120, blank=True, help_text="e.g. Consultant spine surgeon")

    history = HistoricalRecords()

    class Meta:
        indexes = [models.Index(fields=["discipline"], name="specialist_discipline_idx")]

    def __str__(self) -> str:
        return (
            f"{self.user.get_full_name() or self.user.username} ({self.get_discipline_display()})"
        )


class Board(PublicIdModel, TrackedModel):
    """A standing multidisciplinary board, with the clinical settings it decides for itself."""

    class IntermediateHistology(models.TextChoices):
        SENSITIVE = "sensitive", "Treat as radiosensitive for cEBRT (project default)"
        RESISTANT = "resistant", "Treat as radioresistant"

    name = models.CharField(max_length=200, unique=True)
    time_zone = models.CharField(
        max_length=64,
        default="Europe/London",
        help_text="The IANA time zone the board's people read the clock in, e.g. Europe/London.",
    )
    required_disciplines = models.JSONField(
        default=list, blank=True, help_text="Disciplines whose presence makes quorum."
    )
    quorum_min_present = models.PositiveSmallIntegerField(
        "quorum: members present at least",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="Quorum also needs at least this many members present (in person or remote).",
    )
    # Decision-support settings (REFERENCE.md: disputed points are the board's call).
    escc_1c_high_grade = models.BooleanField(
        default=False, help_text="Group Bilsky grade 1c with high-grade compression."
    )
    intermediate_histology = models.CharField(
        max_length=16,
        choices=IntermediateHistology.choices,
        default=IntermediateHistology.SENSITIVE,
    )
    sbrt_regimens = models.JSONField(
        default=list,
        blank=True,
        help_text='SBRT regimens offered, e.g. [{"total_dose_gy": 24, "fractions": 2}]; '
        "empty means the project list (clinical.regimens).",
    )
    # When NOMS's "too ill for any local treatment / very limited survival" row applies
    # (clinical.systemic): unconfirmed thresholds, the project defaults documented in
    # docs/scoring.md.
    too_ill_kps_at_most = models.PositiveSmallIntegerField(
        "too ill: Karnofsky at or below",
        default=DEFAULT_KPS_AT_MOST,
        choices=[(kps, str(kps)) for kps in KPS_VALUES],
        error_messages={"invalid_choice": "Karnofsky is 0–100 in steps of 10."},
        help_text="Unconfirmed threshold (project default 40).",
    )
    too_ill_ecog_at_least = models.PositiveSmallIntegerField(
        "too ill: ECOG at or above",
        default=DEFAULT_ECOG_AT_LEAST,
        validators=[MaxValueValidator(5)],
        help_text="Unconfirmed threshold (project default 3).",
    )
    too_ill_survival_under_months = models.PositiveSmallIntegerField(
        "too ill: expected survival under (months)",
        default=DEFAULT_SURVIVAL_UNDER_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Unconfirmed threshold (project default 3 months).",
    )
    opinions_blind = models.BooleanField(
        default=True,
        help_text="A specialist sees the others' opinions only after submitting their own.",
    )
    # Contact details every patient summary gives (required before one is released).
    care_team_phone = models.CharField(
        max_length=40, blank=True, help_text="The care team's phone number, for the patient."
    )
    out_of_hours_phone = models.CharField(
        max_length=40,
        blank=True,
        help_text="The number a patient calls out of hours (evenings, nights, weekends).",
    )
    # Coordination settings.
    mri_max_age_days = models.PositiveSmallIntegerField(
        "MRI age limit (days)",
        default=28,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="A spine MRI older than this makes a case not ready.",
    )
    mri_from_attachments = models.BooleanField(
        "MRI attachments count for readiness",
        default=False,
        help_text="The study date of an attached MRI (its DICOM date when none was given) counts "
        "as the case's spine MRI date for the MRI age limit.",
    )
    opinion_deadline_hours = models.PositiveSmallIntegerField(
        "opinion deadline (hours before the meeting)",
        default=24,
        validators=[MaxValueValidator(336)],
        help_text="Opinions are due this many hours before the meeting.",
    )
    agenda_circulation_hours = models.PositiveSmallIntegerField(
        "agenda circulation (hours before the meeting)",
        default=24,
        validators=[MaxValueValidator(336)],
        help_text="The agenda is circulated this many hours before the meeting.",
    )
    default_case_minutes = models.PositiveSmallIntegerField(
        "minutes per case",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="The time a case is given on the agenda unless changed.",
    )
    # The board's own targets for its results page (recommendations.dashboard): not published
    # rules; REFERENCE.md's one comparison is a median 16 days from meeting to treatment.
    target_referral_to_meeting_days = models.PositiveSmallIntegerField(
        "target: referral to meeting (days)",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="Routine and urgent cases are discussed within this many days of referral.",
    )
    target_urgent_hours = models.PositiveSmallIntegerField(
        "target: emergency (cord compression) referral to meeting (hours)",
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text="Emergency cases, such as cord compression, within this many hours (24–48).",
    )
    target_plan_signed_days = models.PositiveSmallIntegerField(
        "target: meeting to signed plan (days)",
        default=2,
        validators=[MinValueValidator(0), MaxValueValidator(30)],
        help_text="The chair signs the plan within this many days of the meeting.",
    )
    target_treatment_days = models.PositiveSmallIntegerField(
        "target: signed plan to first treatment (days)",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
        help_text="The first treatment starts within this many days of the signed plan.",
    )
    follow_up_days = models.JSONField(
        "follow-up schedule (days after the main treatment)",
        default=default_follow_up_days,
        validators=[validate_follow_up_days],
        help_text=FOLLOW_UP_DAYS_HELP,
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="BoardMembership",
        through_fields=("board", "user"),
        related_name="boards",
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(too_ill_kps_at_most__in=KPS_VALUES), name="board_too_ill_kps_steps"
            ),
            models.CheckConstraint(
                condition=Q(too_ill_ecog_at_least__lte=5), name="board_too_ill_ecog_range"
            ),
            models.CheckConstraint(
                condition=Q(too_ill_survival_under_months__gte=1)
                & Q(too_ill_survival_under_months__lte=120),
                name="board_too_ill_survival_range",
            ),
            models.CheckConstraint(
                condition=Q(quorum_min_present__gte=1) & Q(quorum_min_present__lte=50),
                name="board_quorum_min_present_range",
            ),
            models.CheckConstraint(
                condition=Q(mri_max_age_days__gte=1) & Q(mri_max_age_days__lte=365),
                name="board_mri_max_age_range",
            ),
            models.CheckConstraint(
                condition=Q(opinion_deadline_hours__lte=336) & Q(agenda_circulation_hours__lte=336),
                name="board_lead_times_range",
            ),
            models.CheckConstraint(
                condition=Q(default_case_minutes__gte=1) & Q(default_case_minutes__lte=120),
                name="board_case_minutes_range",
            ),
            models.CheckConstraint(
                condition=Q(target_referral_to_meeting_days__gte=1)
                & Q(target_referral_to_meeting_days__lte=90)
                & Q(target_urgent_hours__gte=1)
                & Q(target_urgent_hours__lte=168)
                & Q(target_plan_signed_days__lte=30)
                & Q(target_treatment_days__gte=1)
                & Q(target_treatment_days__lte=180),
                name="board_result_targets_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BoardMembership(TrackedModel):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        COORDINATOR = "coordinator", "Coordinator"
        CHAIR = "chair", "Chair"

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="board_memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["board", "user", "role"], name="membership_unique_role"
            ),
        ]
        indexes = [models.Index(fields=["user", "role"], name="membership_user_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} – {self.board} ({self.role})"


class BoardSchedule(TrackedModel):
    """A standing schedule ("Every Thursday at 07:30, Europe/London") that generates meetings.

    `recurrence` is an RFC 5545 RRULE without DTSTART (e.g. "FREQ=WEEKLY;BYDAY=TH"), built by
    `scheduling.recurrence.pattern_rule` from a weekday and a frequency (never typed); the local
    start time is read in the schedule's time zone, so meetings stay at 07:30 across
    daylight-saving changes while being stored in UTC.
    """

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="schedules")
    recurrence = models.CharField(max_length=200, default="FREQ=WEEKLY;BYDAY=TU")
    local_start_time = models.TimeField()
    time_zone = models.CharField(max_length=64, default="Europe/London")
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    starts_on = models.DateField(validators=[bounds.validate_meeting_time])
    location = models.CharField(max_length=200, blank=True)
    video_link = models.URLField(blank=True)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5) & Q(duration_minutes__lte=480),
                name="schedule_duration_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.board.name}: {self.description}"

    @property
    def description(self) -> str:
        """E.g. "Every Thursday at 07:30, Europe/London"."""
        return describe_schedule(
            recurrence=self.recurrence,
            local_start_time=self.local_start_time,
            time_zone=self.time_zone,
        )


class Meeting(PublicIdModel, TrackedModel):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    class Kind(models.TextChoices):
        REGULAR = "regular", "Regular"
        AD_HOC = "ad_hoc", "Ad-hoc (urgent)"

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField(validators=[bounds.validate_meeting_time])
    ends_at = models.DateTimeField(validators=[bounds.validate_meeting_time])
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.REGULAR)
    location = models.CharField(max_length=200, blank=True)
    video_link = models.URLField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    schedule = models.ForeignKey(
        BoardSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    agenda_circulated_at = models.DateTimeField(null=True, blank=True)
    # Booking more case-minutes than the meeting lasts needs an explicit, recorded override.
    overbooking_reason = models.CharField(max_length=300, blank=True)
    overbooking_allowed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overbooking_allowed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"
            ),
            # A cancelled meeting frees its slot for a replacement at the same time.
            models.UniqueConstraint(
                fields=["board", "starts_at"],
                condition=~Q(status="cancelled"),
                name="meeting_board_start_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["board", "starts_at"], name="meeting_board_start_idx"),
            models.Index(fields=["status", "starts_at"], name="meeting_status_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.board.name} – {self.starts_at:%Y-%m-%d %H:%M}"


class AgendaItem(TrackedModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveIntegerField()
    minutes_allotted = models.PositiveSmallIntegerField(default=10)
    added_late = models.BooleanField(
        default=False, help_text="Added after the agenda was circulated."
    )
    # True while the meeting is planned or in progress: a case sits on one open agenda at most.
    is_open = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case"], name="agenda_one_item_per_case"),
            models.UniqueConstraint(fields=["meeting", "position"], name="agenda_unique_position"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(is_open=True), name="agenda_case_on_one_open_meeting"
            ),
            models.CheckConstraint(
                condition=Q(minutes_allotted__gte=1) & Q(minutes_allotted__lte=120),
                name="agenda_minutes_range",
            ),
        ]
        indexes = [models.Index(fields=["case"], name="agenda_case_idx")]

    def __str__(self) -> str:
        return f"{self.meeting} #{self.position}"


class Invitation(TrackedModel):
    """A member invited to a meeting for their discipline, who accepts or declines."""

    class Response(models.TextChoices):
        PENDING = "pending", "No answer yet"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_invitations"
    )
    discipline = models.CharField(max_length=32, choices=Discipline.choices, blank=True)
    response = models.CharField(max_length=16, choices=Response.choices, default=Response.PENDING)
    responded_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="invitation_once_per_meeting")
        ]
        indexes = [models.Index(fields=["user", "response"], name="invitation_user_resp_idx")]

    def __str__(self) -> str:
        return f"{self.user} → {self.meeting}"


class Attendance(TrackedModel):
    """Who was at the meeting, and how; quorum is computed from these rows."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        REMOTE = "remote", "Remote"
        ABSENT = "absent", "Absent"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_attendance"
    )
    mode = models.CharField(max_length=16, choices=Mode.choices)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="attendance_once_per_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.meeting}: {self.mode}"


class Notification(models.Model):
    """A message to one person (in the app and by e-mail).

    `dedupe_key` names the thing it is about ("opinion-reminder:<meeting>:<user>:<case>"): the
    unique constraint means a reminder never goes out twice, even when its task runs twice.
    Subjects and bodies carry no patient names or MRNs; links use UUIDs.
    """

    class Kind(models.TextChoices):
        OPINION_REMINDER = "opinion_reminder", "Opinion reminder"
        AGENDA_CIRCULATED = "agenda_circulated", "Agenda circulated"
        CASE_DEFERRED = "case_deferred", "Case deferred"
        INVITATION = "invitation", "Invitation"
        CONFLICT = "conflict", "Meeting conflict"
        PLAN_ACTIVITY = "plan_activity", "Plan activity assigned"
        GENERAL = "general", "General"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    dedupe_key = models.CharField(max_length=200, unique=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["emailed_at"], name="notification_unsent_idx"),
        ]

    def __str__(self) -> str:
        return self.subject


class CalendarFeed(models.Model):
    """A user's secret calendar-subscription token (the URL is the credential; revocable)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"
