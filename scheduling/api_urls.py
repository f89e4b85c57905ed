"""/api/v1/ routes for boards and meetings."""

from django.urls import path

from . import api

urlpatterns = [
    path("boards/", api.BoardListApi.as_view(), name="board-list"),
    path("meetings/", api.MeetingListApi.as_view(), name="meeting-list"),
]
