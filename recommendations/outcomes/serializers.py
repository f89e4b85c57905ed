"""Shapes of the follow-up API: input validation and output only (writes are in services)."""

from __future__ import annotations

from rest_framework import serializers

from recommendations.models import FollowUp, PatientReportedOutcome
from tumorboard import bounds
from tumorboard.versioning import version_field

from .services import CLINICAL_FIELDS


class PatientReportSerializer(serializers.ModelSerializer):
    language = serializers.CharField(read_only=True, help_text="The form's language: en or es.")

    class Meta:
        model = PatientReportedOutcome
        fields = ["pain_score", "mobility", "comment", "language", "submitted_at"]
        read_only_fields = fields


class FollowUpSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    case = serializers.UUIDField(source="case.uuid", read_only=True)
    plan = serializers.UUIDField(source="plan.uuid", read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    missing = serializers.BooleanField(
        read_only=True, help_text="Still due after its date (on the coordinator's worklist)."
    )
    patient_report = PatientReportSerializer(
        read_only=True, allow_null=True, help_text="The patient's own answer, if any."
    )

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "case",
            "plan",
            "timepoint_days",
            "due_on",
            "status",
            "missing",
            "recorded_on",
            "recorded_by",
            "missed_reason",
            *CLINICAL_FIELDS,
            "patient_report",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class CaseFollowUpsSerializer(serializers.Serializer):
    date_of_death = serializers.DateField(
        allow_null=True, help_text="The patient's date of death, when known (survival)."
    )
    follow_ups = FollowUpSerializer(many=True)


class FollowUpRecordSerializer(serializers.Serializer):
    """A PATCH of one follow-up: any of these; `version` (or If-Match) is required."""

    status = serializers.ChoiceField(
        choices=[FollowUp.Status.RECORDED, FollowUp.Status.MISSED],
        required=False,
        help_text="recorded (give recorded_on) or missed (give missed_reason).",
    )
    recorded_on = serializers.DateField(required=False, allow_null=True)
    missed_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=bounds.SHORT_TEXT, trim_whitespace=True
    )
    ambulatory = serializers.ChoiceField(
        choices=FollowUp.Ambulatory.choices, required=False, allow_blank=True
    )
    frankel_grade = serializers.ChoiceField(
        choices=[(g, g) for g in "ABCDE"], required=False, allow_blank=True
    )
    pain_score = serializers.IntegerField(
        min_value=0, max_value=10, required=False, allow_null=True
    )
    analgesics = serializers.ChoiceField(
        choices=FollowUp.Analgesics.choices, required=False, allow_blank=True
    )
    ecog = serializers.IntegerField(min_value=0, max_value=4, required=False, allow_null=True)
    kps = serializers.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        help_text="Karnofsky 0–100 in steps of 10.",
    )
    local_control = serializers.ChoiceField(
        choices=FollowUp.LocalControl.choices, required=False, allow_blank=True
    )
    complication_fracture = serializers.BooleanField(required=False, allow_null=True)
    complication_wound = serializers.BooleanField(required=False, allow_null=True)
    complication_neuro_worsening = serializers.BooleanField(required=False, allow_null=True)
    readmitted = serializers.BooleanField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=bounds.TEXT)
    date_of_death = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Recorded on the patient (survival); null clears a mistaken one.",
    )
    version = version_field()

    def validate_kps(self, value):
        if value is not None and value % 10:
            raise serializers.ValidationError("Karnofsky score is 0–100 in steps of 10.")
        return value


class FollowUpConflictSerializer(serializers.Serializer):
    """409/412: a stale version, with the follow-up as it is now."""

    detail = serializers.CharField()
    version = serializers.ListField(child=serializers.CharField())
    current = FollowUpSerializer()


class FollowUpScheduleSerializer(serializers.Serializer):
    treatment_date = serializers.DateField(
        help_text="The day the main treatment was given (not in the future). Follow-ups already "
        "scheduled keep their dates."
    )
