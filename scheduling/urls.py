"""Pages of the scheduling app. Meetings and cases are addressed by uuid only."""

from django.urls import path

from .views import (
    agenda,
    attendance,
    board_manage,
    boards,
    calendars,
    invitations,
    meeting_page,
    meetings,
    readiness,
)

M = "meetings/<uuid:meeting_uuid>/"
B = "boards/<uuid:board_uuid>/manage/"
ITEM = M + "agenda/<uuid:case_uuid>/"

urlpatterns = [
    path("boards/<uuid:board_uuid>/settings/", boards.board_settings, name="board-settings"),
    path(B, board_manage.board_manage, name="board-manage"),
    path(B + "members/search/", board_manage.board_member_search, name="board-member-search"),
    path(B + "members/add/", board_manage.board_member_add, name="board-member-add"),
    path(
        B + "members/<int:user_id>/duty/",
        board_manage.board_member_role,
        name="board-member-role",
    ),
    path(
        B + "members/<int:user_id>/remove/",
        board_manage.board_member_remove,
        name="board-member-remove",
    ),
    path(B + "schedules/add/", board_manage.board_schedule_add, name="board-schedule-add"),
    path(
        B + "schedules/<int:schedule_id>/edit/",
        board_manage.board_schedule_edit,
        name="board-schedule-edit",
    ),
    path(
        B + "schedules/<int:schedule_id>/remove/",
        board_manage.board_schedule_delete,
        name="board-schedule-remove",
    ),
    path("meetings/", meetings.meeting_list, name="meeting-list"),
    path("meetings/new/", meetings.meeting_create, name="meeting-create"),
    path("meetings/new-urgent/", meetings.meeting_create_urgent, name="meeting-create-urgent"),
    path("schedules/new/", meetings.schedule_create, name="schedule-create"),
    path(
        "schedules/<int:schedule_id>/generate/",
        meetings.schedule_generate,
        name="schedule-generate",
    ),
    path(M, meeting_page.meeting_detail_page, name="meeting-detail"),
    path(M + "calendar.ics", calendars.meeting_ics, name="meeting-ics"),
    path(M + "agenda/add/", agenda.agenda_add, name="agenda-add"),
    path(ITEM + "remove/", agenda.agenda_remove, name="agenda-remove"),
    path(ITEM + "move/", agenda.agenda_move, name="agenda-move"),
    path(ITEM + "minutes/", agenda.agenda_minutes, name="agenda-minutes"),
    path(ITEM + "defer/", agenda.agenda_defer, name="agenda-defer"),
    path(M + "overbooking/", agenda.meeting_overbooking, name="meeting-overbooking"),
    path(M + "circulate/", agenda.meeting_circulate, name="meeting-circulate"),
    path(M + "invite/", invitations.meeting_invite, name="meeting-invite"),
    path(
        M + "attendance/<int:user_id>/",
        attendance.meeting_attendance_record,
        name="meeting-attendance-record",
    ),
    path(M + "attendance/", attendance.meeting_attendance_take, name="meeting-attendance-take"),
    path(M + "start/", meeting_page.meeting_start, name="meeting-start"),
    path(M + "reschedule/", meeting_page.meeting_reschedule, name="meeting-reschedule"),
    path(M + "cancel/", meeting_page.meeting_cancel, name="meeting-cancel"),
    path(M + "close/", meeting_page.meeting_close, name="meeting-close"),
    path("readiness/", readiness.readiness_board_page, name="readiness-board"),
    path("readiness/<slug:state>/", readiness.readiness_column_page, name="readiness-column"),
    path("my/invitations/", invitations.my_invitations_page, name="my-invitations"),
    path(
        "my/invitations/<int:invitation_id>/respond/",
        invitations.invitation_respond,
        name="invitation-respond",
    ),
    path("my/calendar/", calendars.my_calendar, name="my-calendar"),
    path("calendar/<str:token>.ics", calendars.calendar_feed, name="calendar-feed"),
]
