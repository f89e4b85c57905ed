"""/api/v1/ routes for opinions and summaries. Records are addressed by uuid only."""

from django.urls import include, path

urlpatterns = [
    path("", include("recommendations.opinions.api_urls")),
    path("", include("recommendations.summaries.api_urls")),
    path("", include("recommendations.decisions.api_urls")),
    path("", include("recommendations.patient_summaries.api_urls")),
    path("", include("recommendations.dashboard.api_urls")),
    path("", include("recommendations.outcomes.api_urls")),
    path("", include("recommendations.fhir.api_urls")),
]
