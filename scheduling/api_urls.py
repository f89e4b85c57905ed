"""/api/v1/ routes for boards (and their settings), schedules, meetings, agendas, invitations,
attendance, the readiness board and calendars. Records are addressed by uuid (ids for schedules
and invitations, which carry no patient data)."""

from django.urls import path

from .api import (
    agenda,
    attendance,
    boards,
    calendars,
    deferral,
    invitations,
    meetings,
    members,
    readiness,
    schedules,
)

urlpatterns = [
    path("boards/", boards.BoardListApi.as_view(), name="board-list"),
    path("boards/<uuid:uuid>/", members.BoardDetailApi.as_view(), name="board-detail"),
    path("boards/<uuid:uuid>/settings/", boards.BoardSettingsApi.as_view(), name="board-settings"),
    path("boards/<uuid:uuid>/members/", members.BoardMembersApi.as_view(), name="board-members"),
    path(
        "boards/<uuid:uuid>/members/<int:user_id>/",
        members.BoardMemberApi.as_view(),
        name="board-member",
    ),
    path(
        "boards/<uuid:uuid>/staff-search/",
        members.BoardStaffSearchApi.as_view(),
        name="board-staff-search",
    ),
    path(
        "boards/<uuid:uuid>/schedulable-cases/",
        boards.SchedulableCasesApi.as_view(),
        name="board-schedulable-cases",
    ),
    path(
        "boards/<uuid:uuid>/schedules/",
        schedules.BoardScheduleListApi.as_view(),
        name="board-schedules",
    ),
    path("schedules/<int:pk>/", schedules.ScheduleDetailApi.as_view(), name="schedule-detail"),
    path(
        "schedules/<int:pk>/generate/",
        schedules.ScheduleGenerateApi.as_view(),
        name="schedule-generate",
    ),
    path("meetings/", meetings.MeetingListApi.as_view(), name="meeting-list"),
    path("meetings/<uuid:uuid>/", meetings.MeetingDetailApi.as_view(), name="meeting-detail"),
    path(
        "meetings/<uuid:uuid>/cancel/", meetings.MeetingCancelApi.as_view(), name="meeting-cancel"
    ),
    path("meetings/<uuid:uuid>/start/", meetings.MeetingStartApi.as_view(), name="meeting-start"),
    path("meetings/<uuid:uuid>/close/", meetings.MeetingCloseApi.as_view(), name="meeting-close"),
    path(
        "meetings/<uuid:uuid>/circulate/",
        agenda.MeetingCirculateApi.as_view(),
        name="meeting-circulate",
    ),
    path(
        "meetings/<uuid:uuid>/allow-overbooking/",
        agenda.MeetingOverbookingApi.as_view(),
        name="meeting-allow-overbooking",
    ),
    path("meetings/<uuid:uuid>/agenda/", agenda.AgendaAddApi.as_view(), name="agenda-add"),
    path(
        "meetings/<uuid:uuid>/agenda/order/", agenda.AgendaOrderApi.as_view(), name="agenda-order"
    ),
    path(
        "meetings/<uuid:uuid>/agenda/<uuid:case_uuid>/",
        agenda.AgendaItemApi.as_view(),
        name="agenda-item",
    ),
    path("cases/<uuid:uuid>/defer/", deferral.CaseDeferApi.as_view(), name="case-defer"),
    path(
        "meetings/<uuid:uuid>/invitations/",
        invitations.MeetingInvitationsApi.as_view(),
        name="meeting-invitations",
    ),
    path(
        "invitations/<int:pk>/respond/",
        invitations.InvitationRespondApi.as_view(),
        name="invitation-respond",
    ),
    path("my/invitations/", invitations.MyInvitationsApi.as_view(), name="my-invitations"),
    path(
        "meetings/<uuid:uuid>/attendance/",
        attendance.MeetingAttendanceApi.as_view(),
        name="meeting-attendance",
    ),
    path(
        "meetings/<uuid:uuid>/calendar.ics",
        calendars.MeetingCalendarApi.as_view(),
        name="meeting-calendar",
    ),
    path("my/calendar-feed/", calendars.MyCalendarFeedApi.as_view(), name="my-calendar-feed"),
    path("readiness/", readiness.ReadinessBoardApi.as_view(), name="readiness-board"),
    path(
        "readiness/<slug:state>/",
        readiness.ReadinessColumnApi.as_view(),
        name="readiness-column",
    ),
]
