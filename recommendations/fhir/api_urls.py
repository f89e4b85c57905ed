"""/api/v1/ routes of the FHIR exchange. Records are addressed by uuid only."""

from django.urls import path

from . import api

urlpatterns = [
    path("cases/<uuid:uuid>/fhir/", api.CaseFhirApi.as_view(), name="case-fhir"),
    path(
        "meetings/<uuid:uuid>/fhir-exports/",
        api.MeetingFhirExportApi.as_view(),
        name="meeting-fhir-exports",
    ),
    path(
        "fhir/meeting-exports/<uuid:uuid>/",
        api.FhirMeetingExportDetailApi.as_view(),
        name="fhir-meeting-export",
    ),
    path(
        "fhir/meeting-exports/<uuid:uuid>/bundle/",
        api.FhirMeetingExportBundleApi.as_view(),
        name="fhir-meeting-export-bundle",
    ),
    path("fhir/referrals/", api.ReferralImportApi.as_view(), name="fhir-referrals"),
]
