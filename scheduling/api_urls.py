"""/api/v1/ routes for boards (and their decision-support settings) and meetings."""

from django.urls import path

from . import api

urlpatterns = [
    path("boards/", api.BoardListApi.as_view(), name="board-list"),
    path("boards/<uuid:uuid>/settings/", api.BoardSettingsApi.as_view(), name="board-settings"),
    path("meetings/", api.MeetingListApi.as_view(), name="meeting-list"),
]
