from django.urls import path

from . import account_views, views

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("search/", views.case_search, name="case-search"),
    path("new/", views.case_create, name="case-create"),
    path("<uuid:case_uuid>/", views.case_detail, name="case-detail"),
    path("<uuid:case_uuid>/edit/", views.case_edit, name="case-edit"),
    path("<uuid:case_uuid>/status/", views.case_transition, name="case-transition"),
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
