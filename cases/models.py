"""Patients and their board cases: the clinical data the scores and the board's reasoning need."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q, Value, When
from django.db.models.functions import Collate, Upper
from simple_history.models import HistoricalRecords

from clinical.levels import SPINAL_LEVEL_CHOICES
from clinical.primaries import PRIMARY_SITE_CHOICES
from tumorboard import bounds
from tumorboard.db import PublicIdModel, TrackedModel

GRADE_CHOICES = [(g, g) for g in "ABCDE"]
LEVELS_TEXT = "C1–C7, T1–T12, L1–L5 or S1–S5"


def validate_kps(value: int) -> None:
    if value > 100 or value % 10:
        raise ValidationError(
            "Karnofsky score must be 0–100 in steps of 10 (got %(value)s).", params={"value": value}
        )


def zero_vertebral_bodies_error(levels: list[str]) -> str:
    """Refusal of a stated count of 0 involved vertebral bodies when lesions are recorded: each
    recorded lesion is an involved vertebral body (Tokuhashi 2005, Tomita 2001; issue 13)."""
    return (
        f"0 vertebral bodies, but {len(levels)} spinal lesion(s) are recorded "
        f"({', '.join(levels)}): give at least {len(levels)}."
    )


LEVEL_ERRORS = {"invalid_choice": "%(value)s is not a spinal level: use " + LEVELS_TEXT + "."}


class Patient(PublicIdModel, TrackedModel):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Not recorded"

    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        SPANISH = "es", "Spanish"

    mrn = models.CharField("MRN", max_length=32, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(validators=[bounds.validate_birth_date])
    date_of_death = models.DateField(
        null=True,
        blank=True,
        validators=[bounds.validate_clinical_date],
        help_text="When known; not before the date of birth, not in the future.",
    )
    sex = models.CharField(max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    preferred_language = models.CharField(
        max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patient_record",
        help_text="The patient's own login, for reading released summaries.",
    )

    # Optimistic concurrency (tumorboard.services.check_version): a change names the version it
    # was based on; a stale one is refused instead of overwriting someone else's edit.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(mrn=""), name="patient_mrn_not_blank"),
            models.CheckConstraint(
                condition=Q(date_of_death__isnull=True) | Q(date_of_death__gte=F("date_of_birth")),
                name="patient_death_after_birth",
            ),
        ]
        indexes = [
            # The patient list's order, with the id as its unique tiebreak (keyset pages).
            models.Index(fields=["family_name", "given_name", "id"], name="patient_name_idx"),
            # Search: an MRN in any letter case.
            models.Index(Upper("mrn"), name="patient_mrn_upper_idx"),
            # Search by name prefix (UPPER(...) LIKE 'SMI%') AND its order (PATIENT_SEARCH_ORDER
            # in cases.selectors): in "C" collation the prefix is an index range and the
            # index's order is the results' order, so a bounded search reads its rows and
            # stops, wherever the prefix falls in the alphabet.
            models.Index(
                Collate(Upper("family_name"), "C"),
                Collate(Upper("given_name"), "C"),
                "id",
                name="patient_name_search_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        if self.date_of_death and self.date_of_birth and self.date_of_death < self.date_of_birth:
            raise ValidationError({"date_of_death": "The date of death is before the birth."})

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Case(PublicIdModel, TrackedModel):
    """One referral of one patient to the board, with the data the board reasons from."""

    class Status(models.TextChoices):
        REFERRED = "referred", "Referred"
        READY = "ready", "Ready for review"
        SCHEDULED = "scheduled", "Scheduled"
        DISCUSSED = "discussed", "Discussed"
        PLAN_SIGNED = "plan_signed", "Plan signed"
        CLOSED = "closed", "Closed"
        DEFERRED = "deferred", "Deferred"
        WITHDRAWN = "withdrawn", "Withdrawn"

    # Status changes that exist; `cases.status.status_change` adds what each needs now (an
    # agenda place, a started meeting, readiness) and the service `case_transition` enforces it.
    # A referred case put on an agenda is scheduled (its readiness gaps show on the agenda), and
    # one taken off the agenda goes back to ready, or to referred when it is not ready.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.REFERRED: frozenset(
            {Status.READY, Status.SCHEDULED, Status.DEFERRED, Status.WITHDRAWN}
        ),
        Status.READY: frozenset(
            {Status.REFERRED, Status.SCHEDULED, Status.DEFERRED, Status.WITHDRAWN}
        ),
        Status.SCHEDULED: frozenset(
            {Status.REFERRED, Status.READY, Status.DISCUSSED, Status.DEFERRED, Status.WITHDRAWN}
        ),
        Status.DISCUSSED: frozenset({Status.PLAN_SIGNED, Status.SCHEDULED, Status.DEFERRED}),
        # Back to the board's queue only by a re-discussion (cases.status.BY_REDISCUSSION).
        Status.PLAN_SIGNED: frozenset({Status.CLOSED, Status.READY, Status.REFERRED}),
        Status.DEFERRED: frozenset(
            {Status.REFERRED, Status.READY, Status.SCHEDULED, Status.WITHDRAWN}
        ),
        Status.CLOSED: frozenset(),
        Status.WITHDRAWN: frozenset(),
    }

    class Urgency(models.TextChoices):
        """The board's urgency words, the same on every page, e-mail, PDF and API label: the
        opinions' urgency uses these labels too, and pages render them with
        templates/cases/_urgency.html."""

        ROUTINE = "routine", "Routine"
        URGENT = "urgent", "Urgent"
        EMERGENCY = "emergency", "Emergency"

    # Higher is more pressing; stored as `urgency_priority`, and the urgency filter uses it.
    URGENCY_PRIORITY: dict[str, int] = {Urgency.EMERGENCY: 2, Urgency.URGENT: 1, Urgency.ROUTINE: 0}

    class VisceralMets(models.TextChoices):
        # One field serves both scores: Tokuhashi asks removable/unremovable, Tomita
        # treatable/untreatable; a removable metastasis is also treatable.
        NONE = "none", "None"
        REMOVABLE = "removable", "Present, removable"
        TREATABLE = "treatable", "Present, not removable but treatable"
        UNTREATABLE = "untreatable", "Present, untreatable"

    class BrainMets(models.TextChoices):
        NONE = "none", "None"
        TREATED = "treated", "Present, treated"
        UNTREATED = "untreated", "Present, untreated"

    class Progression(models.TextChoices):
        NONE = "none", "No deficit"
        STABLE = "stable", "Deficit, stable"
        WEEKS = "weeks", "Progressing over weeks"
        DAYS = "days", "Progressing over days"
        HOURS = "hours", "Progressing over hours"

    class Growth(models.TextChoices):
        SLOW = "slow", "Slow"
        MODERATE = "moderate", "Moderate"
        RAPID = "rapid", "Rapid"

    class Goal(models.TextChoices):
        WALKING = "walking", "Walking"
        PAIN_RELIEF = "pain_relief", "Pain relief"
        INDEPENDENCE = "independence", "Independence"
        TIME_AT_HOME = "time_at_home", "Time at home"
        LENGTH_OF_LIFE = "length_of_life", "Length of life"

    class GoalsReporter(models.TextChoices):
        PATIENT = "patient", "The patient"
        FAMILY = "family", "Family or carer"
        CLINICIAN = "clinician", "A clinician, on the patient's behalf"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="cases")
    board = models.ForeignKey("scheduling.Board", on_delete=models.PROTECT, related_name="cases")
    referring_clinician = models.CharField(max_length=200)
    clinical_question = bounds.BoundedTextField(
        max_length=bounds.SHORT_TEXT, help_text="What the board is asked to decide."
    )
    urgency = models.CharField(
        max_length=16,
        choices=Urgency.choices,
        default=Urgency.ROUTINE,
        help_text="Emergency: cord compression or a deficit progressing over hours. "
        "Urgent: to be decided within days.",
    )
    # Stored, so lists order by an index instead of a CASE over every row: emergency 2, urgent 1,
    # routine 0. Lists run it descending with the rest of their order (newest first, then id),
    # so one row comparison marks a keyset page's start.
    urgency_priority = models.GeneratedField(
        expression=models.Case(
            *(When(urgency=level, then=Value(rank)) for level, rank in URGENCY_PRIORITY.items()),
            default=Value(0),
            output_field=models.SmallIntegerField(),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REFERRED)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=500, blank=True)
    # Marked ready although readiness (cases.readiness) was not met; `status_reason` says why.
    readiness_overridden = models.BooleanField(default=False)

    # Primary tumour
    primary_site = models.CharField(max_length=32, choices=PRIMARY_SITE_CHOICES)
    histology = models.CharField(max_length=200, blank=True)
    histology_confirmed = models.BooleanField(
        null=True, blank=True, help_text="Tissue-proven diagnosis."
    )
    primary_growth = models.CharField(
        "growth rate (Tomita class)",
        max_length=8,
        choices=Growth.choices,
        blank=True,
        help_text="Needed for Tomita when the primary is not in its table; overrides it if set.",
    )
    diagnosis_date = models.DateField(
        null=True, blank=True, validators=[bounds.validate_clinical_date]
    )
    molecular_markers = bounds.BoundedTextField(max_length=bounds.TEXT, blank=True)
    systemic_therapy_history = bounds.BoundedTextField(max_length=bounds.TEXT, blank=True)

    # Extent of disease
    vertebral_body_mets = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Number of vertebral bodies with metastases."
    )
    extraspinal_bone_mets = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Number of extraspinal bone metastatic foci."
    )
    visceral_mets = models.CharField(
        max_length=16, choices=VisceralMets.choices, blank=True, default=""
    )
    brain_mets = models.CharField(max_length=16, choices=BrainMets.choices, blank=True, default="")

    # Neurological status
    asia_grade = models.CharField("ASIA grade", max_length=1, choices=GRADE_CHOICES, blank=True)
    frankel_grade = models.CharField(max_length=1, choices=GRADE_CHOICES, blank=True)
    neuro_deficits = bounds.BoundedTextField(
        "neurological deficits", max_length=bounds.TEXT, blank=True
    )
    deficit_onset = models.DateTimeField(
        null=True, blank=True, validators=[bounds.validate_clinical_date]
    )
    neuro_progression = models.CharField(max_length=8, choices=Progression.choices, blank=True)
    ambulatory = models.BooleanField(null=True, blank=True)
    neuro_exam_date = models.DateField(
        "neurological examination date",
        null=True,
        blank=True,
        validators=[bounds.validate_clinical_date],
    )

    # Performance status, pain, general health
    ecog = models.PositiveSmallIntegerField(
        "ECOG", null=True, blank=True, validators=[MaxValueValidator(5)]
    )
    kps = models.PositiveSmallIntegerField(
        "Karnofsky (KPS)", null=True, blank=True, validators=[validate_kps]
    )
    pain_score = models.PositiveSmallIntegerField(
        "pain (0–10)", null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    analgesics = bounds.BoundedTextField(max_length=bounds.TEXT, blank=True)
    comorbidities = bounds.BoundedTextField(max_length=bounds.TEXT, blank=True)
    fit_for_surgery = models.BooleanField(null=True, blank=True)
    expected_survival_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The treating team's estimate (Patchell needs ≥ 3 months)."
    )

    # The patient's goals and priorities, most important first
    goals_ranked = models.JSONField(default=list, blank=True)
    goals_notes = bounds.BoundedTextField(
        "goals in the patient's words", max_length=bounds.TEXT, blank=True
    )
    goals_reported_by = models.CharField(max_length=16, choices=GoalsReporter.choices, blank=True)
    goals_recorded_at = models.DateTimeField(null=True, blank=True)
    goals_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # The stored rank is derived from `urgency`, which the history already keeps.
    # Optimistic concurrency (tumorboard.services.check_version): a change names the version it
    # was based on; a stale one is refused instead of overwriting someone else's edit.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["urgency_priority"])

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(clinical_question=""), name="case_clinical_question_required"
            ),
            models.CheckConstraint(condition=Q(ecog__lte=5), name="case_ecog_range"),
            models.CheckConstraint(
                condition=Q(kps__in=range(0, 101, 10)), name="case_kps_steps_of_10"
            ),
            models.CheckConstraint(condition=Q(pain_score__lte=10), name="case_pain_range"),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "referred",
                        "ready",
                        "scheduled",
                        "discussed",
                        "plan_signed",
                        "closed",
                        "deferred",
                        "withdrawn",
                    ]
                ),
                name="case_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(urgency__in=["routine", "urgent", "emergency"]),
                name="case_urgency_valid",
            ),
            # A readiness override is a "ready" case with the reason the board sees it anyway.
            models.CheckConstraint(
                condition=Q(readiness_overridden=False)
                | (Q(status="ready") & ~Q(status_reason="")),
                name="case_readiness_override_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["deferred", "withdrawn"]) | ~Q(status_reason=""),
                name="case_deferral_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["board", "status"], name="case_board_status_idx"),
            models.Index(fields=["status", "urgency"], name="case_status_urgency_idx"),
            # The case list's order (most urgent, newest, id), alone and after each filter.
            models.Index(
                fields=["urgency_priority", "created_at", "id"], name="case_list_order_idx"
            ),
            models.Index(
                fields=["board", "urgency_priority", "created_at", "id"],
                name="case_board_order_idx",
            ),
            models.Index(
                fields=["status", "urgency_priority", "created_at", "id"],
                name="case_status_order_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Case {self.uuid.hex[:8]} ({self.get_primary_site_display()})"

    def clean(self) -> None:
        goals = self.goals_ranked
        allowed = {g.value for g in self.Goal}
        if not isinstance(goals, list) or any(g not in allowed for g in goals):
            raise ValidationError(
                {"goals_ranked": f"Rank goals from: {', '.join(sorted(allowed))}."}
            )
        if len(set(goals)) != len(goals):
            raise ValidationError({"goals_ranked": "Each goal may be ranked only once."})
        if not (self.clinical_question or "").strip():
            raise ValidationError({"clinical_question": "State the question for the board."})
        if self.vertebral_body_mets == 0 and self.pk is not None:
            levels = list(self.lesions.values_list("level", flat=True))
            if levels:
                raise ValidationError({"vertebral_body_mets": zero_vertebral_bodies_error(levels)})

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, frozenset())


class SpinalLesion(TrackedModel):
    """One involved level with the imaging findings SINS and the Bilsky grade need."""

    class Pain(models.TextChoices):
        MECHANICAL = "mechanical", "Mechanical"
        OCCASIONAL = "occasional", "Occasional, not mechanical"
        NONE = "none", "Pain-free"

    class BoneLesion(models.TextChoices):
        LYTIC = "lytic", "Lytic"
        MIXED = "mixed", "Mixed lytic/blastic"
        BLASTIC = "blastic", "Blastic"

    class Alignment(models.TextChoices):
        SUBLUXATION = "subluxation", "Subluxation/translation"
        DEFORMITY = "deformity", "De novo deformity"
        NORMAL = "normal", "Normal"

    class Collapse(models.TextChoices):
        OVER_50 = "over_50", ">50% collapse"
        UNDER_50 = "under_50", "<50% collapse"
        NONE_OVER_50_INVOLVED = "none_over_50_involved", "No collapse, >50% of body involved"
        NONE = "none", "None of the above"

    class Posterolateral(models.TextChoices):
        BILATERAL = "bilateral", "Bilateral"
        UNILATERAL = "unilateral", "Unilateral"
        NONE = "none", "None"

    class ESCC(models.TextChoices):
        G0 = "0", "0 – bone only"
        G1A = "1a", "1a – epidural impingement"
        G1B = "1b", "1b – thecal sac deformed"
        G1C = "1c", "1c – cord abutted"
        G2 = "2", "2 – cord compressed, CSF visible"
        G3 = "3", "3 – cord compressed, no CSF"

    class Modality(models.TextChoices):
        MRI = "mri", "MRI"
        CT = "ct", "CT"
        PET_CT = "pet_ct", "PET-CT"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lesions")
    level = models.CharField(
        max_length=3, choices=SPINAL_LEVEL_CHOICES, error_messages=LEVEL_ERRORS
    )
    imaging_date = models.DateField(
        null=True, blank=True, validators=[bounds.validate_clinical_date]
    )
    imaging_modality = models.CharField(
        max_length=8, choices=Modality.choices, default=Modality.MRI
    )
    pain = models.CharField(max_length=16, choices=Pain.choices, blank=True)
    bone_lesion = models.CharField(max_length=16, choices=BoneLesion.choices, blank=True)
    alignment = models.CharField(max_length=16, choices=Alignment.choices, blank=True)
    collapse = models.CharField(max_length=24, choices=Collapse.choices, blank=True)
    posterolateral = models.CharField(max_length=16, choices=Posterolateral.choices, blank=True)
    escc_grade = models.CharField(
        "ESCC (Bilsky) grade", max_length=2, choices=ESCC.choices, blank=True
    )
    # Compression of a nerve root at this level (radicular pain, root signs, or the root
    # compressed on imaging): the patient's summary must never say "not pressing on the nerves"
    # where it is recorded. None: not recorded.
    radiculopathy = models.BooleanField(
        "Nerve root compressed (radicular findings)",
        null=True,
        blank=True,
        help_text="Radicular pain or signs, or the root compressed on imaging, at this level.",
    )
    notes = bounds.BoundedTextField(max_length=bounds.SHORT_TEXT, blank=True)

    # Optimistic concurrency (tumorboard.services.check_version): a change names the version it
    # was based on; a stale one is refused instead of overwriting someone else's edit.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["case", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "level"], name="lesion_one_per_level"),
            models.CheckConstraint(
                condition=Q(level__in=[v for v, _ in SPINAL_LEVEL_CHOICES]),
                name="lesion_level_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.level


class PriorTreatment(TrackedModel):
    """Earlier treatment: radiation, surgery or cement at spinal levels (prior dose changes what
    can be offered), or a line of systemic therapy (no level; the agents in `description`).

    `Case.systemic_therapy_history` stays the referrer's narrative; these rows are the dated,
    correctable record of each course."""

    class Kind(models.TextChoices):
        RADIATION = "radiation", "Radiation"
        SURGERY = "surgery", "Surgery"
        CEMENT = "cement", "Cement augmentation"
        SYSTEMIC = "systemic", "Systemic therapy"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="prior_treatments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    level_from = models.CharField(
        "from level",
        max_length=3,
        choices=SPINAL_LEVEL_CHOICES,
        blank=True,
        error_messages=LEVEL_ERRORS,
        help_text="Required except for systemic therapy.",
    )
    level_to = models.CharField(
        "to level",
        max_length=3,
        choices=SPINAL_LEVEL_CHOICES,
        blank=True,
        error_messages=LEVEL_ERRORS,
        help_text="The last level treated; empty for a single level.",
    )
    treated_on = models.DateField(
        "date",
        help_text="For systemic therapy: when it started.",
        validators=[bounds.validate_clinical_date],
    )
    dose_gy = models.DecimalField(
        "dose (Gy)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    fractions = models.PositiveSmallIntegerField(null=True, blank=True)
    description = models.CharField(
        max_length=300, blank=True, help_text="For systemic therapy: the agents or regimen."
    )

    # Optimistic concurrency (tumorboard.services.check_version): a change names the version it
    # was based on; a stale one is refused instead of overwriting someone else's edit.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["case", "-treated_on"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="radiation")
                | Q(
                    dose_gy__isnull=False, dose_gy__gt=0, fractions__isnull=False, fractions__gte=1
                ),
                name="prior_radiation_needs_dose_and_fractions",
                violation_error_message="Prior radiation needs its dose (Gy) and fractions.",
            ),
            models.CheckConstraint(
                condition=Q(kind="systemic") | ~Q(level_from=""),
                name="prior_treatment_level_unless_systemic",
                violation_error_message="Give the (first) level treated.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="systemic") | Q(level_from="", level_to=""),
                name="prior_systemic_has_no_level",
                violation_error_message="Systemic therapy is not given at a level.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.levels}".rstrip()

    @property
    def levels(self) -> str:
        """ "T10", "T9–T11", or "" (systemic therapy)."""
        if self.level_to and self.level_to != self.level_from:
            return f"{self.level_from}–{self.level_to}"
        return self.level_from

    def clean(self) -> None:
        # Field-level messages before the table constraints speak (they name no field).
        errors: dict[str, str] = {}
        systemic = self.kind == self.Kind.SYSTEMIC
        if systemic:
            for name in ("level_from", "level_to"):
                if getattr(self, name):
                    errors[name] = "Systemic therapy is not given at a level: leave it empty."
            for name in ("dose_gy", "fractions"):
                if getattr(self, name) is not None:
                    errors[name] = "Dose and fractions are for radiotherapy only."
            if not (self.description or "").strip():
                errors["description"] = "Name the agents or regimen."
        elif self.kind and not self.level_from:
            errors["level_from"] = "Give the (first) level treated."
        if self.kind == self.Kind.RADIATION:
            if self.dose_gy is None or self.dose_gy <= 0:
                errors["dose_gy"] = "Give the total dose in Gy."
            if not self.fractions:
                errors["fractions"] = "Give the number of fractions (at least 1)."
        if errors:
            raise ValidationError(errors)


class StoredAssessment(models.Model):
    """A case's decision-support assessment as the clinical core last computed it.

    Written in the same transaction as every change to the case's data (cases.services) and
    refreshed for a board's cases when its settings change, so pages and lists read it instead of
    scoring every lesion again. `context_fingerprint` (core version, board settings, labels) lets
    a reader holding the board see a stale copy without loading the case's data;
    `fingerprint` adds the recorded data; `valid_until` is when the time-dependent part
    (Patchell's paraplegia duration) may change the answer. Derived data: no history, no author.
    """

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, primary_key=True, related_name="stored_assessment"
    )
    assessment = models.JSONField(help_text="CaseAssessment.to_dict().")
    flags = models.JSONField(default=list, help_text="The urgent flags, for lists.")
    fingerprint = models.CharField(max_length=64)
    context_fingerprint = models.CharField(max_length=64)
    computed_at = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The beat task's "expired" query; almost every row has no expiry.
            models.Index(
                fields=["valid_until"],
                condition=Q(valid_until__isnull=False),
                name="stored_assessment_expiry_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Assessment of case {self.case_id}"


class PatientInvitation(PublicIdModel, TrackedModel):
    """An e-mailed, single-use, expiring invitation for a patient to create their own account and
    read their released summaries. Only a SHA-256 of the token is kept; the token is made when the
    e-mail is sent (never passed to a task or stored), and a new invitation withdraws older ones.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="invitations")
    case = models.ForeignKey(
        "Case", on_delete=models.CASCADE, related_name="patient_invitations", null=True
    )
    email = models.EmailField("e-mail address")
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The account the patient created with it.",
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(token_hash__isnull=False),
                name="patient_invitation_sent_with_token",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(sent_at__isnull=False),
                name="patient_invitation_used_after_sent",
            ),
        ]
        indexes = [models.Index(fields=["patient", "-created_at"], name="patient_invitation_idx")]

    def __str__(self) -> str:
        return f"Invitation of {self.created_at:%Y-%m-%d}"


class CaseAttachment(PublicIdModel, TrackedModel):
    """A file the board decides from: an imaging or pathology report (PDF), a key image (PNG,
    JPEG) or a DICOM file. The upload is checked by its content (cases.uploads); the file lives in
    the "attachments" storage under a random name (never the uploaded name) and is served only
    through views that check the user's access to the case. Previews are made by a Celery task
    (cases.tasks.attachment_previews_make) after the upload commits."""

    class Kind(models.TextChoices):
        MRI = "mri", "MRI"
        CT = "ct", "CT"
        PET = "pet", "PET"
        XRAY = "xray", "X-ray"
        PATHOLOGY = "pathology", "Pathology"
        OTHER = "other", "Other"

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        PNG = "png", "PNG image"
        JPEG = "jpeg", "JPEG image"
        DICOM = "dicom", "DICOM"

    class Preview(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be made"
        NONE = "none", "No preview"

    # What each format is served as (never what the uploader said it was).
    CONTENT_TYPES: dict[str, str] = {
        Format.PDF: "application/pdf",
        Format.PNG: "image/png",
        Format.JPEG: "image/jpeg",
        Format.DICOM: "application/dicom",
    }
    IMAGE_FORMATS = frozenset({Format.PNG, Format.JPEG, Format.DICOM})

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    file_format = models.CharField(max_length=8, choices=Format.choices, editable=False)
    study_date = models.DateField(
        null=True,
        blank=True,
        validators=[bounds.validate_clinical_date],
        help_text="When the study was done or the report written; a DICOM file's own date if "
        "left empty.",
    )
    caption = models.CharField(max_length=300, blank=True)
    original_name = models.CharField(
        max_length=120, blank=True, help_text="The uploaded file's name, made safe; shown only."
    )
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    file_name = models.CharField(max_length=200, unique=True, editable=False)
    is_key_image = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    # From the DICOM header (pydicom), when the file is DICOM.
    dicom_modality = models.CharField(max_length=16, blank=True)
    dicom_study_date = models.DateField(null=True, blank=True)
    dicom_body_part = models.CharField(max_length=64, blank=True)
    dicom_series_description = models.CharField(max_length=200, blank=True)

    preview_status = models.CharField(
        max_length=8, choices=Preview.choices, default=Preview.PENDING
    )
    thumbnail_name = models.CharField(max_length=200, blank=True, editable=False)
    # Window/level preset -> storage name of its PNG preview ("default" always, when ready).
    preview_names = models.JSONField(default=dict, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["case", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["mri", "ct", "pet", "xray", "pathology", "other"]),
                name="attachment_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(file_format__in=["pdf", "png", "jpeg", "dicom"]),
                name="attachment_format_valid",
            ),
            models.CheckConstraint(
                condition=Q(preview_status__in=["pending", "ready", "failed", "none"]),
                name="attachment_preview_status_valid",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty"),
            # A report is read, not shown as a key image.
            models.CheckConstraint(
                condition=Q(is_key_image=False) | ~Q(file_format="pdf"),
                name="attachment_key_image_is_an_image",
            ),
            models.CheckConstraint(
                condition=Q(preview_status="ready") | Q(thumbnail_name=""),
                name="attachment_thumbnail_when_ready",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "position", "id"], name="attachment_case_order_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_study_date or ''}".rstrip()

    @property
    def effective_study_date(self):
        """The date given on upload, else the DICOM header's."""
        return self.study_date or self.dicom_study_date

    @property
    def content_type(self) -> str:
        return self.CONTENT_TYPES[self.file_format]

    @property
    def is_image(self) -> bool:
        return self.file_format in self.IMAGE_FORMATS

    @property
    def presets(self) -> list[str]:
        return list(self.preview_names)
