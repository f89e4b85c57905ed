"""/api/v1/ routes for patients and cases. Records are addressed by uuid only."""

from django.urls import path

from . import api, attachment_api

urlpatterns = [
    path("patients/", api.PatientListCreateApi.as_view(), name="patient-list"),
    path("patients/search/", api.PatientSearchApi.as_view(), name="patient-search"),
    path("patients/<uuid:uuid>/", api.PatientDetailApi.as_view(), name="patient-detail"),
    path("cases/", api.CaseListCreateApi.as_view(), name="case-list"),
    path("cases/search/", api.CaseSearchApi.as_view(), name="case-search"),
    path("cases/<uuid:uuid>/", api.CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<uuid:uuid>/transition/", api.CaseTransitionApi.as_view(), name="case-transition"),
    path("cases/<uuid:uuid>/lesions/", api.CaseLesionCreateApi.as_view(), name="case-lesions"),
    path(
        "cases/<uuid:uuid>/lesions/<int:lesion_id>/",
        api.CaseLesionDetailApi.as_view(),
        name="case-lesion-detail",
    ),
    path(
        "cases/<uuid:uuid>/prior-treatments/",
        api.CasePriorTreatmentCreateApi.as_view(),
        name="case-prior-treatments",
    ),
    path(
        "cases/<uuid:uuid>/prior-treatments/<int:treatment_id>/",
        api.CasePriorTreatmentDetailApi.as_view(),
        name="case-prior-treatment-detail",
    ),
    path(
        "cases/<uuid:uuid>/patient-invitations/",
        api.CasePatientInvitationApi.as_view(),
        name="case-patient-invitations",
    ),
    path(
        "cases/<uuid:uuid>/patient-account/",
        api.CasePatientAccountApi.as_view(),
        name="case-patient-account",
    ),
    path(
        "cases/<uuid:uuid>/attachments/",
        attachment_api.CaseAttachmentListApi.as_view(),
        name="case-attachments",
    ),
    path(
        "cases/<uuid:uuid>/attachments/<uuid:attachment_uuid>/",
        attachment_api.CaseAttachmentDetailApi.as_view(),
        name="case-attachment-detail",
    ),
    path("cases/<uuid:uuid>/history/", api.CaseHistoryApi.as_view(), name="case-history"),
    path("cases/<uuid:uuid>/assessment/", api.CaseAssessmentApi.as_view(), name="case-assessment"),
]
