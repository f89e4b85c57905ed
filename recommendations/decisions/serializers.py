"""Input and output shapes of the meeting-mode API (`recommendations.decisions.api`). Their class
names are the OpenAPI component names: rename one and the published schema changes."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.assessment import stored_case_assessment
from recommendations.decisions.services.options import OPTION_SOURCES, OPTION_TEXT_MAX
from recommendations.decisions.services.plans import DETAIL_FIELDS
from recommendations.models import (
    ConsensusPlan,
    DecisionRecord,
    Dissent,
    PlanActivity,
    PlanAmendment,
    Rediscussion,
)
from scheduling.models import Attendance, Discipline
from tumorboard import bounds
from tumorboard.api import StrictInputMixin, UserSummarySerializer
from tumorboard.openapi import NamedChoiceField

# --- fields -----------------------------------------------------------------------------------


def _choice(choices, component: str, **kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=choices, component=component, **kwargs)


def outcome_field(**kwargs):
    return _choice(ConsensusPlan.Outcome.choices, "ConsensusOutcomeEnum", **kwargs)


def involvement_field(**kwargs):
    return _choice(DecisionRecord.Involvement.choices, "PatientInvolvementEnum", **kwargs)


def activity_kind_field(**kwargs):
    return _choice(PlanActivity.Kind.choices, "PlanActivityKindEnum", **kwargs)


def activity_status_field(**kwargs):
    return _choice(PlanActivity.Status.choices, "PlanActivityStatusEnum", **kwargs)


def discipline_field(**kwargs):
    return _choice(Discipline.choices, "ResponsibleDisciplineEnum", **kwargs)


# --- output -----------------------------------------------------------------------------------


class OptionAspectsSerializer(serializers.Serializer):
    neurological = serializers.CharField(allow_blank=True, required=False, default="")
    local_control = serializers.CharField(allow_blank=True, required=False, default="")
    pain_quality_of_life = serializers.CharField(allow_blank=True, required=False, default="")
    recovery_time = serializers.CharField(allow_blank=True, required=False, default="")


class ConsideredOptionSerializer(serializers.Serializer):
    option = serializers.CharField(max_length=OPTION_TEXT_MAX)
    source = _choice(OPTION_SOURCES, "DecisionOptionSourceEnum", required=False, default="board")
    origin = serializers.CharField(
        max_length=OPTION_TEXT_MAX,
        allow_blank=True,
        required=False,
        default="",
        help_text='Who raised it, e.g. "raised by A Rahman (radiation oncology)" or '
        '"suggested by decision support: NOMS (rules ...) at T10".',
    )
    benefits = OptionAspectsSerializer(required=False)
    risks = OptionAspectsSerializer(required=False)
    fits_goals = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        help_text="How the option serves the patient's goals and preferences.",
    )


class SupportiveMeasureSerializer(serializers.Serializer):
    measure = serializers.CharField(
        max_length=OPTION_TEXT_MAX, help_text="Analgesia, therapy, bracing, palliative care ..."
    )
    origin = serializers.CharField(
        max_length=OPTION_TEXT_MAX, allow_blank=True, required=False, default=""
    )


class DecisionRecordSerializer(serializers.ModelSerializer):
    meeting = serializers.UUIDField(source="agenda_item.meeting.uuid", read_only=True)
    case = serializers.UUIDField(source="agenda_item.case.uuid", read_only=True)
    position = serializers.IntegerField(source="agenda_item.position", read_only=True)
    plan = serializers.UUIDField(source="plan.uuid", read_only=True)
    prefilled_from_summary_version = serializers.IntegerField(
        source="prefilled_from.version",
        read_only=True,
        allow_null=True,
        help_text="The pre-meeting summary version the uncertainties and information needed came "
        "from (null: computed from the opinions).",
    )
    options = ConsideredOptionSerializer(many=True, read_only=True)
    supportive_care = SupportiveMeasureSerializer(
        many=True,
        read_only=True,
        help_text="Supportive measures, kept apart from the treatment options.",
    )
    patient_involvement = involvement_field(read_only=True, allow_blank=True)
    updated_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = DecisionRecord
        fields = [
            "uuid",
            "meeting",
            "case",
            "position",
            "plan",
            "prefilled_from_summary_version",
            "options",
            "supportive_care",
            "patient_goals",
            "patient_involvement",
            "involvement_note",
            "uncertainties",
            "information_needed",
            "version",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = fields


class PlanActivitySerializer(serializers.ModelSerializer):
    plan = serializers.UUIDField(source="plan.uuid", read_only=True)
    kind = activity_kind_field(read_only=True)
    details = serializers.DictField(child=serializers.CharField(), read_only=True)
    responsible_discipline = discipline_field(read_only=True, allow_blank=True)
    responsible_user = UserSummarySerializer(read_only=True, allow_null=True)
    status = activity_status_field(read_only=True)

    class Meta:
        model = PlanActivity
        fields = [
            "uuid",
            "plan",
            "kind",
            "description",
            "details",
            "responsible_discipline",
            "responsible_user",
            "due_date",
            "status",
            "status_reason",
            "completed_on",
            "done_instead",
            "status_changed_at",
            "position",
            "updated_at",
        ]
        read_only_fields = fields


class PlanDissentSerializer(serializers.ModelSerializer):
    member = UserSummarySerializer(read_only=True)
    recorded_by = UserSummarySerializer(source="created_by", read_only=True, allow_null=True)

    class Meta:
        model = Dissent
        fields = ["member", "view", "created_at", "recorded_by"]
        read_only_fields = fields


class ConsensusPlanSerializer(serializers.ModelSerializer):
    decision = serializers.UUIDField(source="decision.uuid", read_only=True)
    outcome = outcome_field(read_only=True, allow_blank=True)
    status = _choice(ConsensusPlan.Status.choices, "ConsensusPlanStatusEnum", read_only=True)
    signed_by = UserSummarySerializer(read_only=True, allow_null=True)
    activities = PlanActivitySerializer(source="activities.all", many=True, read_only=True)
    dissents = PlanDissentSerializer(source="dissents.all", many=True, read_only=True)
    updated_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ConsensusPlan
        fields = [
            "uuid",
            "decision",
            "outcome",
            "summary",
            "status",
            "signed_by",
            "signed_at",
            "quorum_met",
            "quorum_override_reason",
            "version",
            "activities",
            "dissents",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = fields


class PlanAmendmentSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)
    changes = serializers.JSONField(
        read_only=True,
        help_text='{"plan": {field: {"old", "new"}}, "activities": [{"action": "added"|'
        '"changed"|"removed", "activity": uuid, ...}]}',
    )

    class Meta:
        model = PlanAmendment
        fields = ["created_at", "author", "reason", "plan_version_before", "changes"]
        read_only_fields = fields


class MeetingScreenQuorumSerializer(serializers.Serializer):
    met = serializers.BooleanField()
    required = serializers.ListField(child=serializers.CharField())
    present = serializers.ListField(child=serializers.CharField())
    missing_disciplines = serializers.ListField(child=serializers.CharField())


class MeetingScreenAttendanceSerializer(serializers.Serializer):
    user = UserSummarySerializer()
    mode = _choice(Attendance.Mode.choices, "AttendanceModeEnum")


class MeetingScreenCaseSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    status = serializers.CharField()
    urgency = serializers.CharField()
    primary_site = serializers.CharField()
    clinical_question = serializers.CharField()


class MeetingScreenSummarySerializer(serializers.Serializer):
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    content = serializers.JSONField()


class MeetingScreenOpinionSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    author = UserSummarySerializer()
    discipline = serializers.CharField()
    options = serializers.ListField(child=serializers.CharField())
    regimen = serializers.CharField()
    urgency = serializers.CharField()
    confidence = serializers.CharField()
    rationale = serializers.CharField(max_length=bounds.LONG_TEXT)
    questions_for_board = serializers.CharField(max_length=bounds.TEXT)
    data_needed = serializers.CharField(max_length=bounds.TEXT)


class MeetingScreenItemSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    minutes_allotted = serializers.IntegerField(source="item.minutes_allotted")
    case = MeetingScreenCaseSerializer()
    summary = MeetingScreenSummarySerializer(allow_null=True)
    opinions = MeetingScreenOpinionSerializer(many=True)
    opinions_hidden = serializers.BooleanField(
        help_text="Some opinions are hidden until you give your own (blind opinions)."
    )
    assessment = serializers.SerializerMethodField()
    decision = DecisionRecordSerializer(allow_null=True)
    plan = ConsensusPlanSerializer(allow_null=True)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_assessment(self, entry) -> dict:
        return stored_case_assessment(entry.case).as_dict()


class MeetingScreenMeetingSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    status = serializers.CharField()
    board = serializers.CharField(source="board.name")


class MeetingScreenSerializer(serializers.Serializer):
    meeting = MeetingScreenMeetingSerializer()
    your_roles = serializers.ListField(child=serializers.CharField(), source="roles")
    quorum = MeetingScreenQuorumSerializer()
    attendance = MeetingScreenAttendanceSerializer(many=True)
    items = MeetingScreenItemSerializer(many=True)


class PlanHistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class PlanHistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    by = UserSummarySerializer(allow_null=True)
    record = _choice(
        [(v, v) for v in ("decision_record", "plan", "activity", "dissent")],
        "PlanHistoryRecordEnum",
    )
    label = serializers.CharField()
    action = _choice([(v, v) for v in ("created", "changed", "deleted")], "PlanHistoryActionEnum")
    reason = serializers.CharField(max_length=bounds.SHORT_TEXT, allow_blank=True)
    version = serializers.IntegerField(allow_null=True)
    changes = PlanHistoryChangeSerializer(many=True)


class PlanActivitySnapshotSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    kind = serializers.CharField()
    description = serializers.CharField()
    details = serializers.DictField(child=serializers.CharField())
    responsible_discipline = serializers.CharField(allow_blank=True)
    responsible_user = UserSummarySerializer(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    status_reason = serializers.CharField(max_length=bounds.SHORT_TEXT, allow_blank=True)


class PlanVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    at = serializers.DateTimeField()
    by = UserSummarySerializer(allow_null=True)
    status = serializers.CharField()
    outcome = serializers.CharField(allow_blank=True)
    summary = serializers.CharField(max_length=bounds.LONG_TEXT, allow_blank=True)
    quorum_met = serializers.BooleanField(allow_null=True)
    quorum_override_reason = serializers.CharField(max_length=bounds.SHORT_TEXT, allow_blank=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField()
    amendment = PlanAmendmentSerializer(allow_null=True, help_text="The amendment that made it.")
    activities = PlanActivitySnapshotSerializer(many=True)


class PlanHistorySerializer(serializers.Serializer):
    versions = PlanVersionSerializer(many=True, help_text="Every version, newest first.")
    entries = PlanHistoryEntrySerializer(many=True, help_text="Every change, newest first.")
    amendments = PlanAmendmentSerializer(many=True)


class VersionConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    version = serializers.ListField(child=serializers.CharField())
    current = serializers.JSONField(help_text="The record (or plan) as it is now.")


class ConflictSerializer(serializers.Serializer):
    """409: a stale body `version` (with the current record), or a signed, locked plan."""

    detail = serializers.CharField()
    version = serializers.ListField(child=serializers.CharField(), required=False)
    current = serializers.JSONField(
        required=False, help_text="With a stale version: the record (or plan) as it is now."
    )


# --- input ------------------------------------------------------------------------------------

VERSION_HELP = "The version you read (or send If-Match); a stale one is refused."


class DecisionRecordUpdateSerializer(StrictInputMixin, serializers.Serializer):
    options = ConsideredOptionSerializer(many=True, required=False)
    supportive_care = SupportiveMeasureSerializer(many=True, required=False)
    patient_goals = serializers.CharField(max_length=bounds.TEXT, allow_blank=True, required=False)
    patient_involvement = involvement_field(allow_blank=True, required=False)
    involvement_note = serializers.CharField(
        max_length=bounds.TEXT, allow_blank=True, required=False
    )
    uncertainties = serializers.CharField(max_length=bounds.TEXT, allow_blank=True, required=False)
    information_needed = serializers.CharField(
        max_length=bounds.TEXT, allow_blank=True, required=False
    )
    version = serializers.IntegerField(min_value=1, required=False, help_text=VERSION_HELP)


class PlanUpdateSerializer(StrictInputMixin, serializers.Serializer):
    outcome = outcome_field(allow_blank=True, required=False)
    summary = serializers.CharField(max_length=bounds.LONG_TEXT, allow_blank=True, required=False)
    version = serializers.IntegerField(min_value=1, required=False, help_text=VERSION_HELP)


class PlanActivityFieldsSerializer(serializers.Serializer):
    kind = activity_kind_field(required=False)
    description = serializers.CharField(max_length=300, required=False)
    details = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="Per kind: "
        + "; ".join(
            f"{f.key} ({', '.join(sorted(f.kinds)) if len(f.kinds) < 8 else 'any'})"
            for f in DETAIL_FIELDS
        ),
    )
    responsible_discipline = discipline_field(allow_blank=True, required=False)
    responsible_user = serializers.CharField(
        allow_null=True, required=False, help_text="Username of a member of the board."
    )
    due_date = serializers.DateField(allow_null=True, required=False)
    position = serializers.IntegerField(min_value=0, required=False)


class PlanActivityInputSerializer(StrictInputMixin, PlanActivityFieldsSerializer):
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The plan version you read."
    )


class PlanActivityStatusInputSerializer(StrictInputMixin, serializers.Serializer):
    status = activity_status_field()
    reason = serializers.CharField(
        max_length=bounds.SHORT_TEXT,
        allow_blank=True,
        required=False,
        default="",
        help_text="Required for deviated and cancelled: why.",
    )
    completed_on = serializers.DateField(
        allow_null=True,
        required=False,
        default=None,
        help_text="Required for done and deviated: the day the activity ended (not in the "
        "future, not more than 30 days before the meeting).",
    )
    done_instead = serializers.CharField(
        max_length=bounds.SHORT_TEXT,
        allow_blank=True,
        required=False,
        default="",
        help_text="Required for deviated: what was done instead.",
    )


def rediscussion_trigger_field(**kwargs):
    return _choice(Rediscussion.Trigger.choices, "RediscussionTriggerEnum", **kwargs)


class SendBackInputSerializer(StrictInputMixin, serializers.Serializer):
    trigger = rediscussion_trigger_field()
    detail = serializers.CharField(max_length=bounds.SHORT_TEXT, help_text="What happened.")
    activity = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The activity of the plan that deviated, if any.",
    )


class RediscussionSerializer(serializers.ModelSerializer):
    case = serializers.UUIDField(source="case.uuid", read_only=True)
    earlier_plan = serializers.UUIDField(source="earlier_plan.uuid", read_only=True)
    trigger = rediscussion_trigger_field(read_only=True)
    activity = serializers.UUIDField(source="activity.uuid", read_only=True, allow_null=True)
    requested_by = UserSummarySerializer(read_only=True)
    placed = serializers.SerializerMethodField()

    class Meta:
        model = Rediscussion
        fields = [
            "uuid",
            "case",
            "earlier_plan",
            "trigger",
            "detail",
            "activity",
            "requested_by",
            "requested_at",
            "placed",
        ]
        read_only_fields = fields

    def get_placed(self, obj) -> bool:
        """Whether the case has been put on an agenda for it."""
        return obj.agenda_item_id is not None


class PlanDissentInputSerializer(StrictInputMixin, serializers.Serializer):
    member = serializers.CharField(help_text="Username of the dissenting board member.")
    view = serializers.CharField(max_length=bounds.TEXT)
    version = serializers.IntegerField(min_value=1, required=False, help_text=VERSION_HELP)


class PlanSignInputSerializer(StrictInputMixin, serializers.Serializer):
    quorum_override_reason = serializers.CharField(
        max_length=bounds.SHORT_TEXT,
        allow_blank=True,
        required=False,
        default="",
        help_text="Required when quorum is not met: why the board proceeds without it.",
    )
    version = serializers.IntegerField(min_value=1, required=False, help_text=VERSION_HELP)


class PlanAmendmentActivitySerializer(StrictInputMixin, PlanActivityFieldsSerializer):
    action = _choice(
        [("add", "Add"), ("change", "Change"), ("remove", "Remove")], "AmendmentActionEnum"
    )
    activity = serializers.UUIDField(required=False, help_text="The activity (change, remove).")


class PlanAmendmentInputSerializer(StrictInputMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=bounds.SHORT_TEXT)
    summary = serializers.CharField(max_length=bounds.LONG_TEXT, allow_blank=True, required=False)
    activities = PlanAmendmentActivitySerializer(many=True, required=False, default=list)
    version = serializers.IntegerField(min_value=1, required=False, help_text=VERSION_HELP)
