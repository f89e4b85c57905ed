"""/api/v1/ routes of the read log."""

from django.urls import path

from . import api

urlpatterns = [
    path("audit/reads/", api.ReadLogApi.as_view(), name="read-log"),
]
