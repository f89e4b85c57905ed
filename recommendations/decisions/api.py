"""REST API v1 for meeting mode: the meeting screen, the shared decision record, the consensus
plan, its activities, dissents, sign-off, amendments and history.

Concurrency: the decision record and the plan carry a `version`, returned as the `ETag`. A change
names the version it is based on, either as `If-Match: "<version>"` or as `version` in the body;
the plan's version covers its activities and dissents too. A stale change writes nothing and is
answered with the current record: **412** when it came as If-Match, **409** when it came in the
body. A change that names no version is answered **428 Precondition Required** (adding an
activity or a dissent, and signing, may omit it: nothing is overwritten by them).

Scope comes from `recommendations.decisions.selectors`: records outside the user's boards answer
404; patients and users without a clinical role 403. Shapes are in `serializers.py`.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from recommendations.decisions import selectors, services
from recommendations.decisions.serializers import (
    ConflictSerializer,
    ConsensusPlanSerializer,
    DecisionRecordSerializer,
    DecisionRecordUpdateSerializer,
    MeetingScreenSerializer,
    PlanActivityInputSerializer,
    PlanActivitySerializer,
    PlanActivityStatusInputSerializer,
    PlanAmendmentInputSerializer,
    PlanAmendmentSerializer,
    PlanDissentInputSerializer,
    PlanDissentSerializer,
    PlanHistorySerializer,
    PlanSignInputSerializer,
    PlanUpdateSerializer,
    RediscussionSerializer,
    SendBackInputSerializer,
    VersionConflictSerializer,
)
from recommendations.models import ConsensusPlan, DecisionRecord, PlanActivity
from scheduling.selectors import meeting_for_user
from tumorboard.api import StaffApiMixin, error_responses
from tumorboard.versioning import (
    IF_MATCH_PARAMETER,
    Precondition,
    body_version,
    guarded,
    precondition,
    with_etag,
)

# --- helpers ----------------------------------------------------------------------------------

_errors = error_responses(
    {
        403: "Not clinical staff, or not allowed (e.g. not the chair).",
        409: OpenApiResponse(
            ConflictSerializer,
            description="Stale `version` in the body (the current record is returned), or the "
            "plan is signed and locked.",
        ),
        412: OpenApiResponse(
            VersionConflictSerializer,
            description="Stale If-Match (the current record is returned).",
        ),
    }
)


def _record_response(record: DecisionRecord, code=status.HTTP_200_OK) -> Response:
    record = DecisionRecord.objects.select_related(
        "agenda_item__meeting", "agenda_item__case", "plan", "prefilled_from", "updated_by"
    ).get(pk=record.pk)
    return with_etag(Response(DecisionRecordSerializer(record).data, status=code), record.version)


def _plan_response(plan: ConsensusPlan, code=status.HTTP_200_OK) -> Response:
    plan = (
        ConsensusPlan.objects.select_related("decision", "signed_by", "updated_by")
        .prefetch_related(selectors.activities_prefetch(), selectors.dissents_prefetch())
        .get(pk=plan.pk)
    )
    return with_etag(Response(ConsensusPlanSerializer(plan).data, status=code), plan.version)


def _current(current: DecisionRecord | ConsensusPlan) -> Response:
    if isinstance(current, DecisionRecord):
        return _record_response(current)
    return _plan_response(current)


def _guarded(pre: Precondition, write) -> Response:
    """Run a versioned write; a stale version → 409/412 with the current record, none → 428."""
    return guarded(pre, write, _current)


def _member(board, username, field: str):
    if username in (None, ""):
        return None
    user = selectors.board_member_named(board, username)
    if user is None:
        raise ValidationError({field: ["No member of this board has that username."]})
    return user


def _activity_fields(data: dict, board) -> dict:
    data = dict(data)
    if "responsible_user" in data:
        data["responsible_user"] = _member(board, data["responsible_user"], "responsible_user")
    return data


def _plan_board(plan: ConsensusPlan):
    return plan.decision.agenda_item.meeting.board


def _get(selector, request, uuid):
    """One record within the user's boards, else 404 (whether it exists elsewhere or not)."""
    try:
        return selector(user=request.user, uuid=uuid)
    except ObjectDoesNotExist:
        raise Http404 from None


# --- views ------------------------------------------------------------------------------------


@extend_schema(tags=["meeting mode"])
class MeetingBoardApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="The meeting screen: agenda, summaries, scores, opinions, records, plans",
        description="The agenda in order; per case its latest pre-meeting summary, the scores, "
        "the opinions you may read, the decision record and the plan (null until opened); "
        "attendance and quorum.",
        responses={200: MeetingScreenSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        meeting = _get(meeting_for_user, request, uuid)
        board = selectors.meeting_board(meeting=meeting, user=request.user)
        return Response(MeetingScreenSerializer(board).data)


@extend_schema(tags=["meeting mode"])
class DecisionOpenApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Open the decision record of a case on the agenda (pre-filled)",
        description="Created on first use with its draft plan, pre-filled from the latest "
        "pre-meeting summary (else from NOMS per lesion and the opinions) and the patient's "
        "goals. Opening it again returns the same record (200).",
        request=None,
        responses={
            201: DecisionRecordSerializer,
            200: DecisionRecordSerializer,
            **_errors(400, 403, 404),
        },
    )
    def post(self, request, uuid, case_uuid):
        try:
            item = selectors.agenda_item_for_user(
                user=request.user, meeting_uuid=uuid, case_uuid=case_uuid
            )
        except ObjectDoesNotExist:
            raise Http404 from None
        existed = DecisionRecord.objects.filter(agenda_item=item).exists()
        record = services.decision_record_open(agenda_item=item, by=request.user)
        return _record_response(record, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


@extend_schema(tags=["meeting mode"])
class DecisionDetailApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="One decision record",
        responses={200: DecisionRecordSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        return _record_response(_get(selectors.decision_detail, request, uuid))

    @extend_schema(
        summary="Change the decision record (from the version you read)",
        description="Send only what changes, with If-Match or `version`. `options` replaces the "
        "whole list. Refused once the plan is signed (409).",
        parameters=[IF_MATCH_PARAMETER],
        request=DecisionRecordUpdateSerializer,
        responses={200: DecisionRecordSerializer, **_errors(400, 403, 404, 409, 412, 428)},
    )
    def patch(self, request, uuid):
        record = _get(selectors.decision_detail, request, uuid)
        serializer = DecisionRecordUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pre = precondition(request, data)
        return _guarded(
            pre,
            lambda: _record_response(
                services.decision_record_update(
                    record=record, expected_version=pre.version, by=request.user, **data
                )
            ),
        )


@extend_schema(tags=["meeting mode"])
class PlanDetailApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="One consensus plan", responses={200: ConsensusPlanSerializer, **_errors(403, 404)}
    )
    def get(self, request, uuid):
        return _plan_response(_get(selectors.plan_detail, request, uuid))

    @extend_schema(
        summary="Change the draft plan's outcome or summary",
        parameters=[IF_MATCH_PARAMETER],
        request=PlanUpdateSerializer,
        responses={200: ConsensusPlanSerializer, **_errors(400, 403, 404, 409, 412, 428)},
    )
    def patch(self, request, uuid):
        plan = _get(selectors.plan_detail, request, uuid)
        serializer = PlanUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pre = precondition(request, data)
        return _guarded(
            pre,
            lambda: _plan_response(
                services.plan_update(
                    plan=plan, expected_version=pre.version, by=request.user, **data
                )
            ),
        )


@extend_schema(tags=["meeting mode"])
class PlanActivitiesApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Add an activity to the draft plan",
        description="The plan's version moves on (returned as the ETag). A version is optional.",
        parameters=[IF_MATCH_PARAMETER],
        request=PlanActivityInputSerializer,
        responses={201: PlanActivitySerializer, **_errors(400, 403, 404, 409, 412)},
    )
    def post(self, request, uuid):
        plan = _get(selectors.plan_detail, request, uuid)
        serializer = PlanActivityInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pre = precondition(request, data)
        fields = _activity_fields(data, _plan_board(plan))

        def write():
            activity = services.activity_add(
                plan=plan, by=request.user, expected_version=pre.version, **fields
            )
            return with_etag(
                Response(PlanActivitySerializer(activity).data, status=status.HTTP_201_CREATED),
                activity.plan.version,
            )

        return _guarded(pre, write)


@extend_schema(tags=["meeting mode"])
class ActivityDetailApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Change an activity of the draft plan",
        description="If-Match / `version` is the plan's version (it covers its activities).",
        parameters=[IF_MATCH_PARAMETER],
        request=PlanActivityInputSerializer,
        responses={200: PlanActivitySerializer, **_errors(400, 403, 404, 409, 412, 428)},
    )
    def patch(self, request, uuid):
        activity = _get(selectors.activity_detail, request, uuid)
        serializer = PlanActivityInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pre = precondition(request, data)
        fields = _activity_fields(data, _plan_board(activity.plan))

        def write():
            changed = services.activity_update(
                activity=activity, expected_version=pre.version, by=request.user, **fields
            )
            return with_etag(Response(PlanActivitySerializer(changed).data), changed.plan.version)

        return _guarded(pre, write)

    @extend_schema(
        summary="Remove an activity from the draft plan",
        parameters=[IF_MATCH_PARAMETER],
        request=None,
        responses={204: None, **_errors(400, 403, 404, 409, 412, 428)},
    )
    def delete(self, request, uuid):
        activity = _get(selectors.activity_detail, request, uuid)
        pre = precondition(request, {"version": body_version(request)})

        def write():
            plan = services.activity_remove(
                activity=activity, expected_version=pre.version, by=request.user
            )
            return with_etag(Response(status=status.HTTP_204_NO_CONTENT), plan.version)

        return _guarded(pre, write)


@extend_schema(tags=["meeting mode"])
class ActivityStatusApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Record how an activity stands (follow-up; also on a signed plan)",
        description="planned → in progress → done (with `completed_on`); deviated (with "
        "`reason`, `done_instead` and `completed_on`); cancelled (with `reason`). Done, "
        "deviated and cancelled are final. Recorded by the activity's owner (the person, or a "
        "board member of the discipline responsible) and the board's coordinators and chair; "
        "anyone else 403.",
        request=PlanActivityStatusInputSerializer,
        responses={200: PlanActivitySerializer, **_errors(400, 403, 404)},
    )
    def post(self, request, uuid):
        activity = _get(selectors.activity_detail, request, uuid)
        serializer = PlanActivityStatusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changed = services.activity_set_status(
            activity=activity, by=request.user, **serializer.validated_data
        )
        changed = PlanActivity.objects.select_related("plan", "responsible_user").get(pk=changed.pk)
        return Response(PlanActivitySerializer(changed).data)


@extend_schema(tags=["meeting mode"])
class PlanSendBackApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Send the case back to the board (re-discussion of this signed plan)",
        description="One action: the case returns to the board's queue (ready, or referred "
        "when it is not ready), the re-discussion records the trigger and detail and links this "
        "plan, and the coordinators are told. Allowed to the owner of an activity of the plan "
        "and the board's coordinators and chair. 409 when the case is already sent back or its "
        "plan is not the signed one.",
        request=SendBackInputSerializer,
        responses={201: RediscussionSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, uuid):
        plan = _get(selectors.plan_detail, request, uuid)
        serializer = SendBackInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        activity = None
        if data["activity"] is not None:
            activity = next((a for a in plan.activities.all() if a.uuid == data["activity"]), None)
            if activity is None:
                raise ValidationError({"activity": ["No such activity on this plan."]})
        rediscussion = services.case_send_back(
            case=plan.decision.agenda_item.case,
            by=request.user,
            trigger=data["trigger"],
            detail=data["detail"],
            activity=activity,
        )
        return Response(
            RediscussionSerializer(selectors.rediscussion_detail(rediscussion.pk)).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema(tags=["meeting mode"])
class PlanDissentsApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Record a dissenting view by name (before sign-off)",
        parameters=[IF_MATCH_PARAMETER],
        request=PlanDissentInputSerializer,
        responses={201: PlanDissentSerializer, **_errors(400, 403, 404, 409, 412)},
    )
    def post(self, request, uuid):
        plan = _get(selectors.plan_detail, request, uuid)
        serializer = PlanDissentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pre = precondition(request, data)
        member = _member(_plan_board(plan), data["member"], "member")

        def write():
            dissent = services.dissent_add(
                plan=plan,
                member=member,
                view=data["view"],
                by=request.user,
                expected_version=pre.version,
            )
            return with_etag(
                Response(PlanDissentSerializer(dissent).data, status=status.HTTP_201_CREATED),
                dissent.plan.version,
            )

        return _guarded(pre, write)


@extend_schema(tags=["meeting mode"])
class PlanSignApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Sign the plan (the board's chair)",
        description="Requires an outcome; when quorum is not met, `quorum_override_reason` says "
        "why the board proceeds. The plan is then locked, the case moves on and the activities' "
        "owners are notified.",
        parameters=[IF_MATCH_PARAMETER],
        request=PlanSignInputSerializer,
        responses={200: ConsensusPlanSerializer, **_errors(400, 403, 404, 409, 412)},
    )
    def post(self, request, uuid):
        plan = _get(selectors.plan_detail, request, uuid)
        serializer = PlanSignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pre = precondition(request, data)
        return _guarded(
            pre,
            lambda: _plan_response(
                services.plan_sign(
                    plan=plan,
                    by=request.user,
                    quorum_override_reason=data["quorum_override_reason"],
                    expected_version=pre.version,
                )
            ),
        )


@extend_schema(tags=["meeting mode"])
class PlanAmendmentsApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Amend a signed plan (chair or coordinator), with a reason",
        description="`summary` changes the plan's summary; `activities` adds, changes (while "
        "planned or in progress) or removes (while planned) activities. Earlier versions stay "
        "readable in the history.",
        parameters=[IF_MATCH_PARAMETER],
        request=PlanAmendmentInputSerializer,
        responses={201: PlanAmendmentSerializer, **_errors(400, 403, 404, 409, 412)},
    )
    def post(self, request, uuid):
        plan = _get(selectors.plan_detail, request, uuid)
        serializer = PlanAmendmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pre = precondition(request, data)
        board = _plan_board(plan)
        existing = {a.uuid: a for a in plan.activities.all()}
        changes = []
        for number, entry in enumerate(data["activities"], 1):
            entry = dict(entry)
            action, target = entry.pop("action"), entry.pop("activity", None)
            activity = None
            if action != "add":
                activity = existing.get(target)
                if activity is None:
                    raise ValidationError(
                        {"activities": [f"Activity {number}: no such activity on this plan."]}
                    )
            changes.append(
                services.ActivityChange(
                    action, activity=activity, fields=_activity_fields(entry, board)
                )
            )
        plan_changes = {"summary": data["summary"]} if "summary" in data else {}

        def write():
            amendment = services.plan_amend(
                plan=plan,
                reason=data["reason"],
                by=request.user,
                changes=plan_changes,
                activities=changes,
                expected_version=pre.version,
            )
            return with_etag(
                Response(PlanAmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED),
                amendment.plan.version,
            )

        return _guarded(pre, write)


@extend_schema(tags=["meeting mode"])
class PlanHistoryApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="The plan's versions (each readable as it was) and every change, attributed",
        responses={200: PlanHistorySerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        plan = _get(selectors.plan_detail, request, uuid)
        history = selectors.plan_history(plan)
        return Response(PlanHistorySerializer(history).data)
