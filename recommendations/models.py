"""Specialist opinions and the Celery-prepared pre-meeting summaries built from them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from scheduling.models import Discipline
from tumorboard.db import PublicIdModel, TrackedModel


class Opinion(PublicIdModel, TrackedModel):
    """One specialist's structured view of one case for one meeting, given independently.

    Revisable until the meeting starts; every revision is kept in the history table. `revision`
    counts saves and is the optimistic-concurrency token the API exposes.
    """

    class Urgency(models.TextChoices):
        ROUTINE = "routine", "Routine"
        URGENT = "urgent", "Urgent (days)"
        EMERGENCY = "emergency", "Emergency (hours)"

    class Confidence(models.TextChoices):
        LOW = "low", "Low"
        MODERATE = "moderate", "Moderate"
        HIGH = "high", "High"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="opinions")
    meeting = models.ForeignKey(
        "scheduling.Meeting", on_delete=models.CASCADE, related_name="opinions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="opinions"
    )
    discipline = models.CharField(max_length=32, choices=Discipline.choices)
    options = models.JSONField(
        default=list, help_text="Recommended options, from the discipline's list."
    )
    regimen = models.CharField(
        max_length=60, blank=True, help_text="Radiation regimen, e.g. '8 Gy x 1' or '24 Gy/2'."
    )
    systemic_class = models.CharField(max_length=32, blank=True)
    systemic_line = models.PositiveSmallIntegerField(null=True, blank=True)
    details = models.TextField(blank=True)
    urgency = models.CharField(max_length=16, choices=Urgency.choices, default=Urgency.ROUTINE)
    rationale = models.TextField()
    confidence = models.CharField(max_length=16, choices=Confidence.choices)
    questions_for_board = models.TextField(blank=True)
    data_needed = models.TextField(blank=True)
    submitted_at = models.DateTimeField()
    revision = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["case", "discipline"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "meeting", "author"], name="opinion_one_per_specialist"
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="opinion_rationale_required"),
            models.CheckConstraint(
                condition=Q(systemic_line__isnull=True) | Q(systemic_line__gte=1),
                name="opinion_systemic_line_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["meeting", "case"], name="opinion_meeting_case_idx"),
            models.Index(fields=["author", "meeting"], name="opinion_author_meeting_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_discipline_display()} opinion on {self.case}"


class PreMeetingSummary(models.Model):
    """A versioned summary of one agenda item, with the versions of the inputs it was built from.

    `inputs_fingerprint` is a hash of those input versions: the same inputs never make a second
    version (a task run twice stores one), and a summary whose fingerprint differs from the
    current inputs is stale.
    """

    agenda_item = models.ForeignKey(
        "scheduling.AgendaItem", on_delete=models.CASCADE, related_name="summaries"
    )
    version = models.PositiveIntegerField()
    content = models.JSONField()
    inputs = models.JSONField(help_text="Input record -> version/timestamp it was built from.")
    inputs_fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agenda_item", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["agenda_item", "version"], name="summary_unique_version"
            ),
            models.UniqueConstraint(
                fields=["agenda_item", "inputs_fingerprint"], name="summary_unique_inputs"
            ),
        ]

    def __str__(self) -> str:
        return f"Summary v{self.version} of {self.agenda_item}"


class SummaryPreparation(models.Model):
    """Where preparing one agenda item's summary stands: coordinators see progress and failures."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Preparing"
        DONE = "done", "Prepared"
        FAILED = "failed", "Failed"

    agenda_item = models.OneToOneField(
        "scheduling.AgendaItem", on_delete=models.CASCADE, related_name="preparation"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status"], name="preparation_status_idx")]

    def __str__(self) -> str:
        return f"{self.agenda_item}: {self.status}"
