"""Pages of recommendations.outcomes. Records are addressed by uuid only."""

from django.urls import path

from . import views

urlpatterns = [
    path("cases/<uuid:case_uuid>/follow-ups/", views.case_follow_ups, name="case-follow-ups"),
    path(
        "follow-ups/<uuid:follow_up_uuid>/record/",
        views.follow_up_record,
        name="follow-up-record",
    ),
    path("my/follow-ups/", views.my_follow_ups, name="my-follow-ups"),
    path(
        "my/follow-ups/<uuid:follow_up_uuid>/",
        views.my_follow_up_report,
        name="my-follow-up-report",
    ),
]
