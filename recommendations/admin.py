from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from recommendations.models import (
    ConsensusPlan,
    DecisionRecord,
    Dissent,
    FhirMeetingExport,
    FollowUp,
    Opinion,
    PatientAccessLink,
    PatientReportedOutcome,
    PatientSummary,
    PlanActivity,
    PlanAmendment,
    PreMeetingSummary,
    Rediscussion,
    SummaryPreparation,
)


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


@admin.register(FhirMeetingExport)
class FhirMeetingExportAdmin(admin.ModelAdmin):
    """Where meeting exports stand; the Bundle itself is downloaded through the API."""

    list_display = ("meeting", "status", "plans", "created_at", "finished_at")
    list_filter = ("status", "meeting__board")
    search_fields = ("uuid", "error")
    list_select_related = ("meeting__board",)
    exclude = ("bundle",)
    readonly_fields = ("status", "plans", "error", "started_at", "finished_at")
    raw_id_fields = ("meeting", "created_by", "updated_by")


class PlanActivityInline(admin.TabularInline):
    model = PlanActivity
    extra = 0
    fields = (
        "kind",
        "description",
        "responsible_discipline",
        "responsible_user",
        "due_date",
        "status",
    )
    raw_id_fields = ("responsible_user",)


class DissentInline(admin.TabularInline):
    model = Dissent
    extra = 0
    fields = ("member", "view")
    raw_id_fields = ("member",)


class PlanAmendmentInline(admin.TabularInline):
    model = PlanAmendment
    extra = 0
    fields = ("created_at", "author", "reason", "plan_version_before")
    readonly_fields = fields
    can_delete = False


@admin.register(DecisionRecord)
class DecisionRecordAdmin(SimpleHistoryAdmin):
    list_display = ("agenda_item", "patient_involvement", "version", "updated_at", "updated_by")
    list_filter = ("patient_involvement", "agenda_item__meeting__board")
    search_fields = ("agenda_item__case__patient__mrn", "uncertainties", "information_needed")
    list_select_related = ("agenda_item__meeting__board", "updated_by")
    readonly_fields = ("uuid", "version", "created_at", "updated_at", "created_by", "updated_by")
    raw_id_fields = ("agenda_item", "prefilled_from")


@admin.register(ConsensusPlan)
class ConsensusPlanAdmin(SimpleHistoryAdmin):
    list_display = ("decision", "outcome", "status", "signed_by", "signed_at", "quorum_met")
    list_filter = ("status", "outcome", "quorum_met")
    search_fields = ("decision__agenda_item__case__patient__mrn", "summary")
    list_select_related = ("decision__agenda_item__meeting__board", "signed_by")
    readonly_fields = (
        "uuid",
        "version",
        "signed_by",
        "signed_at",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
    )
    raw_id_fields = ("decision",)
    inlines = [PlanActivityInline, DissentInline, PlanAmendmentInline]


@admin.register(PlanActivity)
class PlanActivityAdmin(SimpleHistoryAdmin):
    list_display = ("description", "kind", "responsible_discipline", "due_date", "status")
    list_filter = ("kind", "status", "responsible_discipline")
    search_fields = ("description", "plan__decision__agenda_item__case__patient__mrn")
    raw_id_fields = ("plan", "responsible_user")
    date_hierarchy = "due_date"


@admin.register(PatientSummary)
class PatientSummaryAdmin(SimpleHistoryAdmin):
    list_display = ("title", "language", "status", "reading_grade", "released_by", "released_at")
    list_filter = ("status", "language")
    search_fields = ("title", "plan__decision__agenda_item__case__patient__mrn")
    readonly_fields = ("uuid", "reading_grade", "released_by", "released_at")
    raw_id_fields = ("plan",)


@admin.register(PatientAccessLink)
class PatientAccessLinkAdmin(admin.ModelAdmin):
    """Links can be seen and revoked (deleted) here; the token itself is never stored."""

    list_display = ("summary", "expires_at", "used_at", "created_by", "created_at")
    list_filter = ("used_at",)
    search_fields = ("summary__title",)
    readonly_fields = ("summary", "token_hash", "expires_at", "used_at", "created_by", "created_at")


@admin.register(Dissent)
class DissentAdmin(SimpleHistoryAdmin):
    list_display = ("plan", "member", "created_at")
    search_fields = ("member__username", "member__last_name", "view")
    raw_id_fields = ("plan", "member")


@admin.register(PlanAmendment)
class PlanAmendmentAdmin(admin.ModelAdmin):
    """Amendments are the record of change to a signed plan: read-only here."""

    list_display = ("plan", "author", "created_at", "plan_version_before")
    search_fields = ("reason", "author__username")
    readonly_fields = ("plan", "reason", "author", "created_at", "plan_version_before", "changes")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FollowUp)
class FollowUpAdmin(SimpleHistoryAdmin):
    list_display = ("case", "timepoint_days", "due_on", "status", "recorded_on")
    list_filter = ("status", "timepoint_days", "case__board")
    search_fields = ("case__patient__mrn",)
    list_select_related = ("case__patient",)
    raw_id_fields = ("case", "plan", "recorded_by")
    readonly_fields = ("uuid", "version")
    date_hierarchy = "due_on"


@admin.register(PatientReportedOutcome)
class PatientReportedOutcomeAdmin(SimpleHistoryAdmin):
    list_display = ("follow_up", "pain_score", "mobility", "language", "submitted_at")
    list_filter = ("mobility", "language")
    search_fields = ("follow_up__case__patient__mrn",)
    list_select_related = ("follow_up__case__patient",)
    raw_id_fields = ("follow_up", "submitted_by")
    readonly_fields = ("uuid",)


@admin.register(Rediscussion)
class RediscussionAdmin(SimpleHistoryAdmin):
    """A case sent back to the board after its plan (follow-through): made on the plan's page."""

    list_display = ("case", "trigger", "requested_by", "requested_at", "agenda_item")
    list_filter = ("trigger",)
    search_fields = ("uuid", "case__uuid", "detail")
    raw_id_fields = ("case", "earlier_plan", "activity", "requested_by", "agenda_item")

    def has_add_permission(self, request):
        return False
