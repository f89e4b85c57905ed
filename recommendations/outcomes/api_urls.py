"""/api/v1/ routes of recommendations.outcomes. Records are addressed by uuid only."""

from django.urls import path

from . import api

urlpatterns = [
    path(
        "cases/<uuid:uuid>/follow-ups/",
        api.CaseFollowUpsApi.as_view(),
        name="case-follow-ups",
    ),
    path("plans/<uuid:uuid>/follow-ups/", api.PlanFollowUpsApi.as_view(), name="plan-follow-ups"),
    path("follow-ups/<uuid:uuid>/", api.FollowUpDetailApi.as_view(), name="follow-up-detail"),
]
