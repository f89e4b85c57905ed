from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AgendaItem,
    Attendance,
    Board,
    BoardMembership,
    BoardSchedule,
    CalendarFeed,
    Invitation,
    Meeting,
    Notification,
    SpecialistProfile,
)


class MembershipInline(admin.TabularInline):
    model = BoardMembership
    extra = 0
    raw_id_fields = ("user",)
    exclude = ("created_by", "updated_by")


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    raw_id_fields = ("case",)
    exclude = ("created_by", "updated_by")


@admin.register(Board)
class BoardAdmin(SimpleHistoryAdmin):
    list_display = ("name", "time_zone", "escc_1c_high_grade", "intermediate_histology")
    search_fields = ("name",)
    inlines = [MembershipInline]


@admin.register(BoardMembership)
class BoardMembershipAdmin(SimpleHistoryAdmin):
    list_display = ("board", "user", "role")
    list_filter = ("role", "board")
    search_fields = ("user__username", "user__last_name", "board__name")
    raw_id_fields = ("user",)


@admin.register(SpecialistProfile)
class SpecialistProfileAdmin(SimpleHistoryAdmin):
    list_display = ("user", "discipline", "title")
    list_filter = ("discipline",)
    search_fields = ("user__username", "user__last_name")


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ("board", "starts_at", "ends_at", "kind", "status")
    list_filter = ("board", "status", "kind")
    date_hierarchy = "starts_at"
    inlines = [AgendaItemInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(SimpleHistoryAdmin):
    list_display = ("meeting", "position", "case", "minutes_allotted")
    list_filter = ("meeting__board",)
    search_fields = ("case__patient__mrn",)
    raw_id_fields = ("case", "meeting")


@admin.register(BoardSchedule)
class BoardScheduleAdmin(SimpleHistoryAdmin):
    list_display = ("board", "description", "duration_minutes", "active")
    list_filter = ("board", "active")
    # The rule is built from a weekday and a frequency on the board's page, never typed.
    readonly_fields = ("recurrence",)


@admin.register(Invitation)
class InvitationAdmin(SimpleHistoryAdmin):
    list_display = ("meeting", "user", "discipline", "response", "responded_at")
    list_filter = ("response", "discipline")
    search_fields = ("user__username", "user__last_name")
    raw_id_fields = ("meeting", "user")


@admin.register(Attendance)
class AttendanceAdmin(SimpleHistoryAdmin):
    list_display = ("meeting", "user", "mode")
    list_filter = ("mode",)
    search_fields = ("user__username", "user__last_name")
    raw_id_fields = ("meeting", "user")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "subject", "created_at", "emailed_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("recipient__username", "subject", "dedupe_key")
    raw_id_fields = ("recipient",)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at")
    search_fields = ("user__username",)
    raw_id_fields = ("user",)
    exclude = ("token",)
