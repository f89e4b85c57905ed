"""/api/v1/ routes for boards (and their settings), schedules, meetings, agendas, invitations,
attendance, the readiness board and calendars. Records are addressed by uuid (ids for schedules
and invitations, which carry no patient data)."""

from django.urls import path

from . import api

urlpatterns = [
    path("boards/", api.BoardListApi.as_view(), name="board-list"),
    path("boards/<uuid:uuid>/settings/", api.BoardSettingsApi.as_view(), name="board-settings"),
    path(
        "boards/<uuid:uuid>/schedules/",
        api.BoardScheduleListApi.as_view(),
        name="board-schedules",
    ),
    path(
        "schedules/<int:pk>/generate/",
        api.ScheduleGenerateApi.as_view(),
        name="schedule-generate",
    ),
    path("meetings/", api.MeetingListApi.as_view(), name="meeting-list"),
    path("meetings/<uuid:uuid>/", api.MeetingDetailApi.as_view(), name="meeting-detail"),
    path("meetings/<uuid:uuid>/cancel/", api.MeetingCancelApi.as_view(), name="meeting-cancel"),
    path("meetings/<uuid:uuid>/close/", api.MeetingCloseApi.as_view(), name="meeting-close"),
    path(
        "meetings/<uuid:uuid>/circulate/",
        api.MeetingCirculateApi.as_view(),
        name="meeting-circulate",
    ),
    path(
        "meetings/<uuid:uuid>/allow-overbooking/",
        api.MeetingOverbookingApi.as_view(),
        name="meeting-allow-overbooking",
    ),
    path("meetings/<uuid:uuid>/agenda/", api.AgendaAddApi.as_view(), name="agenda-add"),
    path("meetings/<uuid:uuid>/agenda/order/", api.AgendaOrderApi.as_view(), name="agenda-order"),
    path(
        "meetings/<uuid:uuid>/agenda/<uuid:case_uuid>/",
        api.AgendaItemApi.as_view(),
        name="agenda-item",
    ),
    path("cases/<uuid:uuid>/defer/", api.CaseDeferApi.as_view(), name="case-defer"),
    path(
        "meetings/<uuid:uuid>/invitations/",
        api.MeetingInvitationsApi.as_view(),
        name="meeting-invitations",
    ),
    path(
        "invitations/<int:pk>/respond/",
        api.InvitationRespondApi.as_view(),
        name="invitation-respond",
    ),
    path("my/invitations/", api.MyInvitationsApi.as_view(), name="my-invitations"),
    path(
        "meetings/<uuid:uuid>/attendance/",
        api.MeetingAttendanceApi.as_view(),
        name="meeting-attendance",
    ),
    path(
        "meetings/<uuid:uuid>/calendar.ics",
        api.MeetingCalendarApi.as_view(),
        name="meeting-calendar",
    ),
    path("my/calendar-feed/", api.MyCalendarFeedApi.as_view(), name="my-calendar-feed"),
    path("readiness/", api.ReadinessBoardApi.as_view(), name="readiness-board"),
]
