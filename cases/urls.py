from django.urls import path

from . import account_views, attachment_views, views

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("search/", views.case_search, name="case-search"),
    path("new/", views.case_create, name="case-create"),
    path("<uuid:case_uuid>/", views.case_detail, name="case-detail"),
    path("<uuid:case_uuid>/edit/", views.case_edit, name="case-edit"),
    path("<uuid:case_uuid>/status/", views.case_transition, name="case-transition"),
    path("<uuid:case_uuid>/lesions/new/", views.lesion_add, name="case-lesion-add"),
    path(
        "<uuid:case_uuid>/lesions/<int:lesion_id>/edit/",
        views.lesion_edit,
        name="case-lesion-edit",
    ),
    path(
        "<uuid:case_uuid>/lesions/<int:lesion_id>/remove/",
        views.lesion_remove,
        name="case-lesion-remove",
    ),
    path(
        "<uuid:case_uuid>/prior-treatments/new/",
        views.prior_treatment_add,
        name="case-prior-treatment-add",
    ),
    path(
        "<uuid:case_uuid>/prior-treatments/<int:treatment_id>/edit/",
        views.prior_treatment_edit,
        name="case-prior-treatment-edit",
    ),
    path(
        "<uuid:case_uuid>/prior-treatments/<int:treatment_id>/remove/",
        views.prior_treatment_remove,
        name="case-prior-treatment-remove",
    ),
    path(
        "<uuid:case_uuid>/attachments/new/",
        attachment_views.attachment_add,
        name="case-attachment-add",
    ),
    path(
        "<uuid:case_uuid>/images/",
        attachment_views.attachment_viewer,
        name="case-attachment-viewer",
    ),
    path(
        "<uuid:case_uuid>/attachments/<uuid:attachment_uuid>/file/",
        attachment_views.attachment_file,
        name="case-attachment-file",
    ),
    path(
        "<uuid:case_uuid>/attachments/<uuid:attachment_uuid>/thumbnail.png",
        attachment_views.attachment_thumbnail,
        name="case-attachment-thumbnail",
    ),
    path(
        "<uuid:case_uuid>/attachments/<uuid:attachment_uuid>/preview/<slug:preset>.png",
        attachment_views.attachment_preview,
        name="case-attachment-preview",
    ),
    path(
        "<uuid:case_uuid>/attachments/<uuid:attachment_uuid>/remove/",
        attachment_views.attachment_remove,
        name="case-attachment-remove",
    ),
    path(
        "<uuid:case_uuid>/patient-invitation/",
        account_views.case_patient_invite,
        name="case-patient-invite",
    ),
    path(
        "<uuid:case_uuid>/patient-account/",
        account_views.case_patient_link,
        name="case-patient-link",
    ),
]
