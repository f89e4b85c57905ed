"""Pages of the scheduling app. Meetings and cases are addressed by uuid only."""

from django.urls import path

from . import views

M = "meetings/<uuid:meeting_uuid>/"
ITEM = M + "agenda/<uuid:case_uuid>/"

urlpatterns = [
    path("boards/<uuid:board_uuid>/settings/", views.board_settings, name="board-settings"),
    path("meetings/", views.meeting_list, name="meeting-list"),
    path("meetings/new/", views.meeting_create, name="meeting-create"),
    path("meetings/new-urgent/", views.meeting_create_urgent, name="meeting-create-urgent"),
    path("schedules/new/", views.schedule_create, name="schedule-create"),
    path(
        "schedules/<int:schedule_id>/generate/",
        views.schedule_generate,
        name="schedule-generate",
    ),
    path(M, views.meeting_detail_page, name="meeting-detail"),
    path(M + "calendar.ics", views.meeting_ics, name="meeting-ics"),
    path(M + "agenda/add/", views.agenda_add, name="agenda-add"),
    path(ITEM + "remove/", views.agenda_remove, name="agenda-remove"),
    path(ITEM + "move/", views.agenda_move, name="agenda-move"),
    path(ITEM + "minutes/", views.agenda_minutes, name="agenda-minutes"),
    path(ITEM + "defer/", views.agenda_defer, name="agenda-defer"),
    path(M + "overbooking/", views.meeting_overbooking, name="meeting-overbooking"),
    path(M + "circulate/", views.meeting_circulate, name="meeting-circulate"),
    path(M + "invite/", views.meeting_invite, name="meeting-invite"),
    path(
        M + "attendance/<int:user_id>/",
        views.meeting_attendance_record,
        name="meeting-attendance-record",
    ),
    path(M + "reschedule/", views.meeting_reschedule, name="meeting-reschedule"),
    path(M + "cancel/", views.meeting_cancel, name="meeting-cancel"),
    path(M + "close/", views.meeting_close, name="meeting-close"),
    path("readiness/", views.readiness_board_page, name="readiness-board"),
    path("my/invitations/", views.my_invitations_page, name="my-invitations"),
    path(
        "my/invitations/<int:invitation_id>/respond/",
        views.invitation_respond,
        name="invitation-respond",
    ),
    path("my/calendar/", views.my_calendar, name="my-calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
