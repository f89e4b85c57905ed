"""/api/v1/ routes of recommendations.opinions. Records are addressed by uuid only."""

from django.urls import path

from . import api

urlpatterns = [
    path("opinions/", api.OpinionListCreateApi.as_view(), name="opinion-list"),
    path("opinions/<uuid:uuid>/", api.OpinionDetailApi.as_view(), name="opinion-detail"),
    path("opinions/<uuid:uuid>/history/", api.OpinionHistoryApi.as_view(), name="opinion-history"),
    path("options/", api.OptionCatalogueApi.as_view(), name="opinion-options"),
]
