"""REST API v1 for pre-meeting summaries: prepare a meeting, follow progress, retry, read.

Access: clinical staff only (403 otherwise); a meeting outside the user's boards answers 404.
Preparing, progress and retry are for the board's coordinators and chairs (403 for its other
members); the packet and summaries are readable by every member, under the blind-opinion rule
(`selectors.summaries_withheld`).
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from audit import reads
from recommendations.models import PreMeetingSummary
from recommendations.summaries.selectors import (
    STATUS_LABELS,
    agenda_item_for,
    meeting_packet,
    meeting_preparation_progress,
    progress_reads,
    summaries_withheld,
    summary_detail,
    summary_versions,
)
from recommendations.summaries.services import meeting_prepare_request, preparation_retry
from scheduling.access import can_coordinate
from scheduling.models import AgendaItem, Meeting
from scheduling.selectors import meeting_for_user
from tumorboard.api import StaffApiMixin, error_responses
from tumorboard.openapi import NamedChoiceField

_errors = error_responses(
    {
        400: "Refused: `detail` says why (e.g. the meeting is closed).",
        403: "Not clinical staff; not a coordinator or chair of the board; or, on a "
        "board with blind opinions, your own opinion on the case is not given yet.",
        404: "No such meeting (or case on its agenda) within your boards.",
        409: "The item's preparation is not in a state to retry.",
    }
)
STATUSES = list(STATUS_LABELS.items())


def status_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=STATUSES, component="SummaryPreparationStatusEnum", **kwargs)


# --- serializers (output shapes) ---------------------------------------------------------------


@extend_schema_field(OpenApiTypes.OBJECT)
class ContentField(serializers.JSONField):
    """The summary content: case in brief, scores and NOMS, opinions, agreements and
    disagreements, missing opinions and data, questions to settle (see
    recommendations.summaries.build).
    """


class SummaryPreparationItemSerializer(serializers.Serializer):
    position = serializers.IntegerField(source="item.position")
    case = serializers.UUIDField(source="item.case.uuid")
    status = status_field()
    status_label = serializers.CharField()
    error = serializers.CharField(help_text="Why preparing failed; empty otherwise.")
    attempts = serializers.IntegerField()
    requested_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(allow_null=True, help_text="Latest summary version.")
    stale = serializers.BooleanField(help_text="The inputs changed since the latest version.")
    can_retry = serializers.BooleanField()


class SummaryPreparationProgressSerializer(serializers.Serializer):
    meeting = serializers.UUIDField(source="meeting.uuid")
    total = serializers.IntegerField()
    prepared = serializers.IntegerField(help_text="Items with a summary of their current inputs.")
    queued = serializers.IntegerField()
    running = serializers.IntegerField()
    failed = serializers.IntegerField()
    not_requested = serializers.IntegerField()
    stale = serializers.IntegerField()
    complete = serializers.BooleanField()
    items = SummaryPreparationItemSerializer(many=True)


class PreMeetingSummaryVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PreMeetingSummary
        fields = ["version", "created_at"]


class PreMeetingSummarySerializer(serializers.ModelSerializer):
    content = ContentField()

    class Meta:
        model = PreMeetingSummary
        fields = ["version", "created_at", "content"]


class MeetingPacketMeetingSerializer(serializers.ModelSerializer):
    board = serializers.CharField(source="board.name")

    class Meta:
        model = Meeting
        fields = ["uuid", "board", "starts_at", "ends_at", "status"]


class MeetingPacketEntrySerializer(serializers.Serializer):
    position = serializers.IntegerField(source="item.position")
    case = serializers.UUIDField(source="item.case.uuid")
    minutes_allotted = serializers.IntegerField(source="item.minutes_allotted")
    withheld = serializers.BooleanField(
        help_text="Blind opinions: give your own opinion on the case to read its summary."
    )
    stale = serializers.BooleanField(help_text="The inputs changed since this version.")
    summary = PreMeetingSummarySerializer(
        allow_null=True, help_text="Null: not prepared yet, or withheld."
    )


class MeetingPacketSerializer(serializers.Serializer):
    meeting = MeetingPacketMeetingSerializer()
    items = MeetingPacketEntrySerializer(many=True)


class PreMeetingSummaryDetailSerializer(MeetingPacketEntrySerializer):
    versions = PreMeetingSummaryVersionSerializer(many=True)


class PreMeetingSummaryQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="A version number; default the latest."
    )


class SummaryPreparationRetrySerializer(serializers.Serializer):
    status = status_field()
    progress = SummaryPreparationProgressSerializer()


# --- access ------------------------------------------------------------------------------------


def _meeting(request, uuid) -> Meeting:
    try:
        return meeting_for_user(user=request.user, uuid=uuid)
    except Meeting.DoesNotExist:
        raise Http404 from None


def _coordinated_meeting(request, uuid) -> Meeting:
    meeting = _meeting(request, uuid)
    if not can_coordinate(request.user, meeting.board):
        raise PermissionDenied("Only the board's coordinators and chairs prepare summaries.")
    return meeting


def _agenda_item(meeting: Meeting, case_uuid) -> AgendaItem:
    try:
        return agenda_item_for(meeting=meeting, case_uuid=case_uuid)
    except AgendaItem.DoesNotExist:
        raise Http404 from None


def _withheld(request, meeting: Meeting) -> set[int] | None:
    return summaries_withheld(user=request.user, meeting=meeting)


# --- views -------------------------------------------------------------------------------------


@extend_schema(tags=["summaries"])
class MeetingPrepareApi(StaffApiMixin, GenericAPIView):
    serializer_class = SummaryPreparationProgressSerializer

    @extend_schema(
        summary="Prepare the summaries of every case on the meeting's agenda",
        description="Queues the agenda items' preparation in batches (sent after the request "
        "commits). Items already prepared are prepared again only if their inputs changed.",
        request=None,
        responses={202: SummaryPreparationProgressSerializer, **_errors(400, 403, 404)},
    )
    def post(self, request, uuid):
        meeting = _coordinated_meeting(request, uuid)
        progress = meeting_prepare_request(meeting=meeting, by=request.user)
        return Response(
            SummaryPreparationProgressSerializer(progress).data, status=status.HTTP_202_ACCEPTED
        )


@extend_schema(tags=["summaries"])
class MeetingPreparationApi(StaffApiMixin, GenericAPIView):
    serializer_class = SummaryPreparationProgressSerializer

    @extend_schema(
        summary="How preparing the meeting's summaries stands: n of m, failures with reasons",
        responses={200: SummaryPreparationProgressSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        meeting = _coordinated_meeting(request, uuid)
        progress = meeting_preparation_progress(meeting)
        reads.record_many(request, "summary_preparation", progress_reads(progress))
        return Response(SummaryPreparationProgressSerializer(progress).data)


@extend_schema(tags=["summaries"])
class PreparationRetryApi(StaffApiMixin, GenericAPIView):
    serializer_class = SummaryPreparationRetrySerializer

    @extend_schema(
        summary="Retry preparing one case's summary after a failure",
        request=None,
        responses={202: SummaryPreparationRetrySerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, uuid, case_uuid):
        meeting = _coordinated_meeting(request, uuid)
        item = _agenda_item(meeting, case_uuid)
        preparation = preparation_retry(agenda_item=item, by=request.user)
        progress = meeting_preparation_progress(meeting)
        body = {"status": preparation.status, "progress": progress}
        return Response(
            SummaryPreparationRetrySerializer(body).data, status=status.HTTP_202_ACCEPTED
        )


@extend_schema(tags=["summaries"])
class MeetingPacketApi(StaffApiMixin, GenericAPIView):
    serializer_class = MeetingPacketSerializer

    @extend_schema(
        summary="The meeting packet: every agenda item's latest summary, in agenda order",
        responses={200: MeetingPacketSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        meeting = _meeting(request, uuid)
        entries = meeting_packet(meeting, withheld=_withheld(request, meeting))
        reads.record_many(
            request, "meeting_packet", [(e.case.patient.uuid, e.case.uuid) for e in entries]
        )
        return Response(MeetingPacketSerializer({"meeting": meeting, "items": entries}).data)


@extend_schema(tags=["summaries"])
class MeetingSummaryApi(StaffApiMixin, GenericAPIView):
    serializer_class = PreMeetingSummaryDetailSerializer

    @extend_schema(
        summary="One case's summary for the meeting: latest (or a given) version, stale flag, "
        "and the list of versions",
        parameters=[PreMeetingSummaryQuerySerializer],
        responses={200: PreMeetingSummaryDetailSerializer, **_errors(400, 403, 404)},
    )
    def get(self, request, uuid, case_uuid):
        query = PreMeetingSummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        meeting = _meeting(request, uuid)
        item = _agenda_item(meeting, case_uuid)
        withheld = _withheld(request, meeting)
        if withheld is not None and item.case_id in withheld:
            raise PermissionDenied(
                "Opinions on this board are blind: give your own opinion on this case to read "
                "its summary before the meeting."
            )
        version = query.validated_data.get("version")
        entry = summary_detail(item, version=version)
        if version and entry.summary is None:
            raise Http404
        reads.record(
            request, "pre_meeting_summary", patient=item.case.patient.uuid, obj=item.case.uuid
        )
        body = {
            "item": entry.item,
            "withheld": False,
            "stale": entry.stale,
            "summary": entry.summary,
            "versions": summary_versions(item),
        }
        return Response(PreMeetingSummaryDetailSerializer(body).data)
