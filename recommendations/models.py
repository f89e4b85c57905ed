"""Specialist opinions and the Celery-prepared pre-meeting summaries built from them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from cases.models import Case
from scheduling.models import Discipline
from tumorboard import bounds
from tumorboard.db import PublicIdModel, TrackedModel


class Opinion(PublicIdModel, TrackedModel):
    """One specialist's structured view of one case for one meeting, given independently.

    Revisable until the meeting starts; every revision is kept in the history table. `revision`
    counts saves and is the optimistic-concurrency token the API exposes.
    """

    class Urgency(models.TextChoices):
        # The case's urgency words (cases.models.Case.Urgency), so every page says the same.
        ROUTINE = "routine", Case.Urgency.ROUTINE.label
        URGENT = "urgent", Case.Urgency.URGENT.label
        EMERGENCY = "emergency", Case.Urgency.EMERGENCY.label

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
    details = bounds.BoundedTextField(max_length=bounds.TEXT, blank=True)
    urgency = models.CharField(max_length=16, choices=Urgency.choices, default=Urgency.ROUTINE)
    rationale = bounds.BoundedTextField(max_length=bounds.LONG_TEXT)
    confidence = models.CharField(max_length=16, choices=Confidence.choices)
    questions_for_board = bounds.BoundedTextField(max_length=bounds.TEXT, blank=True)
    data_needed = bounds.BoundedTextField(max_length=bounds.TEXT, blank=True)
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


class DecisionRecord(PublicIdModel, TrackedModel):
    """The shared decision record for one case at one meeting, written live by several people.

    `options` is a list of considered treatment options, each {"option", "source"
    ("noms"|"opinion"|"board"), "origin" (who raised it, e.g. "raised by A Rahman (radiation
    oncology)"), "benefits": {neurological, local_control, pain_quality_of_life, recovery_time},
    "risks": {...}, "fits_goals"}. `supportive_care` lists the supportive measures (analgesia,
    therapy, bracing, palliative care ...) apart from them, each {"measure", "origin"}.
    `version` is the optimistic-concurrency token: a save naming an older version is
    refused (409/412) and the other person's change shown.
    """

    class Involvement(models.TextChoices):
        INVOLVED = "involved", "Patient and family were involved"
        WILL_BE = "will_be_involved", "Patient and family will be involved"
        NOT_INVOLVED = "not_involved", "Not involved (reason given)"

    agenda_item = models.OneToOneField(
        "scheduling.AgendaItem", on_delete=models.PROTECT, related_name="decision"
    )
    prefilled_from = models.ForeignKey(
        PreMeetingSummary, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    options = models.JSONField(default=list, blank=True)
    supportive_care = models.JSONField(default=list, blank=True)
    patient_goals = bounds.BoundedTextField(max_length=bounds.TEXT, blank=True)
    patient_involvement = models.CharField(max_length=24, choices=Involvement.choices, blank=True)
    involvement_note = bounds.BoundedTextField(max_length=bounds.TEXT, blank=True)
    uncertainties = bounds.BoundedTextField(max_length=bounds.TEXT, blank=True)
    information_needed = bounds.BoundedTextField(max_length=bounds.TEXT, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Decision record for {self.agenda_item}"


class ConsensusPlan(PublicIdModel, TrackedModel):
    """The board's consensus plan for one case at one meeting; locked once the chair signs.

    After signing, every change is a PlanAmendment (reason, author, time) and the history table
    keeps each earlier version readable.
    """

    class Outcome(models.TextChoices):
        AGREED = "agreed", "Plan agreed"
        DEFERRED = "deferred_pending_information", "Deferred pending information"
        REDISCUSS = "rediscuss", "Re-discuss at the next meeting"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    decision = models.OneToOneField(DecisionRecord, on_delete=models.PROTECT, related_name="plan")
    outcome = models.CharField(max_length=32, choices=Outcome.choices, blank=True)
    summary = bounds.BoundedTextField(
        max_length=bounds.LONG_TEXT, blank=True, help_text="The plan in one paragraph."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    quorum_met = models.BooleanField(null=True, blank=True)
    quorum_override_reason = bounds.BoundedTextField(max_length=bounds.SHORT_TEXT, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(signed_by__isnull=False) & Q(signed_at__isnull=False) & ~Q(outcome="")),
                name="plan_signed_has_signer_and_outcome",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(quorum_met=True) | ~Q(quorum_override_reason=""),
                name="plan_signed_without_quorum_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan for {self.decision.agenda_item}"


class PlanActivity(PublicIdModel, TrackedModel):
    """One structured activity of the plan, with an owner, a due date and a status."""

    class Kind(models.TextChoices):
        SURGERY = "surgery", "Local control: surgery"
        RADIATION = "radiation", "Local control: radiation"
        SYSTEMIC = "systemic", "Systemic therapy"
        PAIN = "pain", "Pain management"
        PALLIATIVE = "palliative", "Palliative care"
        REHABILITATION = "rehabilitation", "Rehabilitation"
        IMAGING = "imaging", "Follow-up imaging"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        NOT_DONE = "not_done", "Not done"
        CHANGED_BY_PATIENT = "changed_by_patient", "Changed at the patient's wish"

    # Allowed status changes; the plan services enforce them.
    TRANSITIONS: dict[str, frozenset[str]] = {
        "planned": frozenset({"in_progress", "done", "not_done", "changed_by_patient"}),
        "in_progress": frozenset({"done", "not_done", "changed_by_patient"}),
        "done": frozenset(),
        "not_done": frozenset(),
        "changed_by_patient": frozenset(),
    }

    plan = models.ForeignKey(ConsensusPlan, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    description = models.CharField(max_length=300)
    details = models.JSONField(
        default=dict, blank=True, help_text="e.g. surgery type, regimen, timing relative to surgery"
    )
    responsible_discipline = models.CharField(max_length=32, choices=Discipline.choices, blank=True)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plan_activities",
    )
    due_date = models.DateField(null=True, blank=True, validators=[bounds.validate_due_date])
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.PLANNED)
    status_reason = bounds.BoundedTextField(max_length=bounds.SHORT_TEXT, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(responsible_discipline="") | Q(responsible_user__isnull=False),
                name="activity_has_an_owner",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["not_done", "changed_by_patient"]) | ~Q(status_reason=""),
                name="activity_not_done_needs_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["responsible_user", "status"], name="activity_owner_status_idx"),
            models.Index(fields=["status", "due_date"], name="activity_status_due_idx"),
        ]

    def __str__(self) -> str:
        return self.description


class Dissent(TrackedModel):
    """A dissenting view, recorded by name."""

    plan = models.ForeignKey(ConsensusPlan, on_delete=models.CASCADE, related_name="dissents")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    view = bounds.BoundedTextField(max_length=bounds.TEXT)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Dissent by {self.member}"


class PlanAmendment(models.Model):
    """A change to a signed plan: the reason, who and when; the plan's history keeps the before."""

    plan = models.ForeignKey(ConsensusPlan, on_delete=models.CASCADE, related_name="amendments")
    reason = bounds.BoundedTextField(max_length=bounds.SHORT_TEXT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    plan_version_before = models.PositiveIntegerField()
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["plan", "created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="amendment_reason_required")
        ]

    def __str__(self) -> str:
        return f"Amendment to {self.plan} at {self.created_at:%Y-%m-%d}"


class PatientSummary(PublicIdModel, TrackedModel):
    """The plain-language summary for the patient: draft → edited → released by a clinician.

    Only released summaries reach the patient. Edits keep their history.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        EDITED = "edited", "Edited"
        RELEASED = "released", "Released"

    plan = models.ForeignKey(
        ConsensusPlan, on_delete=models.PROTECT, related_name="patient_summaries"
    )
    language = models.CharField(max_length=8, default="en")
    title = models.CharField(max_length=200)
    body = bounds.BoundedTextField(
        max_length=bounds.DOCUMENT_TEXT,
        help_text="Plain-language text (sections separated by headings).",
    )
    glossary = models.JSONField(default=list, blank=True)
    reading_grade = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    # Optimistic concurrency (tumorboard.services.check_version): an edit names the version it
    # was based on; a stale one is refused instead of overwriting someone else's wording.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="released")
                | (Q(released_by__isnull=False) & Q(released_at__isnull=False)),
                name="patient_summary_released_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="patient_summary_status_idx")]

    def __str__(self) -> str:
        return self.title


class PatientAccessLink(models.Model):
    """A single-use, expiring link to one released summary. Only a hash of the token is stored."""

    summary = models.ForeignKey(
        PatientSummary, on_delete=models.CASCADE, related_name="access_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Link to {self.summary} (expires {self.expires_at:%Y-%m-%d})"


class FhirMeetingExport(PublicIdModel, TrackedModel):
    """All signed plans of one meeting as one FHIR Bundle, for write-back to the hospital record.

    Built by a Celery task (recommendations.fhir.tasks): queued -> running -> done (the Bundle
    stored) or failed. The task claims a queued export with a conditional UPDATE, so a second
    delivery does nothing; at most one export of a meeting is pending at a time. Derived data
    (rebuilt on request), so no history.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Building"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    meeting = models.ForeignKey(
        "scheduling.Meeting", on_delete=models.CASCADE, related_name="fhir_exports"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    bundle = models.JSONField(null=True, blank=True)
    plans = models.PositiveIntegerField(default=0, help_text="Signed plans in the Bundle.")
    error = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting"],
                condition=Q(status__in=["queued", "running"]),
                name="fhir_export_one_pending_per_meeting",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(bundle__isnull=False),
                name="fhir_export_done_has_bundle",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="fhir_export_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["meeting", "-created_at"], name="fhir_export_meeting_idx")]

    def __str__(self) -> str:
        return f"FHIR export of {self.meeting} ({self.status})"
