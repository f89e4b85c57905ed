from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AgendaItem, Board, BoardMembership, Meeting, SpecialistProfile


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
