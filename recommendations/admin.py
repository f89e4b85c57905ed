from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Opinion, PreMeetingSummary, SummaryPreparation


@admin.register(Opinion)
class OpinionAdmin(SimpleHistoryAdmin):
    list_display = (
        "case",
        "meeting",
        "author",
        "discipline",
        "urgency",
        "confidence",
        "revision",
        "submitted_at",
    )
    list_filter = ("discipline", "urgency", "confidence", "meeting__board")
    search_fields = (
        "case__patient__mrn",
        "author__username",
        "author__last_name",
        "rationale",
    )
    list_select_related = ("case__patient", "meeting__board", "author")
    date_hierarchy = "submitted_at"
    readonly_fields = (
        "uuid",
        "revision",
        "submitted_at",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
    )
    raw_id_fields = ("case", "meeting", "author")


@admin.register(PreMeetingSummary)
class PreMeetingSummaryAdmin(admin.ModelAdmin):
    list_display = ("agenda_item", "version", "inputs_fingerprint", "created_at")
    list_filter = ("agenda_item__meeting__board",)
    search_fields = ("agenda_item__case__patient__mrn", "inputs_fingerprint")
    list_select_related = ("agenda_item__meeting__board",)
    readonly_fields = ("created_at",)
    raw_id_fields = ("agenda_item",)


@admin.register(SummaryPreparation)
class SummaryPreparationAdmin(admin.ModelAdmin):
    list_display = ("agenda_item", "status", "attempts", "requested_at", "finished_at")
    list_filter = ("status", "agenda_item__meeting__board")
    search_fields = ("agenda_item__case__patient__mrn", "error")
    list_select_related = ("agenda_item__meeting__board",)
    readonly_fields = ("requested_at", "started_at", "finished_at")
    raw_id_fields = ("agenda_item",)
