"""REST API v1 for patients and cases. Each view parses input, calls one service or selector, and
shapes the output. Scope comes from the selectors: outside it, a record answers 404.

Concurrency (`tumorboard.versioning`): a patient, a case, a lesion and a prior treatment carry a
`version`, returned as the ETag (the lesions' and treatments' in the case's body). A change or a
removal names the version it is based on (If-Match or `version`): a stale one writes nothing and
is answered 412 (If-Match) or 409 (body) with the record as it is now; none is answered 428.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import reads
from cases.assessment import stored_case_assessment
from tumorboard.api import StaffApiMixin, error_responses
from tumorboard.pagination import KeysetPages
from tumorboard.versioning import (
    IF_MATCH_PARAMETER,
    body_version,
    guarded,
    precondition,
    with_etag,
)

from . import invitations, services
from .models import Case, Patient, PriorTreatment, SpinalLesion
from .selectors import (
    case_detail,
    case_history,
    case_list,
    case_search,
    cases_visible_to,
    patient_list,
    patient_search,
    patients_visible_to,
)
from .serializers import (
    CaseAssessmentSerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseFilterSerializer,
    CaseHistoryEntrySerializer,
    CaseSearchResultSerializer,
    CaseSummarySerializer,
    CaseTransitionSerializer,
    CaseUpdateSerializer,
    LesionSerializer,
    PatientAccountLinkSerializer,
    PatientAccountSerializer,
    PatientInvitationSerializer,
    PatientInviteSerializer,
    PatientSearchResultSerializer,
    PatientSerializer,
    PatientSummarySerializer,
    PriorTreatmentSerializer,
    SearchSerializer,
)


def _visible_case(request, uuid) -> Case:
    try:
        return cases_visible_to(request.user).select_related("patient").get(uuid=uuid)
    except Case.DoesNotExist:
        raise Http404 from None


def _case_response(request, case: Case, *, code=status.HTTP_200_OK) -> Response:
    """The case as its detail page shows it (reloaded with everything prefetched)."""
    case = case_detail(user=request.user, uuid=case.uuid)
    return with_etag(Response(CaseDetailSerializer(case).data, status=code), case.version)


_errors = error_responses()


def _patient_now(patient: Patient) -> Response:
    return with_etag(Response(PatientSerializer(patient).data), patient.version)


def _lesion_now(lesion: SpinalLesion) -> Response:
    return with_etag(Response(LesionSerializer(lesion).data), lesion.version)


def _treatment_now(treatment: PriorTreatment) -> Response:
    return with_etag(Response(PriorTreatmentSerializer(treatment).data), treatment.version)


SEARCH_DESCRIPTION = (
    "By the exact MRN (any letter case), or by the first letters of the family name and "
    "optionally of the given name. A POST, so the terms never appear in a URL or an access log. "
    "Only your boards' records; at most 50, `more` says there were more."
)


# Patients ---------------------------------------------------------------------------------------


@extend_schema(tags=["patients"])
class PatientListCreateApi(StaffApiMixin, GenericAPIView):
    serializer_class = PatientSerializer
    pagination_class = KeysetPages

    def get_queryset(self):
        return patient_list(user=self.request.user)

    @extend_schema(
        summary="Patients of your boards, by name (pages by cursor: follow `next`)",
        responses={200: PatientSerializer(many=True), **_errors(400, 403)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        reads.record_many(request, "patient.list", [(p.uuid, p.uuid) for p in page])
        return self.get_paginated_response(PatientSerializer(page, many=True).data)

    @extend_schema(
        summary="Register a patient",
        request=PatientSerializer,
        responses={201: PatientSerializer, **_errors(400, 403)},
    )
    def post(self, request):
        serializer = PatientSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.validated_data.pop("version", None)  # a new patient starts at 1
        patient = services.patient_create(by=request.user, **serializer.validated_data)
        return Response(PatientSerializer(patient).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["patients"])
class PatientSearchApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Find patients by MRN or name",
        description=SEARCH_DESCRIPTION,
        request=SearchSerializer,
        responses={200: PatientSearchResultSerializer, **_errors(400, 403, 415)},
    )
    def post(self, request):
        terms = SearchSerializer(data=request.data)
        terms.is_valid(raise_exception=True)
        found = patient_search(user=request.user, **terms.validated_data)
        reads.record_many(request, "patient.search", [(p.uuid, p.uuid) for p in found.rows])
        rows = PatientSummarySerializer(found.rows, many=True).data
        return Response({"results": rows, "more": found.more})


@extend_schema(tags=["patients"])
class PatientDetailApi(StaffApiMixin, GenericAPIView):
    serializer_class = PatientSerializer

    def get_object(self):
        try:
            return patients_visible_to(self.request.user).get(uuid=self.kwargs["uuid"])
        except Patient.DoesNotExist:
            raise Http404 from None

    @extend_schema(summary="One patient", responses={200: PatientSerializer, **_errors(403, 404)})
    def get(self, request, uuid):
        patient = self.get_object()
        reads.record(request, "patient", patient=patient.uuid, obj=patient.uuid)
        return with_etag(Response(PatientSerializer(patient).data), patient.version)

    def _update(self, request, *, partial: bool) -> Response:
        patient = self.get_object()
        serializer = PatientSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pre = precondition(request, data)

        def write():
            changed = services.patient_update(
                patient=patient, expected_version=pre.version, by=request.user, **data
            )
            return with_etag(Response(PatientSerializer(changed).data), changed.version)

        return guarded(pre, write, _patient_now)

    @extend_schema(
        summary="Replace a patient's details (from the version you read)",
        parameters=[IF_MATCH_PARAMETER],
        request=PatientSerializer,
        responses={200: PatientSerializer, **_errors(400, 403, 404, 409, 412, 428)},
    )
    def put(self, request, uuid):
        return self._update(request, partial=False)

    @extend_schema(
        summary="Change some of a patient's details (from the version you read)",
        parameters=[IF_MATCH_PARAMETER],
        request=PatientSerializer,
        responses={200: PatientSerializer, **_errors(400, 403, 404, 409, 412, 428)},
    )
    def patch(self, request, uuid):
        return self._update(request, partial=True)


# Cases ------------------------------------------------------------------------------------------


@extend_schema(tags=["cases"])
class CaseListCreateApi(StaffApiMixin, GenericAPIView):
    serializer_class = CaseSummarySerializer
    pagination_class = KeysetPages

    @extend_schema(
        summary="Cases of your boards, most urgent first, then newest",
        description="Pages by cursor: follow `next` and `previous`; there is no total count.",
        parameters=[CaseFilterSerializer],
        responses={200: CaseSummarySerializer(many=True), **_errors(400, 403)},
    )
    def get(self, request):
        filters = CaseFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        cases = case_list(user=request.user, filters=filters.validated_data)
        page = self.paginate_queryset(cases)
        reads.record_many(request, "case.list", [(c.patient.uuid, c.uuid) for c in page])
        return self.get_paginated_response(CaseSummarySerializer(page, many=True).data)

    @extend_schema(
        summary="Refer a case to a board, with its lesions",
        request=CaseCreateSerializer,
        responses={201: CaseDetailSerializer, **_errors(400, 403)},
    )
    def post(self, request):
        serializer = CaseCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        case = services.case_create(by=request.user, **serializer.validated_data)
        return _case_response(request, case, code=status.HTTP_201_CREATED)


@extend_schema(tags=["cases"])
class CaseSearchApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Find cases by their patient's MRN or name",
        description=SEARCH_DESCRIPTION,
        request=SearchSerializer,
        responses={200: CaseSearchResultSerializer, **_errors(400, 403, 415)},
    )
    def post(self, request):
        terms = SearchSerializer(data=request.data)
        terms.is_valid(raise_exception=True)
        found = case_search(user=request.user, **terms.validated_data)
        reads.record_many(request, "case.search", [(c.patient.uuid, c.uuid) for c in found.rows])
        rows = CaseSummarySerializer(found.rows, many=True).data
        return Response({"results": rows, "more": found.more})


@extend_schema(tags=["cases"])
class CaseDetailApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="One case with lesions, prior treatments and agenda",
        responses={200: CaseDetailSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        try:
            case = case_detail(user=request.user, uuid=uuid)
        except Case.DoesNotExist:
            raise Http404 from None
        reads.record(request, "case", patient=case.patient.uuid, obj=case.uuid)
        return with_etag(Response(CaseDetailSerializer(case).data), case.version)

    @extend_schema(
        summary="Change a case's clinical data (not its status: see transition)",
        description="Send only what changes, with If-Match or `version` (the version you read).",
        parameters=[IF_MATCH_PARAMETER],
        request=CaseUpdateSerializer,
        responses={200: CaseDetailSerializer, **_errors(400, 403, 404, 409, 412, 428)},
    )
    def patch(self, request, uuid):
        case = _visible_case(request, uuid)
        serializer = CaseUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pre = precondition(request, data)

        def write():
            changed = services.case_update(
                case=case, expected_version=pre.version, by=request.user, **data
            )
            return _case_response(request, changed)

        return guarded(pre, write, lambda current: _case_response(request, current))


@extend_schema(tags=["cases"])
class CaseTransitionApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Move a case to another status",
        description=(
            "Allowed moves follow Case.TRANSITIONS and cases.status: 'ready' needs the case "
            "ready, or `override` with a reason; 'scheduled' only comes from an agenda (the "
            "agenda endpoints); 'discussed' only once a meeting with the case has started. To "
            "defer or withdraw, give a reason."
        ),
        request=CaseTransitionSerializer,
        responses={200: CaseDetailSerializer, **_errors(400, 403, 404)},
    )
    def post(self, request, uuid):
        case = _visible_case(request, uuid)
        serializer = CaseTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = services.case_transition(
            case=case,
            to=data["status"],
            by=request.user,
            reason=data["reason"],
            override=data["override"],
        )
        return _case_response(request, case)


@extend_schema(tags=["cases"])
class CaseLesionCreateApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Add a lesion to a case",
        request=LesionSerializer,
        responses={201: LesionSerializer, **_errors(400, 403, 404)},
    )
    def post(self, request, uuid):
        case = _visible_case(request, uuid)
        serializer = LesionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.validated_data.pop("version", None)  # a new lesion starts at 1
        lesion = services.lesion_add(case=case, by=request.user, **serializer.validated_data)
        return Response(LesionSerializer(lesion).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["cases"])
class CaseLesionDetailApi(StaffApiMixin, APIView):
    def _lesion(self, request, uuid, lesion_id) -> SpinalLesion:
        case = _visible_case(request, uuid)
        try:
            return case.lesions.get(pk=lesion_id)
        except SpinalLesion.DoesNotExist:
            raise Http404 from None

    @extend_schema(
        summary="Change a lesion (from the version you read)",
        parameters=[IF_MATCH_PARAMETER],
        request=LesionSerializer,
        responses={200: LesionSerializer, **_errors(400, 403, 404, 409, 412, 428)},
    )
    def patch(self, request, uuid, lesion_id):
        lesion = self._lesion(request, uuid, lesion_id)
        serializer = LesionSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pre = precondition(request, data)

        def write():
            changed = services.lesion_update(
                lesion=lesion, expected_version=pre.version, by=request.user, **data
            )
            return _lesion_now(changed)

        return guarded(pre, write, _lesion_now)

    @extend_schema(
        summary="Remove a lesion (as you read it)",
        parameters=[IF_MATCH_PARAMETER],
        responses={
            204: OpenApiResponse(description="Removed."),
            **_errors(400, 403, 404, 409, 412, 428),
        },
    )
    def delete(self, request, uuid, lesion_id):
        lesion = self._lesion(request, uuid, lesion_id)
        pre = precondition(request, {"version": body_version(request)})

        def write():
            services.lesion_remove(lesion=lesion, expected_version=pre.version, by=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)

        return guarded(pre, write, _lesion_now)


@extend_schema(tags=["cases"])
class CasePriorTreatmentCreateApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Record an earlier radiation, surgery, cement augmentation or systemic therapy",
        description=(
            "Radiation needs `dose_gy`, `fractions`, `level_from` and `treated_on`; surgery and "
            "cement their levels and date; systemic therapy its agents (`description`) and start "
            "date, with no level, dose or fractions."
        ),
        request=PriorTreatmentSerializer,
        responses={201: PriorTreatmentSerializer, **_errors(400, 403, 404)},
    )
    def post(self, request, uuid):
        case = _visible_case(request, uuid)
        serializer = PriorTreatmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.validated_data.pop("version", None)  # a new record starts at 1
        treatment = services.prior_treatment_add(
            case=case, by=request.user, **serializer.validated_data
        )
        return Response(PriorTreatmentSerializer(treatment).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["cases"])
class CasePriorTreatmentDetailApi(StaffApiMixin, APIView):
    def _treatment(self, request, uuid, treatment_id) -> PriorTreatment:
        case = _visible_case(request, uuid)
        try:
            return case.prior_treatments.get(pk=treatment_id)
        except PriorTreatment.DoesNotExist:
            raise Http404 from None

    @extend_schema(
        summary="Correct a prior treatment (from the version you read)",
        parameters=[IF_MATCH_PARAMETER],
        request=PriorTreatmentSerializer,
        responses={200: PriorTreatmentSerializer, **_errors(400, 403, 404, 409, 412, 428)},
    )
    def patch(self, request, uuid, treatment_id):
        treatment = self._treatment(request, uuid, treatment_id)
        serializer = PriorTreatmentSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pre = precondition(request, data)

        def write():
            changed = services.prior_treatment_update(
                treatment=treatment, expected_version=pre.version, by=request.user, **data
            )
            return _treatment_now(changed)

        return guarded(pre, write, _treatment_now)

    @extend_schema(
        summary="Remove a prior treatment (as you read it)",
        parameters=[IF_MATCH_PARAMETER],
        responses={
            204: OpenApiResponse(description="Removed."),
            **_errors(400, 403, 404, 409, 412, 428),
        },
    )
    def delete(self, request, uuid, treatment_id):
        treatment = self._treatment(request, uuid, treatment_id)
        pre = precondition(request, {"version": body_version(request)})

        def write():
            services.prior_treatment_remove(
                treatment=treatment, expected_version=pre.version, by=request.user
            )
            return Response(status=status.HTTP_204_NO_CONTENT)

        return guarded(pre, write, _treatment_now)


@extend_schema(tags=["cases"])
class CaseHistoryApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Who changed what on a case, and when",
        responses={200: CaseHistoryEntrySerializer(many=True), **_errors(403, 404)},
    )
    def get(self, request, uuid):
        case = _visible_case(request, uuid)
        reads.record(request, "case.history", patient=case.patient.uuid, obj=case.uuid)
        return Response(CaseHistoryEntrySerializer(case_history(case), many=True).data)


@extend_schema(tags=["cases"])
class CaseAssessmentApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Decision support for a case: every score, with its components and explanation",
        description=(
            "Computed from the case's recorded data and its board's settings. A score that lacks "
            "inputs is `computable: false` and lists what is `missing`; nothing is defaulted. "
            "A NOMS suggestion with `confirmed: false` applied an unconfirmed rule. Decision "
            "support suggests and explains; the board decides."
        ),
        responses={200: CaseAssessmentSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        try:
            case = case_detail(user=request.user, uuid=uuid)
        except Case.DoesNotExist:
            raise Http404 from None
        reads.record(request, "case.assessment", patient=case.patient.uuid, obj=case.uuid)
        return Response(CaseAssessmentSerializer(stored_case_assessment(case).as_dict()).data)


@extend_schema(tags=["cases"])
class CasePatientInvitationApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Invite the case's patient to their summaries",
        description=(
            "A coordinator of the case's board e-mails the patient a single-use sign-up link "
            f"(valid {invitations.INVITATION_HOURS} hours); older unused invitations are withdrawn."
        ),
        request=PatientInviteSerializer,
        responses={201: PatientInvitationSerializer, **_errors(400, 403, 404)},
    )
    def post(self, request, uuid):
        case = _visible_case(request, uuid)
        serializer = PatientInviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = invitations.patient_invite(
            case=case, by=request.user, email=serializer.validated_data["email"]
        )
        return Response(
            PatientInvitationSerializer(invitation).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["cases"])
class CasePatientAccountApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Link an existing patient account to the case's patient",
        description="A coordinator of the case's board; the account is found by its exact "
        "username or e-mail address and must be an unlinked patient account.",
        request=PatientAccountLinkSerializer,
        responses={200: PatientAccountSerializer, **_errors(400, 403, 404)},
    )
    def post(self, request, uuid):
        case = _visible_case(request, uuid)
        serializer = PatientAccountLinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = invitations.patient_account_link(
            case=case, by=request.user, account=serializer.validated_data["account"]
        )
        return Response({"username": user.get_username()})
