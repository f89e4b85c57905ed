"""Pages of recommendations.decisions. Records are addressed by uuid only."""

from django.urls import path

from . import views

urlpatterns = [
    path("meetings/<uuid:meeting_uuid>/run/", views.meeting_run, name="meeting-run"),
    path(
        "meetings/<uuid:meeting_uuid>/run/attendance/",
        views.meeting_attendance,
        name="meeting-run-attendance",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/run/attendance/all/",
        views.meeting_attendance_all,
        name="meeting-run-attendance-all",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/run/<int:position>/open/",
        views.meeting_open_record,
        name="meeting-run-open",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/run/<int:position>/record/",
        views.meeting_save_record,
        name="meeting-run-record",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/run/<int:position>/plan/",
        views.meeting_save_plan,
        name="meeting-run-plan",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/run/<int:position>/dissent/",
        views.meeting_add_dissent,
        name="meeting-run-dissent",
    ),
    path(
        "meetings/<uuid:meeting_uuid>/run/<int:position>/sign/",
        views.meeting_sign,
        name="meeting-run-sign",
    ),
    path("plans/<uuid:plan_uuid>/", views.plan_page, name="plan-page"),
    path(
        "plans/<uuid:plan_uuid>/activities/<uuid:activity_uuid>/status/",
        views.plan_activity_status,
        name="plan-activity-status",
    ),
    path("plans/<uuid:plan_uuid>/amend/", views.plan_amend, name="plan-amend"),
    path("plans/<uuid:plan_uuid>/send-back/", views.plan_send_back, name="plan-send-back"),
]
