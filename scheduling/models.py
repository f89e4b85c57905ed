"""Boards, their members and disciplines, meetings and agendas."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from tumorboard.db import PublicIdModel, TrackedModel


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


CORE_DISCIPLINES = (
    Discipline.SPINE_SURGERY,
    Discipline.RADIATION_ONCOLOGY,
    Discipline.MEDICAL_ONCOLOGY,
    Discipline.PAIN_MEDICINE,
    Discipline.REHABILITATION,
)


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
        return f"{self.user.get_full_name() or self.user.username} ({self.get_discipline_display()})"


class Board(PublicIdModel, TrackedModel):
    """A standing multidisciplinary board, with the clinical settings it decides for itself."""

    class IntermediateHistology(models.TextChoices):
        SENSITIVE = "sensitive", "Treat as radiosensitive for cEBRT (project default)"
        RESISTANT = "resistant", "Treat as radioresistant"

    name = models.CharField(max_length=200, unique=True)
    time_zone = models.CharField(max_length=64, default="Europe/London")
    required_disciplines = models.JSONField(
        default=list, blank=True, help_text="Disciplines whose presence makes quorum."
    )
    # Decision-support settings (REFERENCE.md: disputed points are the board's call).
    escc_1c_high_grade = models.BooleanField(
        default=False, help_text="Group Bilsky grade 1c with high-grade compression."
    )
    intermediate_histology = models.CharField(
        max_length=16, choices=IntermediateHistology.choices, default=IntermediateHistology.SENSITIVE
    )
    sbrt_regimens = models.JSONField(default=list, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="BoardMembership",
        through_fields=("board", "user"),
        related_name="boards",
    )

    history = HistoricalRecords()

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
            models.UniqueConstraint(fields=["board", "user", "role"], name="membership_unique_role"),
        ]
        indexes = [models.Index(fields=["user", "role"], name="membership_user_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} – {self.board} ({self.role})"


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
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.REGULAR)
    location = models.CharField(max_length=200, blank=True)
    video_link = models.URLField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"
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

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case"], name="agenda_one_item_per_case"),
            models.CheckConstraint(
                condition=Q(minutes_allotted__gte=1) & Q(minutes_allotted__lte=120),
                name="agenda_minutes_range",
            ),
        ]
        indexes = [models.Index(fields=["case"], name="agenda_case_idx")]

    def __str__(self) -> str:
        return f"{self.meeting} #{self.position}"
