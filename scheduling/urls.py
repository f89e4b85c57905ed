"""Pages of the scheduling app."""

from django.urls import path

from . import views

urlpatterns = [
    path("boards/<uuid:board_uuid>/settings/", views.board_settings, name="board-settings"),
]
