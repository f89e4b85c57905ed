"""Pages of recommendations.patient_summaries. Records are addressed by uuid only."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "my/summaries/<uuid:summary_uuid>/",
        views.my_summary_detail,
        name="my-summary-detail",
    ),
    path(
        "my/summaries/<uuid:summary_uuid>/pdf/",
        views.my_summary_pdf,
        name="my-summary-pdf",
    ),
    path("s/<str:token>/", views.link_open, name="patient-summary-link-open"),
    path(
        "plans/<uuid:plan_uuid>/patient-summary/",
        views.plan_patient_summary,
        name="plan-patient-summary",
    ),
    path(
        "plans/<uuid:plan_uuid>/patient-summary/draft/",
        views.patient_summary_draft,
        name="patient-summary-draft",
    ),
    path(
        "patient-summaries/<uuid:summary_uuid>/edit/",
        views.patient_summary_edit,
        name="patient-summary-edit",
    ),
    path(
        "patient-summaries/<uuid:summary_uuid>/release/",
        views.patient_summary_release,
        name="patient-summary-release",
    ),
    path(
        "patient-summaries/<uuid:summary_uuid>/links/",
        views.patient_summary_link,
        name="patient-summary-link",
    ),
]
