"""Specialist opinions and the Celery-prepared pre-meeting summaries built from them."""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from cases.models import GRADE_CHOICES, Case, Patient, validate_kps
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
        DEVIATED = "deviated", "Deviated from the plan"
        CANCELLED = "cancelled", "Cancelled"

    # Allowed status changes; the plan services enforce them. Done, deviated and cancelled are
    # where an activity ends: a mistake there is corrected by amending the plan (its history
    # keeps the before), not by moving the activity on.
    TRANSITIONS: dict[str, frozenset[str]] = {
        "planned": frozenset({"in_progress", "done", "deviated", "cancelled"}),
        "in_progress": frozenset({"done", "deviated", "cancelled"}),
        "done": frozenset(),
        "deviated": frozenset(),
        "cancelled": frozenset(),
    }
    # Still to be done: these can be overdue.
    OPEN = frozenset({"planned", "in_progress"})
    ENDED_ON_A_DATE = frozenset({"done", "deviated"})
    NEEDS_REASON = frozenset({"deviated", "cancelled"})

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
    # Why it deviated or was cancelled.
    status_reason = bounds.BoundedTextField(max_length=bounds.SHORT_TEXT, blank=True)
    # The day a done or deviated activity ended (what happened, never a plan: not in the future).
    completed_on = models.DateField(
        null=True, blank=True, validators=[bounds.validate_clinical_date]
    )
    # What was done instead, when the activity deviated from the plan.
    done_instead = bounds.BoundedTextField(max_length=bounds.SHORT_TEXT, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # The last day the owner was reminded that it is overdue: one reminder a day at most.
    reminded_on = models.DateField(null=True, blank=True)
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
                condition=~Q(status__in=["deviated", "cancelled"]) | ~Q(status_reason=""),
                name="activity_deviated_or_cancelled_needs_reason",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status__in=["done", "deviated"], completed_on__isnull=False)
                    | (~Q(status__in=["done", "deviated"]) & Q(completed_on__isnull=True))
                ),
                name="activity_ended_has_completion_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="deviated") | ~Q(done_instead=""),
                name="activity_deviated_says_what_instead",
            ),
        ]
        indexes = [
            models.Index(fields=["responsible_user", "status"], name="activity_owner_status_idx"),
            models.Index(fields=["status", "due_date"], name="activity_status_due_idx"),
        ]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def is_overdue(self, today: dt.date) -> bool:
        """Still to be done and its due date has passed (`today` in the board's time zone)."""
        return self.is_open and self.due_date is not None and self.due_date < today

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


class Rediscussion(PublicIdModel, TrackedModel):
    """A case sent back to the board after its plan was signed (a deviation, progression or a new
    neurological deficit), linked to the earlier plan so the case's history reads as one story.

    Open until the coordinator places the case on an agenda: then `agenda_item` names the new
    discussion. One open re-discussion per case.
    """

    class Trigger(models.TextChoices):
        DEVIATION = "deviation", "Deviation from the plan"
        PROGRESSION = "progression", "Progression"
        NEW_DEFICIT = "new_deficit", "New neurological deficit"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="rediscussions")
    earlier_plan = models.ForeignKey(
        ConsensusPlan, on_delete=models.PROTECT, related_name="rediscussions"
    )
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    detail = bounds.BoundedTextField(max_length=bounds.SHORT_TEXT)
    activity = models.ForeignKey(
        PlanActivity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rediscussions",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    agenda_item = models.ForeignKey(
        "scheduling.AgendaItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rediscussions",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["case", "requested_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(detail=""), name="rediscussion_detail_required"),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(agenda_item__isnull=True),
                name="rediscussion_one_open_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"Re-discussion of {self.case} ({self.get_trigger_display()})"


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


class FollowUp(PublicIdModel, TrackedModel):
    """One scheduled follow-up after the main treatment of a signed plan, and what was found.

    Scheduled at the main treatment's date + each of the board's `follow_up_days`
    (recommendations.outcomes.services.follow_ups_schedule); a clinician records it (status
    "recorded") or records that the patient was not seen (status "missed", with a reason). A
    follow-up still "due" after its date is missing and shows on the coordinator's worklist.
    Survival is the patient's `date_of_death` (cases.Patient), not a field here.
    """

    class Status(models.TextChoices):
        DUE = "due", "Due"
        RECORDED = "recorded", "Recorded"
        MISSED = "missed", "Missed (patient not seen)"

    class Ambulatory(models.TextChoices):
        INDEPENDENT = "independent", "Walks independently"
        WITH_AID = "with_aid", "Walks with an aid"
        NON_AMBULATORY = "non_ambulatory", "Not ambulatory"

    class Analgesics(models.TextChoices):
        NONE = "none", "None"
        NON_OPIOID = "non_opioid", "Non-opioid"
        WEAK_OPIOID = "weak_opioid", "Weak opioid"
        STRONG_OPIOID = "strong_opioid", "Strong opioid"

    class LocalControl(models.TextChoices):
        CONTROLLED = "controlled", "Controlled"
        PROGRESSION = "progression", "Local progression"
        NOT_ASSESSED = "not_assessed", "Not assessed"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="follow_ups")
    plan = models.ForeignKey(ConsensusPlan, on_delete=models.PROTECT, related_name="follow_ups")
    timepoint_days = models.PositiveSmallIntegerField(
        help_text="Days after the main treatment this follow-up is for."
    )
    due_on = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DUE)
    recorded_on = models.DateField(
        null=True,
        blank=True,
        validators=[bounds.validate_clinical_date],
        help_text="When the patient was seen.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    missed_reason = bounds.BoundedTextField(
        max_length=bounds.SHORT_TEXT, blank=True, help_text="Why the patient was not seen."
    )
    ambulatory = models.CharField(max_length=16, choices=Ambulatory.choices, blank=True)
    frankel_grade = models.CharField(max_length=1, choices=GRADE_CHOICES, blank=True)
    pain_score = models.PositiveSmallIntegerField(
        "pain (0–10)", null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    analgesics = models.CharField(max_length=16, choices=Analgesics.choices, blank=True)
    ecog = models.PositiveSmallIntegerField(
        "ECOG", null=True, blank=True, validators=[MaxValueValidator(4)]
    )
    kps = models.PositiveSmallIntegerField(
        "Karnofsky (KPS)", null=True, blank=True, validators=[validate_kps]
    )
    local_control = models.CharField(max_length=16, choices=LocalControl.choices, blank=True)
    complication_fracture = models.BooleanField("fracture", null=True, blank=True)
    complication_wound = models.BooleanField("wound complication", null=True, blank=True)
    complication_neuro_worsening = models.BooleanField(
        "neurological worsening", null=True, blank=True
    )
    readmitted = models.BooleanField(null=True, blank=True)
    notes = bounds.BoundedTextField(max_length=bounds.TEXT, blank=True)
    # Optimistic concurrency (tumorboard.services.check_version).
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "timepoint_days"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "timepoint_days"], name="follow_up_one_per_timepoint"
            ),
            models.CheckConstraint(
                condition=Q(timepoint_days__gte=1), name="follow_up_timepoint_positive"
            ),
            models.CheckConstraint(
                condition=~Q(status="recorded") | Q(recorded_on__isnull=False),
                name="follow_up_recorded_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="missed") | ~Q(missed_reason=""),
                name="follow_up_missed_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(pain_score__isnull=True) | Q(pain_score__lte=10),
                name="follow_up_pain_range",
            ),
            models.CheckConstraint(
                condition=Q(ecog__isnull=True) | Q(ecog__lte=4), name="follow_up_ecog_range"
            ),
            models.CheckConstraint(
                condition=Q(kps__isnull=True) | Q(kps__in=range(0, 101, 10)),
                name="follow_up_kps_steps_of_10",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="follow_up_status_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.timepoint_days}-day follow-up of {self.case}"


class PatientReportedOutcome(PublicIdModel):
    """What the patient says at one follow-up, in their own words: pain 0–10 and mobility.

    One per follow-up: the patient may send it again while the follow-up is open (an update; the
    history keeps what was sent before), and the clinician sees it beside the clinical record.
    """

    class Mobility(models.TextChoices):
        WALK_UNAIDED = "walk_unaided", "I walk without help"
        WALK_WITH_AID = "walk_with_aid", "I walk with a stick, crutches or a frame"
        WHEELCHAIR = "wheelchair", "I use a wheelchair"
        BED = "bed", "I stay in bed most of the day"

    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, related_name="patient_reports"
    )
    pain_score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    mobility = models.CharField(max_length=16, choices=Mobility.choices)
    comment = bounds.BoundedTextField(max_length=1_000, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    language = models.CharField(
        max_length=8, choices=Patient.Language.choices, default=Patient.Language.ENGLISH
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follow_up"], name="patient_report_one_per_follow_up"),
            models.CheckConstraint(
                condition=Q(pain_score__lte=10), name="patient_report_pain_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Patient report for {self.follow_up}"


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
