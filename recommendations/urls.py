"""Pages of the recommendations app. Records are addressed by uuid only."""

from django.urls import include, path

urlpatterns = [
    path("", include("recommendations.opinions.urls")),
    path("", include("recommendations.summaries.urls")),
    path("", include("recommendations.decisions.urls")),
    path("", include("recommendations.patient_summaries.urls")),
    path("", include("recommendations.patients.urls")),
    path("", include("recommendations.dashboard.urls")),
    path("", include("recommendations.outcomes.urls")),
]
