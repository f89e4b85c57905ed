from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import (
    Case,
    CaseAttachment,
    Patient,
    PatientInvitation,
    PriorTreatment,
    SpinalLesion,
    StoredAssessment,
)


class StoresAssessment:
    """An edit in the admin bypasses the services, so it stores the case's assessment itself."""

    @staticmethod
    def _case_id(obj) -> int:
        return obj.pk if isinstance(obj, Case) else obj.case_id

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        services.case_assessment_store(case_id=self._case_id(form.instance))

    def delete_model(self, request, obj):
        case_id = self._case_id(obj)
        super().delete_model(request, obj)  # type: ignore[misc]
        if not isinstance(obj, Case):
            services.case_assessment_store(case_id=case_id)


class LesionInline(admin.TabularInline):
    model = SpinalLesion
    extra = 0
    exclude = ("created_by", "updated_by")


class PriorTreatmentInline(admin.TabularInline):
    model = PriorTreatment
    extra = 0
    exclude = ("created_by", "updated_by")


@admin.register(Patient)
class PatientAdmin(SimpleHistoryAdmin):
    list_display = ("mrn", "family_name", "given_name", "date_of_birth", "preferred_language")
    search_fields = ("mrn", "family_name", "given_name")
    list_filter = ("sex", "preferred_language")
    readonly_fields = ("uuid", "created_at", "updated_at", "created_by", "updated_by")
    raw_id_fields = ("user",)


@admin.register(Case)
class CaseAdmin(StoresAssessment, SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "patient",
        "board",
        "status",
        "urgency",
        "primary_site",
        "created_at",
    )
    list_filter = ("status", "urgency", "board", "primary_site")
    search_fields = ("patient__mrn", "patient__family_name", "clinical_question")
    list_select_related = ("patient", "board")
    readonly_fields = (
        "uuid",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "status_changed_at",
        "goals_recorded_at",
        "goals_recorded_by",
    )
    raw_id_fields = ("patient",)
    inlines = [LesionInline, PriorTreatmentInline]


@admin.register(SpinalLesion)
class SpinalLesionAdmin(StoresAssessment, SimpleHistoryAdmin):
    list_display = ("case", "level", "escc_grade", "imaging_date")
    list_filter = ("escc_grade", "bone_lesion", "pain")
    search_fields = ("case__patient__mrn", "level")
    raw_id_fields = ("case",)


@admin.register(PriorTreatment)
class PriorTreatmentAdmin(StoresAssessment, SimpleHistoryAdmin):
    list_display = ("case", "kind", "level_from", "level_to", "treated_on", "dose_gy", "fractions")
    list_filter = ("kind",)
    search_fields = ("case__patient__mrn",)
    raw_id_fields = ("case",)


@admin.register(StoredAssessment)
class StoredAssessmentAdmin(admin.ModelAdmin):
    """Derived data, written only by cases.services: shown, never edited here."""

    list_display = ("case", "computed_at", "valid_until")
    raw_id_fields = ("case",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PatientInvitation)
class PatientInvitationAdmin(SimpleHistoryAdmin):
    """Invitations are sent from the case page; seen here (the token is never stored)."""

    list_display = ("email", "sent_at", "expires_at", "used_at", "withdrawn_at", "created_by")
    list_filter = ("used_at", "withdrawn_at")
    search_fields = ("email", "patient__mrn")
    readonly_fields = (
        "uuid",
        "patient",
        "case",
        "token_hash",
        "sent_at",
        "expires_at",
        "used_at",
        "account",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
    )


@admin.register(CaseAttachment)
class CaseAttachmentAdmin(SimpleHistoryAdmin):
    """Attachments are added and removed on the case's pages (content-checked there): listed here,
    never edited, and the files themselves only through the access-checked views."""

    list_display = ("uuid", "case", "kind", "study_date", "content_type", "preview_status")
    list_filter = ("kind", "preview_status")
    search_fields = ("uuid", "case__uuid", "caption")
    raw_id_fields = ("case",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
