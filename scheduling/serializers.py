"""API shapes for boards, meetings, agendas, invitations, attendance and the readiness board.

Output shapes only (and shape-only field types); the input serializers live in api.py.
No serializer here saves anything.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import Case
from cases.serializers import BoardSummarySerializer
from tumorboard.openapi import NamedChoiceField

from . import recurrence as rec
from .models import Attendance, Board, BoardSchedule, Discipline, Invitation, Meeting


def meeting_kind_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=Meeting.Kind.choices, component="MeetingKindEnum", **kwargs)


def attendance_mode_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(
        choices=Attendance.Mode.choices, component="MeetingAttendanceModeEnum", **kwargs
    )


def board_discipline_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=Discipline.choices, component="BoardDisciplineEnum", **kwargs)


@extend_schema_field({"type": "string", "anyOf": [{"format": "uri"}, {"maxLength": 0}]})
class LinkField(serializers.CharField):
    """Output of a web link, or "" when there is none (the "uri" format alone refuses "")."""


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$", "example": "07:30:00"}
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the board's time zone, without an offset (the "time" format of
    JSON Schema would require one)."""


INVITATION_ANSWERS = [
    (Invitation.Response.ACCEPTED.value, Invitation.Response.ACCEPTED.label),
    (Invitation.Response.DECLINED.value, Invitation.Response.DECLINED.label),
]


# Boards and meetings ---------------------------------------------------------------------------


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
    kind = meeting_kind_field(read_only=True)
    video_link = LinkField(read_only=True)
    status_display = serializers.SerializerMethodField(
        help_text='The status in words, e.g. "In progress" while the meeting runs.'
    )

    class Meta:
        model = Meeting
        fields = [
            "uuid",
            "board",
            "starts_at",
            "ends_at",
            "kind",
            "status",
            "status_display",
            "location",
            "video_link",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_status_display(self, meeting) -> str:
        status = meeting["status"] if isinstance(meeting, dict) else meeting.status
        return str(Meeting.Status(status).label)


class MeetingFilterSerializer(serializers.Serializer):
    upcoming = serializers.BooleanField(
        required=False,
        default=None,
        allow_null=True,
        help_text="true: only meetings not yet over and not cancelled. Omitted or false: all.",
    )


class ScheduleSerializer(serializers.ModelSerializer):
    board = serializers.UUIDField(source="board.uuid", read_only=True)
    description = serializers.CharField(
        read_only=True, help_text='As people read it: "Every Thursday at 07:30, Europe/London".'
    )
    frequency = serializers.SerializerMethodField(
        help_text="weekly, fortnightly or monthly; null for an older rule no pattern builds."
    )
    weekday = serializers.SerializerMethodField(help_text="0 (Monday) to 6 (Sunday), or null.")
    week_of_month = serializers.SerializerMethodField(
        help_text="For a monthly schedule: 1-4, or -1 for the last; else null."
    )
    recurrence = serializers.CharField(
        read_only=True, help_text="The RFC 5545 rule built from the pattern (read only)."
    )
    local_start_time = LocalTimeField(read_only=True, help_text="In the schedule's time zone.")
    video_link = LinkField(read_only=True)

    class Meta:
        model = BoardSchedule
        fields = [
            "id",
            "board",
            "description",
            "frequency",
            "weekday",
            "week_of_month",
            "time_zone",
            "recurrence",
            "local_start_time",
            "duration_minutes",
            "starts_on",
            "location",
            "video_link",
            "active",
        ]
        read_only_fields = fields

    def _pattern(self, schedule):
        return rec.pattern_of(schedule.recurrence)

    @extend_schema_field(serializers.ChoiceField(choices=rec.FREQUENCY_CHOICES, allow_null=True))
    def get_frequency(self, schedule) -> str | None:
        pattern = self._pattern(schedule)
        return pattern.frequency if pattern else None

    def get_weekday(self, schedule) -> int | None:
        pattern = self._pattern(schedule)
        return pattern.weekday if pattern else None

    def get_week_of_month(self, schedule) -> int | None:
        pattern = self._pattern(schedule)
        return pattern.week_of_month if pattern else None


# Meeting detail --------------------------------------------------------------------------------


class BoardPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AgendaCaseFlagSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["cord_compression", "unstable"])
    label = serializers.CharField(help_text='Short, for a badge: "Cord compression".')
    text = serializers.CharField(help_text="The reason, naming its source.")


class CaseReadinessSerializer(serializers.Serializer):
    ready = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField())
    stale = serializers.ListField(child=serializers.CharField())


class AgendaCaseSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    label = serializers.CharField(help_text='e.g. "Case 1a2b3c4d (Renal cell)".')
    status = serializers.ChoiceField(choices=Case.Status.choices)
    urgency = serializers.ChoiceField(choices=Case.Urgency.choices)


class MeetingAgendaEntrySerializer(serializers.Serializer):
    position = serializers.IntegerField()
    case = AgendaCaseSerializer()
    minutes_allotted = serializers.IntegerField()
    added_late = serializers.BooleanField(help_text="Added after the agenda was circulated.")
    is_open = serializers.BooleanField()
    urgent = serializers.BooleanField(
        help_text="Placed first: urgent referral or cord compression."
    )
    flags = AgendaCaseFlagSerializer(many=True)
    readiness = CaseReadinessSerializer()


class MeetingQuorumSerializer(serializers.Serializer):
    met = serializers.BooleanField()
    required = serializers.ListField(child=serializers.CharField())
    present = serializers.ListField(child=serializers.CharField())
    missing_disciplines = serializers.ListField(child=serializers.CharField())
    minimum_present = serializers.IntegerField(
        help_text="The board's rule: at least this many people present."
    )
    present_count = serializers.IntegerField(help_text="People present (in person or remote).")


class OverbookingSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
    allowed_by = BoardPersonSerializer(allow_null=True)
    allowed_at = serializers.DateTimeField(allow_null=True)


class MeetingDetailSerializer(MeetingSerializer):
    time_zone = serializers.CharField(source="board.time_zone", read_only=True)
    starts_at_local = serializers.CharField(
        read_only=True, help_text="The start in the board's time zone, ISO 8601 with offset."
    )
    ends_at_local = serializers.CharField(read_only=True)
    agenda_circulated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    length_minutes = serializers.IntegerField(read_only=True)
    booked_minutes = serializers.IntegerField(read_only=True)
    available_minutes = serializers.IntegerField(
        read_only=True, help_text="Negative when overbooked."
    )
    overbooked = serializers.BooleanField(read_only=True)
    overbooking = OverbookingSerializer(read_only=True)
    quorum = MeetingQuorumSerializer(read_only=True)
    agenda = MeetingAgendaEntrySerializer(many=True, read_only=True)
    can_edit = serializers.BooleanField(
        read_only=True, help_text="Whether you may change it (the board's coordinators, chair)."
    )
    calendar_url = serializers.CharField(read_only=True)

    class Meta(MeetingSerializer.Meta):
        fields = [
            *MeetingSerializer.Meta.fields,
            "time_zone",
            "starts_at_local",
            "ends_at_local",
            "agenda_circulated_at",
            "length_minutes",
            "booked_minutes",
            "available_minutes",
            "overbooked",
            "overbooking",
            "quorum",
            "agenda",
            "can_edit",
            "calendar_url",
        ]
        read_only_fields = fields


class CirculateResultSerializer(serializers.Serializer):
    circulated_now = serializers.BooleanField(
        help_text="false when the agenda had already been circulated (nothing was sent again)."
    )
    meeting = MeetingDetailSerializer()


class DeferralSerializer(serializers.Serializer):
    case = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    from_meeting = serializers.UUIDField(allow_null=True)
    to_meeting = serializers.UUIDField(allow_null=True)
    not_placed = serializers.CharField(
        allow_blank=True, help_text="Why the case is not on the next meeting (empty if it is)."
    )


# Invitations and attendance --------------------------------------------------------------------


class ConflictMeetingSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    board = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meeting = serializers.UUIDField()
    user = BoardPersonSerializer()
    discipline = board_discipline_field(allow_blank=True)
    response = NamedChoiceField(
        choices=Invitation.Response.choices, component="InvitationResponseEnum"
    )
    responded_at = serializers.DateTimeField(allow_null=True)
    conflicts = ConflictMeetingSerializer(
        many=True, help_text="Overlapping meetings this person is also expected at."
    )


class ConflictWarningSerializer(serializers.Serializer):
    user = BoardPersonSerializer()
    other_meeting = ConflictMeetingSerializer()
    message = serializers.CharField()


class InviteResultSerializer(serializers.Serializer):
    invited = InvitationSerializer(many=True)
    warnings = ConflictWarningSerializer(many=True)


class AttendanceRowSerializer(serializers.Serializer):
    user = BoardPersonSerializer()
    discipline = board_discipline_field(allow_blank=True)
    invited = serializers.BooleanField()
    mode = attendance_mode_field(allow_blank=True, help_text="Empty when not recorded yet.")


class AttendanceSheetSerializer(serializers.Serializer):
    attendance = AttendanceRowSerializer(many=True)
    quorum = MeetingQuorumSerializer()


# Readiness board and calendar feed ------------------------------------------------------------


class ReadinessMeetingSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    starts_at = serializers.DateTimeField()


class ReadinessCardSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    label = serializers.CharField()
    patient_name = serializers.CharField()
    board = BoardSummarySerializer()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    urgency = serializers.ChoiceField(choices=Case.Urgency.choices)
    urgent = serializers.BooleanField()
    flags = AgendaCaseFlagSerializer(many=True)
    readiness = CaseReadinessSerializer()
    meeting = ReadinessMeetingSerializer(allow_null=True)


class ReadinessColumnSerializer(serializers.Serializer):
    state = NamedChoiceField(
        choices=[
            ("referred", "Referred"),
            ("ready", "Ready"),
            ("scheduled", "Scheduled"),
            ("discussed", "Discussed"),
            ("follow_up", "Follow-up (plan signed)"),
            ("deferred", "Deferred"),
        ],
        component="ReadinessStateEnum",
    )
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Every case in this column, shown or not.")
    cases = ReadinessCardSerializer(
        many=True, help_text="The most urgent cases of the column first, then the oldest."
    )
    next = serializers.CharField(
        allow_null=True,
        help_text="The API address of the column's next page (a cursor), or null at its end.",
    )


class CasePickSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    label = serializers.CharField(
        help_text="How coordinators pick a case: patient, urgency, status, board."
    )
    patient_name = serializers.CharField()
    mrn = serializers.CharField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    urgency = serializers.ChoiceField(choices=Case.Urgency.choices)


class CasePicksSerializer(serializers.Serializer):
    results = CasePickSerializer(many=True, help_text="Most urgent first, then the oldest.")
    more = serializers.BooleanField(help_text="Whether more cases match than are shown.")
    searched = serializers.BooleanField(help_text="Whether `q` narrowed the cases down.")


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Secret: anyone with this URL can read your meetings.")
    created_at = serializers.DateTimeField()
