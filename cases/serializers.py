"""API shapes for patients and cases: input validation of shape only, and output.

Domain rules (uniqueness, transitions, who may do what) live in services and selectors; the views
call them with `validated_data`. No serializer here saves anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping

from django.db.models import QuerySet
from rest_framework import serializers

from recommendations.scoring.levels import SPINAL_LEVEL_CHOICES
from scheduling.models import Board
from scheduling.selectors import boards_visible_to
from scheduling.serializers import BoardSummarySerializer

from .models import LEVELS_TEXT, Case, Patient, PriorTreatment, SpinalLesion
from .selectors import patients_visible_to
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


class StrictInputMixin:
    """Refuse fields the endpoint does not know, instead of silently ignoring them.

    A client that PATCHes `status` must learn that it did not happen. Read-only fields of the
    same shape (uuid, timestamps) are ignored, so a client may send back what it was given.
    """

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [NOT_SETTABLE.get(name, "This field cannot be set here.")]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


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


class ScopedUUIDField(serializers.SlugRelatedField):
    """A related record named by its uuid, found only among those the requesting user may use.

    Anything else (unknown, or outside the user's scope) gets the same answer, so the API does not
    reveal which records exist.
    """

    default_error_messages = {
        "does_not_exist": "No such {model} is available to you.",
        "invalid": "Enter a valid UUID.",
    }

    def __init__(self, *, model, scope: Callable[..., QuerySet], **kwargs):
        self.scope = scope
        self.model_name = model._meta.verbose_name
        # The queryset only names the model (for the schema); lookups go through `scope`.
        super().__init__(slug_field="uuid", queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.queryset
        return self.scope(request.user)

    def to_internal_value(self, data):
        try:
            value = uuid.UUID(str(data))
        except (TypeError, ValueError, AttributeError):
            self.fail("invalid")
        try:
            return self.get_queryset().get(uuid=value)
        except self.queryset.model.DoesNotExist:
            self.fail("does_not_exist", model=self.model_name)

    def to_representation(self, obj):
        return str(obj.uuid)


class UserSummarySerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="get_full_name", read_only=True)


# Patients ---------------------------------------------------------------------------------------


class PatientSerializer(StrictInputMixin, serializers.ModelSerializer):
    class Meta:
        model = Patient
        fields = ["uuid", *sorted(PATIENT_FIELDS), "created_at", "updated_at"]
        read_only_fields = ["uuid", "created_at", "updated_at"]
        # Uniqueness is the service's call (it also catches the race the validator cannot).
        extra_kwargs = {"mrn": {"validators": []}}


class PatientSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Patient
        fields = ["uuid", "mrn", "given_name", "family_name", "date_of_birth", "sex"]
        read_only_fields = fields


# Lesions and prior treatments -------------------------------------------------------------------


class LesionSerializer(StrictInputMixin, serializers.ModelSerializer):
    level = SpinalLevelField()

    class Meta:
        model = SpinalLesion
        fields = ["id", *sorted(LESION_FIELDS)]
        read_only_fields = ["id"]


class PriorTreatmentSerializer(StrictInputMixin, serializers.ModelSerializer):
    level_from = SpinalLevelField()
    level_to = SpinalLevelField(required=False, allow_blank=True)

    class Meta:
        model = PriorTreatment
        fields = ["id", *sorted(PRIOR_TREATMENT_FIELDS)]
        read_only_fields = ["id"]


# Cases ------------------------------------------------------------------------------------------

GOALS_FIELD_HELP = "The patient's goals, most important first; each at most once."


class CaseCreateSerializer(StrictInputMixin, serializers.ModelSerializer):
    patient = ScopedUUIDField(model=Patient, scope=patients_visible_to)
    board = ScopedUUIDField(model=Board, scope=boards_visible_to)
    lesions = LesionSerializer(many=True, required=False)
    goals_ranked = serializers.ListField(
        child=serializers.ChoiceField(choices=Case.Goal.choices),
        required=False,
        help_text=GOALS_FIELD_HELP,
    )

    class Meta:
        model = Case
        fields = ["patient", "board", *sorted(CASE_FIELDS - {"board"}), "lesions"]


class CaseUpdateSerializer(StrictInputMixin, serializers.ModelSerializer):
    goals_ranked = serializers.ListField(
        child=serializers.ChoiceField(choices=Case.Goal.choices),
        required=False,
        help_text=GOALS_FIELD_HELP,
    )

    class Meta:
        model = Case
        fields = sorted(CASE_UPDATE_FIELDS)


class CaseTransitionSerializer(StrictInputMixin, serializers.Serializer):
    status = serializers.ChoiceField(choices=Case.Status.choices)
    reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to defer or withdraw a case.",
    )


class CaseFilterSerializer(serializers.Serializer):
    """Query parameters of the case list."""

    status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
    urgency = serializers.ChoiceField(choices=Case.Urgency.choices, required=False)
    meeting = serializers.UUIDField(required=False, help_text="Cases on this meeting's agenda.")
    board = serializers.UUIDField(required=False, help_text="Cases of this board.")


class CaseSummarySerializer(serializers.ModelSerializer):
    patient = PatientSummarySerializer(read_only=True)
    board = BoardSummarySerializer(read_only=True)
    levels = serializers.SerializerMethodField(help_text="Involved spinal levels.")

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
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_levels(self, case: Case) -> list[str]:
        return [lesion.level for lesion in case.lesions.all()]


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
    *[f.name for f in Case._meta.concrete_fields if f.name in CASE_FIELDS and f.name != "board"],
    "goals_recorded_at",
    "goals_recorded_by",
    "lesions",
    "prior_treatments",
    "agenda",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
]


class CaseDetailSerializer(serializers.ModelSerializer):
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

    class Meta:
        model = Case
        fields = CASE_OUTPUT_FIELDS
        read_only_fields = fields


# History ----------------------------------------------------------------------------------------


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class CaseHistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    by = UserSummarySerializer(allow_null=True)
    record = serializers.ChoiceField(
        choices=["case", "lesion", "prior_treatment"], help_text="What was changed."
    )
    label = serializers.CharField(help_text="Which one: the level, for a lesion.")
    action = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    reason = serializers.CharField(allow_blank=True)
    changes = FieldChangeSerializer(many=True)
