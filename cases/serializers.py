"""API shapes for patients and cases: input validation of shape only, and output.

Domain rules (uniqueness, transitions, who may do what) live in services and selectors; the views
call them with `validated_data`. No serializer here saves anything.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.assessment import stored_case_flags
from clinical.levels import SPINAL_LEVEL_CHOICES
from tumorboard.api import (
    ReadOnlyBlankChoicesMixin,
    ScopedUUIDField,
    StrictInputMixin,
    UserSummarySerializer,
)
from tumorboard.versioning import version_field

from .models import LEVELS_TEXT, Case, CaseAttachment, Patient, PriorTreatment, SpinalLesion
from .selectors import SEARCH_LIMIT, boards_of, patients_visible_to, related_model
from .services import (
    CASE_FIELDS,
    CASE_UPDATE_FIELDS,
    LESION_FIELDS,
    PATIENT_FIELDS,
    PRIOR_TREATMENT_FIELDS,
)

NOT_SETTABLE = {
    "status": "Change the status with POST …/transition/.",
    "board": "A case cannot move to another board.",
    "patient": "A case cannot move to another patient.",
}


class StrictCaseInput(StrictInputMixin):
    not_settable = NOT_SETTABLE


class SpinalLevelField(serializers.ChoiceField):
    """C1–S5; accepts any case and surrounding spaces ("t10 " → "T10")."""

    default_error_messages = {
        "invalid_choice": "{input} is not a spinal level: use " + LEVELS_TEXT + "."
    }

    def __init__(self, **kwargs):
        super().__init__(choices=SPINAL_LEVEL_CHOICES, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = data.strip().upper()
        if data == "" and self.allow_blank:
            return ""
        return super().to_internal_value(data)


# The board a case belongs to, as case responses name it (schema component "BoardSummary"; a
# comment, not a docstring, so the schema stays as it was).
class BoardSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = related_model("board")
        fields = ["uuid", "name"]
        read_only_fields = fields


# Patients ---------------------------------------------------------------------------------------


class PatientSerializer(StrictCaseInput, serializers.ModelSerializer):
    version = version_field()

    class Meta:
        model = Patient
        fields = ["uuid", *sorted(PATIENT_FIELDS), "version", "created_at", "updated_at"]
        read_only_fields = ["uuid", "created_at", "updated_at"]
        # Uniqueness is the service's call (it also catches the race the validator cannot).
        extra_kwargs = {"mrn": {"validators": []}}


class PatientSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Patient
        fields = ["uuid", "mrn", "given_name", "family_name", "date_of_birth", "sex"]
        read_only_fields = fields


# Lesions and prior treatments -------------------------------------------------------------------


class LesionSerializer(StrictCaseInput, serializers.ModelSerializer):
    level = SpinalLevelField()
    version = version_field()

    class Meta:
        model = SpinalLesion
        fields = ["id", *sorted(LESION_FIELDS), "version"]
        read_only_fields = ["id"]


class PriorTreatmentSerializer(StrictCaseInput, serializers.ModelSerializer):
    # Required for every kind but systemic therapy: the model's rule, checked by the service.
    level_from = SpinalLevelField(required=False, allow_blank=True)
    level_to = SpinalLevelField(required=False, allow_blank=True)
    version = version_field()

    class Meta:
        model = PriorTreatment
        fields = ["id", *sorted(PRIOR_TREATMENT_FIELDS), "version"]
        read_only_fields = ["id"]


# Cases ------------------------------------------------------------------------------------------

GOALS_FIELD_HELP = "The patient's goals, most important first; each at most once."


class CaseCreateSerializer(StrictCaseInput, serializers.ModelSerializer):
    patient = ScopedUUIDField(model=Patient, scope=patients_visible_to)
    board = ScopedUUIDField(model=related_model("board"), scope=boards_of)
    lesions = LesionSerializer(many=True, required=False)
    goals_ranked = serializers.ListField(
        child=serializers.ChoiceField(choices=Case.Goal.choices),
        required=False,
        help_text=GOALS_FIELD_HELP,
    )

    class Meta:
        model = Case
        fields = ["patient", "board", *sorted(CASE_FIELDS - {"board"}), "lesions"]


class CaseUpdateSerializer(StrictCaseInput, serializers.ModelSerializer):
    goals_ranked = serializers.ListField(
        child=serializers.ChoiceField(choices=Case.Goal.choices),
        required=False,
        help_text=GOALS_FIELD_HELP,
    )
    version = version_field()

    class Meta:
        model = Case
        fields = [*sorted(CASE_UPDATE_FIELDS), "version"]


class CaseTransitionSerializer(StrictCaseInput, serializers.Serializer):
    status = serializers.ChoiceField(choices=Case.Status.choices)
    reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to defer or withdraw a case, and with `override`.",
    )
    override = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Mark a case ready that is not ready yet; give the reason.",
    )


class CaseFilterSerializer(serializers.Serializer):
    """Query parameters of the case list."""

    status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
    urgency = serializers.ChoiceField(choices=Case.Urgency.choices, required=False)
    meeting = serializers.UUIDField(required=False, help_text="Cases on this meeting's agenda.")
    board = serializers.UUIDField(required=False, help_text="Cases of this board.")


class SearchSerializer(StrictInputMixin, serializers.Serializer):
    """Search terms, in a POST body so that no MRN or name reaches a URL or an access log."""

    mrn = serializers.CharField(
        max_length=32, required=False, help_text="The exact MRN, in any letter case."
    )
    family_name = serializers.CharField(
        max_length=100,
        required=False,
        help_text="The first letters of the family name (at least 2), in any letter case.",
    )
    given_name = serializers.CharField(
        max_length=100,
        required=False,
        help_text="With family_name: the first letters of the given name.",
    )


class SearchResultSerializer(serializers.Serializer):
    more = serializers.BooleanField(
        help_text=f"More than {SEARCH_LIMIT} matched and only the first are listed: narrow the "
        "search."
    )


class PatientSearchResultSerializer(SearchResultSerializer):
    results = PatientSummarySerializer(many=True, help_text="By family name, then given name.")


# Decision support ---------------------------------------------------------------------------
# Output shapes of cases.assessment (CaseAssessment.as_dict()). The API passes the dict
# through these serializers, and a test checks nothing is lost on the way.


class FlagSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["cord_compression", "unstable"])
    label = serializers.CharField(help_text='Short, for a badge: "Cord compression".')
    text = serializers.CharField(help_text="The reason, naming its source.")


def _flags(case: Case) -> list[dict]:
    """Urgent flags as stored (select_related stored_assessment and board): no query."""
    flags = stored_case_flags(case)
    return [{"code": f.code, "label": f.label, "text": f.text} for f in flags]


class ScoreResultSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    category = serializers.CharField()
    components = serializers.DictField(
        child=serializers.IntegerField(), help_text="Points per component."
    )
    explanation = serializers.ListField(
        child=serializers.CharField(), help_text="Plain-English sentences, each naming its source."
    )


class SinsResultSerializer(ScoreResultSerializer):
    location_class = serializers.CharField()
    level = serializers.CharField(allow_null=True)
    surgical_consult = serializers.BooleanField()


class EsccResultSerializer(ScoreResultSerializer):
    grade = serializers.CharField()
    high_grade = serializers.BooleanField()


class RadiosensitivityResultSerializer(ScoreResultSerializer):
    primary = serializers.CharField()
    treated_as = serializers.CharField()
    unconfirmed = serializers.BooleanField()
    project_default = serializers.BooleanField()


class AssessmentRegimenSerializer(serializers.Serializer):
    total_dose_gy = serializers.FloatField()
    fractions = serializers.IntegerField()
    label = serializers.CharField()


class NomsResultSerializer(ScoreResultSerializer):
    radiation = serializers.CharField(allow_null=True)
    procedure = serializers.CharField(allow_null=True)
    procedures = serializers.ListField(child=serializers.CharField())
    systemic_only = serializers.BooleanField()
    supportive_care = serializers.BooleanField()
    confirmed = serializers.BooleanField(
        help_text="False when an unconfirmed rule applied: the board should confirm or override."
    )
    rules = serializers.ListField(child=serializers.CharField())
    caveats = serializers.ListField(child=serializers.CharField())
    regimens = AssessmentRegimenSerializer(many=True)
    escc = EsccResultSerializer()
    radiosensitivity = RadiosensitivityResultSerializer()
    reirradiation = serializers.BooleanField(
        help_text="The level was irradiated before: a re-irradiation question (unconfirmed rule)."
    )
    prior_radiation = serializers.ListField(
        child=serializers.CharField(), help_text="Each prior course at this level, dose and date."
    )


class TokuhashiResultSerializer(ScoreResultSerializer):
    primary = serializers.CharField()


class TomitaResultSerializer(ScoreResultSerializer):
    primary = serializers.CharField()
    growth = serializers.CharField()
    growth_given = serializers.BooleanField()


class PatchellResultSerializer(ScoreResultSerializer):
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class ScoreRangeSerializer(serializers.Serializer):
    low = serializers.IntegerField()
    high = serializers.IntegerField()
    category = serializers.CharField(
        allow_null=True, help_text="The band when the whole range lies in one, else null."
    )
    missing = serializers.ListField(child=serializers.CharField())
    explanation = serializers.ListField(child=serializers.CharField())


class ScoreSerializer(serializers.Serializer):
    name = serializers.CharField()
    computable = serializers.BooleanField()
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="What must be recorded before it can be computed."
    )
    notes = serializers.ListField(
        child=serializers.CharField(),
        help_text="Notes on the inputs, e.g. a stated count that disagrees with the lesions.",
    )
    range = ScoreRangeSerializer(
        allow_null=True,
        help_text="Partly recorded: the totals the missing inputs allow (SINS), else null.",
    )


class SinsScoreSerializer(ScoreSerializer):
    result = SinsResultSerializer(allow_null=True)


class EsccScoreSerializer(ScoreSerializer):
    result = EsccResultSerializer(allow_null=True)


class NomsScoreSerializer(ScoreSerializer):
    result = NomsResultSerializer(allow_null=True)


class RadiosensitivityScoreSerializer(ScoreSerializer):
    result = RadiosensitivityResultSerializer(allow_null=True)


class TokuhashiScoreSerializer(ScoreSerializer):
    result = TokuhashiResultSerializer(allow_null=True)


class TomitaScoreSerializer(ScoreSerializer):
    result = TomitaResultSerializer(allow_null=True)


class PatchellScoreSerializer(ScoreSerializer):
    result = PatchellResultSerializer(allow_null=True)


class LesionAssessmentSerializer(serializers.Serializer):
    level = serializers.CharField()
    sins = SinsScoreSerializer()
    escc = EsccScoreSerializer()
    noms = NomsScoreSerializer()


class AssessmentSettingsSerializer(serializers.Serializer):
    grade_1c_high = serializers.BooleanField()
    intermediate_as = serializers.CharField()
    sbrt_regimens = AssessmentRegimenSerializer(many=True, help_text="The SBRT list in force.")
    sbrt_regimens_source = serializers.ChoiceField(choices=["board", "project"])
    sbrt_regimens_problems = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why the board's own list could not be used (normally empty).",
    )
    too_ill_kps_at_most = serializers.IntegerField(
        help_text="NOMS 'too ill for any local treatment' at this Karnofsky or below (unconfirmed)."
    )
    too_ill_ecog_at_least = serializers.IntegerField(
        help_text="... or at this ECOG or above (unconfirmed)."
    )
    too_ill_survival_under_months = serializers.IntegerField(
        help_text="... or with expected survival under this many months (unconfirmed)."
    )
    too_ill_source = serializers.ChoiceField(
        choices=["board", "project"], help_text="The board's thresholds or the project defaults."
    )
    too_ill_text = serializers.CharField(help_text="The thresholds in words, with their source.")


class CaseAssessmentSerializer(serializers.Serializer):
    settings = AssessmentSettingsSerializer(help_text="The board settings in force.")
    flags = FlagSerializer(many=True)
    radiosensitivity = RadiosensitivityScoreSerializer()
    tokuhashi_revised = TokuhashiScoreSerializer()
    tomita = TomitaScoreSerializer()
    patchell = PatchellScoreSerializer()
    lesions = LesionAssessmentSerializer(many=True)
    disclaimer = serializers.CharField()


# Cases (continued) --------------------------------------------------------------------------


class CaseSummarySerializer(ReadOnlyBlankChoicesMixin, serializers.ModelSerializer):
    patient = PatientSummarySerializer(read_only=True)
    board = BoardSummarySerializer(read_only=True)
    levels = serializers.SerializerMethodField(help_text="Involved spinal levels.")
    flags = serializers.SerializerMethodField(
        help_text="Urgent flags: high-grade ESCC with a progressing deficit; SINS 13 or more."
    )

    class Meta:
        model = Case
        fields = [
            "uuid",
            "patient",
            "board",
            "status",
            "status_changed_at",
            "urgency",
            "primary_site",
            "clinical_question",
            "referring_clinician",
            "levels",
            "flags",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_levels(self, case: Case) -> list[str]:
        return [lesion.level for lesion in case.lesions.all()]

    @extend_schema_field(FlagSerializer(many=True))
    def get_flags(self, case: Case) -> list[dict]:
        return _flags(case)


class CaseSearchResultSerializer(SearchResultSerializer):
    results = CaseSummarySerializer(many=True, help_text="In the case list's order.")


class AgendaEntrySerializer(serializers.Serializer):
    meeting = serializers.UUIDField(source="meeting.uuid", read_only=True)
    starts_at = serializers.DateTimeField(source="meeting.starts_at", read_only=True)
    position = serializers.IntegerField(read_only=True)


CASE_OUTPUT_FIELDS = [
    "uuid",
    "patient",
    "board",
    "status",
    "status_changed_at",
    "status_reason",
    "readiness_overridden",
    "version",
    *[f.name for f in Case._meta.concrete_fields if f.name in CASE_FIELDS and f.name != "board"],
    "goals_recorded_at",
    "goals_recorded_by",
    "lesions",
    "flags",
    "prior_treatments",
    "agenda",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
]


class CaseDetailSerializer(ReadOnlyBlankChoicesMixin, serializers.ModelSerializer):
    patient = PatientSummarySerializer(read_only=True)
    board = BoardSummarySerializer(read_only=True)
    lesions = LesionSerializer(many=True, read_only=True)
    prior_treatments = PriorTreatmentSerializer(many=True, read_only=True)
    agenda = AgendaEntrySerializer(
        source="agenda_items", many=True, read_only=True, help_text="Meetings the case is on."
    )
    goals_ranked = serializers.ListField(
        child=serializers.ChoiceField(choices=Case.Goal.choices),
        read_only=True,
        help_text=GOALS_FIELD_HELP,
    )
    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    updated_by = UserSummarySerializer(read_only=True, allow_null=True)
    goals_recorded_by = UserSummarySerializer(read_only=True, allow_null=True)
    flags = serializers.SerializerMethodField(
        help_text="Urgent flags: high-grade ESCC with a progressing deficit; SINS 13 or more."
    )

    class Meta:
        model = Case
        fields = CASE_OUTPUT_FIELDS
        read_only_fields = fields

    @extend_schema_field(FlagSerializer(many=True))
    def get_flags(self, case: Case) -> list[dict]:
        return _flags(case)


# History ----------------------------------------------------------------------------------------


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class CaseHistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    by = UserSummarySerializer(allow_null=True)
    record = serializers.ChoiceField(
        choices=["case", "lesion", "prior_treatment", "attachment"], help_text="What was changed."
    )
    label = serializers.CharField(help_text="Which one: the level, for a lesion.")
    action = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    reason = serializers.CharField(allow_blank=True)
    changes = FieldChangeSerializer(many=True)


class PatientInviteSerializer(StrictCaseInput, serializers.Serializer):
    email = serializers.EmailField(help_text="Where the single-use sign-up link is e-mailed.")


class PatientInvitationSerializer(serializers.Serializer):
    """An invitation as the API shows it: never its token."""

    uuid = serializers.UUIDField(read_only=True)
    email = serializers.EmailField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class PatientAccountLinkSerializer(StrictCaseInput, serializers.Serializer):
    account = serializers.CharField(
        max_length=254, help_text="The exact username or e-mail address of a patient account."
    )


class PatientAccountSerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)


# Attachments ----------------------------------------------------------------------------------


class AttachmentUploadSerializer(StrictInputMixin, serializers.Serializer):
    """A multipart upload: the file (checked by its content, not its name or declared type) and
    its details."""

    file = serializers.FileField(help_text="A PDF, PNG, JPEG or DICOM file.")
    kind = serializers.ChoiceField(choices=CaseAttachment.Kind.choices)
    study_date = serializers.DateField(
        required=False, allow_null=True, help_text="Defaults to a DICOM file's own study date."
    )
    caption = serializers.CharField(required=False, allow_blank=True, max_length=300)
    is_key_image = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Images are key images unless false; a PDF never is.",
    )


class DicomHeaderSerializer(serializers.Serializer):
    modality = serializers.CharField(source="dicom_modality")
    study_date = serializers.DateField(source="dicom_study_date", allow_null=True)
    body_part = serializers.CharField(source="dicom_body_part")
    series_description = serializers.CharField(source="dicom_series_description")


class AttachmentSerializer(serializers.ModelSerializer):
    content_type = serializers.CharField(read_only=True)
    effective_study_date = serializers.DateField(
        read_only=True, allow_null=True, help_text="The study date given, else the DICOM one."
    )
    dicom = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CaseAttachment
        fields = [
            "uuid",
            "kind",
            "file_format",
            "content_type",
            "study_date",
            "effective_study_date",
            "caption",
            "original_name",
            "size",
            "sha256",
            "is_key_image",
            "position",
            "dicom",
            "preview_status",
            "links",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields

    @extend_schema_field(DicomHeaderSerializer(allow_null=True))
    def get_dicom(self, row: CaseAttachment) -> dict | None:
        if row.file_format != CaseAttachment.Format.DICOM:
            return None
        return DicomHeaderSerializer(row).data

    @extend_schema_field(
        serializers.DictField(child=serializers.CharField(), help_text="Where to fetch the file.")
    )
    def get_links(self, row: CaseAttachment) -> dict[str, str]:
        args = [row.case.uuid, row.uuid]
        links = {"file": reverse("case-attachment-file", args=args)}
        if row.preview_status == CaseAttachment.Preview.READY:
            links["thumbnail"] = reverse("case-attachment-thumbnail", args=args)
            for preset in row.preview_names:
                links[f"preview_{preset}"] = reverse(
                    "case-attachment-preview", args=[*args, preset]
                )
        return links
