"""API shapes for opinions: input validation of shape only, and output.

Which options a discipline may choose, whether a regimen fits, who may write: the services decide.
No serializer here saves anything.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import Case
from cases.selectors import cases_visible_to
from recommendations.models import Opinion
from recommendations.opinions.options import OPTIONS, SYSTEMIC_CLASSES, option_label
from scheduling.models import Discipline, Meeting
from scheduling.selectors import meetings_visible_to
from tumorboard import bounds
from tumorboard.api import ScopedUUIDField, StrictInputMixin, UserSummarySerializer
from tumorboard.openapi import NamedChoiceField

# Every option of every discipline, once (a slug may serve two disciplines).
ALL_OPTION_CHOICES = list(
    {value: label for options in OPTIONS.values() for value, label in options}.items()
)
HISTORY_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def urgency_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(
        choices=Opinion.Urgency.choices, component="OpinionUrgencyEnum", **kwargs
    )


def confidence_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(
        choices=Opinion.Confidence.choices, component="OpinionConfidenceEnum", **kwargs
    )


def option_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=ALL_OPTION_CHOICES, component="OpinionOptionEnum", **kwargs)


class OpinionFieldsMixin(serializers.Serializer):
    """The fields a specialist fills in."""

    options = serializers.ListField(
        child=option_field(),
        allow_empty=False,
        help_text="Recommended options, from your discipline's list (GET /options/).",
    )
    regimen = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        help_text="Radiation regimen from the board's lists, e.g. '8 Gy x 1' or '24 Gy/2'; "
        "required with cEBRT or SBRT.",
    )
    systemic_class = serializers.ChoiceField(
        choices=SYSTEMIC_CLASSES,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required with continuing, starting or changing systemic therapy.",
    )
    systemic_line = serializers.IntegerField(
        min_value=1,
        max_value=20,
        required=False,
        allow_null=True,
        default=None,
        help_text="Line of therapy (1 = first line); required to start or change therapy.",
    )
    details = serializers.CharField(
        max_length=bounds.TEXT, required=False, allow_blank=True, default=""
    )
    urgency = urgency_field(required=False, default=Opinion.Urgency.ROUTINE)
    rationale = serializers.CharField(max_length=bounds.LONG_TEXT)
    confidence = confidence_field()
    questions_for_board = serializers.CharField(
        max_length=bounds.TEXT, required=False, allow_blank=True, default=""
    )
    data_needed = serializers.CharField(
        max_length=bounds.TEXT,
        required=False,
        allow_blank=True,
        default="",
        help_text="Data still needed to decide.",
    )


class OpinionCreateSerializer(StrictInputMixin, OpinionFieldsMixin):
    case = ScopedUUIDField(model=Case, scope=cases_visible_to)
    meeting = ScopedUUIDField(model=Meeting, scope=meetings_visible_to)


class OpinionUpdateSerializer(StrictInputMixin, OpinionFieldsMixin):
    """A partial change; `revision` (or an If-Match header) names the version being changed."""

    revision = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The revision you read; a stale one is answered 409 with the current opinion.",
    )
    # Used with partial=True: a PATCH sends only what changes and defaults are not applied.


class OpinionFilterSerializer(serializers.Serializer):
    case = serializers.UUIDField(help_text="The case (uuid).")
    meeting = serializers.UUIDField(help_text="The meeting (uuid).")


class OpinionSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    meeting = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    author = UserSummarySerializer(read_only=True)
    discipline = serializers.ChoiceField(choices=Discipline.choices, read_only=True)
    options = serializers.ListField(child=option_field(), read_only=True)
    option_labels = serializers.SerializerMethodField(help_text="The options, in words.")
    urgency = urgency_field(read_only=True)
    confidence = confidence_field(read_only=True)

    class Meta:
        model = Opinion
        fields = [
            "uuid",
            "case",
            "meeting",
            "author",
            "discipline",
            "options",
            "option_labels",
            "regimen",
            "systemic_class",
            "systemic_line",
            "details",
            "urgency",
            "rationale",
            "confidence",
            "questions_for_board",
            "data_needed",
            "submitted_at",
            "revision",
            "updated_at",
        ]
        read_only_fields = fields

    def get_option_labels(self, opinion: Opinion) -> list[str]:
        return [option_label(slug) for slug in opinion.options]


class OpinionConflictSerializer(serializers.Serializer):
    """A 409: `current` only for a stale revision, `revision` also for an opinion that already
    exists, neither once the meeting has started (found by the stateful API fuzzing)."""

    detail = serializers.CharField()
    revision = serializers.ListField(child=serializers.CharField(), required=False)
    current = OpinionSerializer(
        required=False, help_text="The opinion as it is now (a stale revision only)."
    )


class OpinionHistoryEntrySerializer(serializers.Serializer):
    """One saved version of an opinion."""

    revision = serializers.IntegerField()
    at = serializers.DateTimeField(source="history_date")
    by = UserSummarySerializer(source="history_user", allow_null=True)
    action = serializers.SerializerMethodField()
    options = serializers.ListField(child=serializers.CharField())
    regimen = serializers.CharField()
    systemic_class = serializers.CharField()
    systemic_line = serializers.IntegerField(allow_null=True)
    details = serializers.CharField(max_length=bounds.TEXT)
    urgency = serializers.CharField()
    rationale = serializers.CharField(max_length=bounds.LONG_TEXT)
    confidence = serializers.CharField()
    questions_for_board = serializers.CharField(max_length=bounds.TEXT)
    data_needed = serializers.CharField(max_length=bounds.TEXT)

    @extend_schema_field(serializers.ChoiceField(choices=list(HISTORY_ACTIONS.values())))
    def get_action(self, row) -> str:
        return HISTORY_ACTIONS[row.history_type]


# The controlled lists -------------------------------------------------------------------------


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class DisciplineOptionsSerializer(serializers.Serializer):
    discipline = serializers.CharField()
    label = serializers.CharField()
    options = ChoiceSerializer(many=True)


class BoardRegimensSerializer(serializers.Serializer):
    board = serializers.UUIDField()
    name = serializers.CharField()
    cebrt = serializers.ListField(child=serializers.CharField(), help_text="cEBRT regimens.")
    sbrt = serializers.ListField(child=serializers.CharField(), help_text="SBRT regimens.")


class OptionCatalogueSerializer(serializers.Serializer):
    your_discipline = serializers.CharField(
        allow_null=True, help_text="The discipline you give opinions for, if any."
    )
    disciplines = DisciplineOptionsSerializer(many=True)
    systemic_classes = ChoiceSerializer(many=True)
    boards = BoardRegimensSerializer(
        many=True, help_text="Regimens offered by each of your boards."
    )
