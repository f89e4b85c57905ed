"""A board's people and their duties, its full settings, and the staff search that finds people
to add. Members of the board read; its coordinators and chair change (403 for other members,
404 outside the user's boards)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tumorboard.api import StaffApiMixin, StrictInputMixin, error_responses

from .. import services
from ..access import NOT_COORDINATOR, can_coordinate
from ..models import (
    FOLLOW_UP_DAYS_HELP,
    FOLLOW_UP_DAYS_MAX,
    FOLLOW_UP_TIMEPOINTS_MAX,
    Board,
    BoardMembership,
    Discipline,
)
from ..selectors import STAFF_SEARCH_LIMIT, board_member_rows, staff_to_add
from .common import WRITE_ERRORS, board_or_404

_errors = error_responses(
    {403: "Not clinical staff, or (for a change) not a coordinator or chair of this board."}
)


def _coordinator_only(request, board: Board) -> None:
    if not can_coordinate(request.user, board):
        raise exceptions.PermissionDenied(NOT_COORDINATOR)


# --- the board and its settings ---------------------------------------------------------------


class BoardDetailSerializer(serializers.ModelSerializer):
    required_disciplines = serializers.ListField(
        child=serializers.ChoiceField(choices=Discipline.choices),
        help_text="Quorum needs someone present for each of these.",
    )
    can_change = serializers.SerializerMethodField(
        help_text="Whether you may change the board (its coordinators and chair)."
    )

    class Meta:
        model = Board
        fields = [
            "uuid",
            "name",
            "time_zone",
            "opinion_deadline_hours",
            "agenda_circulation_hours",
            "mri_max_age_days",
            "mri_from_attachments",
            "default_case_minutes",
            "opinions_blind",
            "required_disciplines",
            "quorum_min_present",
            "target_referral_to_meeting_days",
            "target_urgent_hours",
            "target_plan_signed_days",
            "target_treatment_days",
            "follow_up_days",
            "can_change",
        ]
        read_only_fields = fields

    def get_can_change(self, board) -> bool:
        return can_coordinate(self.context["request"].user, board)


class BoardUpdateSerializer(StrictInputMixin, serializers.Serializer):
    """Send only what changes; the decision-support settings are at .../settings/."""

    name = serializers.CharField(required=False, max_length=200)
    time_zone = serializers.CharField(
        required=False, max_length=64, help_text="An IANA time zone, e.g. Europe/London."
    )
    opinion_deadline_hours = serializers.IntegerField(
        required=False, min_value=0, max_value=336, help_text="Hours before the meeting."
    )
    agenda_circulation_hours = serializers.IntegerField(
        required=False, min_value=0, max_value=336, help_text="Hours before the meeting."
    )
    mri_max_age_days = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=365,
        help_text="A spine MRI older than this makes a case not ready.",
    )
    mri_from_attachments = serializers.BooleanField(
        required=False,
        help_text="An attached MRI's study date counts as the spine MRI date for readiness.",
    )
    default_case_minutes = serializers.IntegerField(required=False, min_value=1, max_value=120)
    opinions_blind = serializers.BooleanField(
        required=False,
        help_text="A specialist sees the others' opinions only after giving their own.",
    )
    required_disciplines = serializers.MultipleChoiceField(
        choices=Discipline.choices,
        required=False,
        allow_empty=True,
        help_text="Quorum needs someone present for each; [] requires none.",
    )
    quorum_min_present = serializers.IntegerField(required=False, min_value=1, max_value=50)
    target_referral_to_meeting_days = serializers.IntegerField(
        required=False, min_value=1, max_value=90, help_text="Results page target (days)."
    )
    target_urgent_hours = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=168,
        help_text="Results page target for emergency (cord compression) cases (hours).",
    )
    target_plan_signed_days = serializers.IntegerField(
        required=False, min_value=0, max_value=30, help_text="Meeting to signed plan (days)."
    )
    target_treatment_days = serializers.IntegerField(
        required=False, min_value=1, max_value=180, help_text="Signed plan to treatment (days)."
    )
    follow_up_days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=FOLLOW_UP_DAYS_MAX),
        required=False,
        min_length=1,
        max_length=FOLLOW_UP_TIMEPOINTS_MAX,
        help_text=FOLLOW_UP_DAYS_HELP + " Applies to follow-ups scheduled from then on.",
    )

    def validate_required_disciplines(self, value) -> list[str]:
        return list(value)  # a set; the service puts them in the order of Discipline


@extend_schema(tags=["boards"])
class BoardDetailApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="A board: its name, time zone, coordination settings and quorum rule",
        responses={200: BoardDetailSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        board = board_or_404(request, uuid)
        return Response(BoardDetailSerializer(board, context={"request": request}).data)

    @extend_schema(
        summary="Change a board's settings (coordinators and chair)",
        request=BoardUpdateSerializer,
        responses={200: BoardDetailSerializer, **_errors(400, 403, 404)},
    )
    def patch(self, request, uuid):
        board = board_or_404(request, uuid)
        _coordinator_only(request, board)
        serializer = BoardUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        board = services.board_settings_update(
            board=board, by=request.user, **serializer.validated_data
        )
        return Response(BoardDetailSerializer(board, context={"request": request}).data)


# --- members ----------------------------------------------------------------------------------


class MemberSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk", help_text="The person's user id.")
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=BoardMembership.Role.choices)
    discipline = serializers.CharField(help_text="Of their specialist profile; empty if none.")
    title = serializers.CharField()


class MemberAddSerializer(StrictInputMixin, serializers.Serializer):
    user = serializers.IntegerField(help_text="A user id from the staff search.")
    role = serializers.ChoiceField(
        choices=BoardMembership.Role.choices, default=BoardMembership.Role.MEMBER
    )


class MemberRoleSerializer(StrictInputMixin, serializers.Serializer):
    role = serializers.ChoiceField(choices=BoardMembership.Role.choices)


def _member_data(board: Board, user) -> dict:
    row = next(row for row in board_member_rows(board) if row.user.pk == user.pk)
    return MemberSerializer(row).data


def _member_or_404(board: Board, user_id: int):
    user = (
        get_user_model()
        .objects.filter(pk=user_id, board_memberships__board=board)
        .distinct()
        .first()
    )
    if user is None:
        raise Http404
    return user


@extend_schema(tags=["boards"])
class BoardMembersApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="The board's people and their duties",
        responses={200: MemberSerializer(many=True), **_errors(403, 404)},
    )
    def get(self, request, uuid):
        board = board_or_404(request, uuid)
        return Response(MemberSerializer(board_member_rows(board), many=True).data)

    @extend_schema(
        summary="Add a member of the clinical staff to the board (coordinators and chair)",
        request=MemberAddSerializer,
        responses={201: MemberSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        board = board_or_404(request, uuid)
        _coordinator_only(request, board)
        serializer = MemberAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = get_user_model().objects.filter(pk=serializer.validated_data["user"]).first()
        if user is None:
            raise serializers.ValidationError({"user": ["Choose a person from the staff search."]})
        services.board_member_add(
            board=board, user=user, role=serializer.validated_data["role"], by=request.user
        )
        return Response(_member_data(board, user), status=status.HTTP_201_CREATED)


@extend_schema(tags=["boards"])
class BoardMemberApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Change a person's duty on the board (coordinators and chair)",
        description="The board keeps at least one coordinator.",
        request=MemberRoleSerializer,
        responses={200: MemberSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, uuid, user_id):
        board = board_or_404(request, uuid)
        _coordinator_only(request, board)
        user = _member_or_404(board, user_id)
        serializer = MemberRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.board_member_set_role(
            board=board, user=user, role=serializer.validated_data["role"], by=request.user
        )
        return Response(_member_data(board, user))

    @extend_schema(
        summary="Take a person off the board (coordinators and chair)",
        description="Refused (400) for the board's last coordinator.",
        request=None,
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request, uuid, user_id):
        board = board_or_404(request, uuid)
        _coordinator_only(request, board)
        user = _member_or_404(board, user_id)
        services.board_member_remove(board=board, user=user, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StaffSearchSerializer(StrictInputMixin, serializers.Serializer):
    q = serializers.CharField(
        max_length=100,
        allow_blank=True,
        help_text="At least 2 letters of a name, username or e-mail (each word starts a name).",
    )


class StaffFoundSerializer(serializers.Serializer):
    class PersonSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        discipline = serializers.CharField()

    results = PersonSerializer(many=True)
    more = serializers.BooleanField(help_text=f"More than {STAFF_SEARCH_LIMIT} match.")


@extend_schema(tags=["boards"])
class BoardStaffSearchApi(StaffApiMixin, APIView):
    """A POST, so a typed name never appears in a URL or an access log."""

    @extend_schema(
        summary="Find clinical staff to add to the board (coordinators and chair)",
        description=f"Active staff not on the board; at most {STAFF_SEARCH_LIMIT}.",
        request=StaffSearchSerializer,
        responses={200: StaffFoundSerializer, **_errors(400, 403, 404)},
    )
    def post(self, request, uuid):
        board = board_or_404(request, uuid)
        _coordinator_only(request, board)
        serializer = StaffSearchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        found = staff_to_add(board, q=serializer.validated_data["q"])
        results = [
            {
                "id": user.pk,
                "name": user.get_full_name() or user.get_username(),
                "discipline": getattr(getattr(user, "specialist_profile", None), "discipline", ""),
            }
            for user in found.users
        ]
        return Response(StaffFoundSerializer({"results": results, "more": found.more}).data)
