"""API shapes for boards and meetings (read-only for now)."""

from rest_framework import serializers

from .models import Board, Meeting


class BoardSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Board
        fields = ["uuid", "name"]
        read_only_fields = fields


class BoardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Board
        fields = [
            "uuid",
            "name",
            "time_zone",
            "required_disciplines",
            "escc_1c_high_grade",
            "intermediate_histology",
            "sbrt_regimens",
        ]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    board = BoardSummarySerializer(read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "uuid",
            "board",
            "starts_at",
            "ends_at",
            "kind",
            "status",
            "location",
            "video_link",
        ]
        read_only_fields = fields


class MeetingFilterSerializer(serializers.Serializer):
    upcoming = serializers.BooleanField(
        required=False,
        default=None,
        allow_null=True,
        help_text="true: only meetings not yet over and not cancelled. Omitted or false: all.",
    )
