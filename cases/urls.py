from django.urls import path

from . import views

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("search/", views.case_search, name="case-search"),
    path("new/", views.case_create, name="case-create"),
    path("<uuid:case_uuid>/", views.case_detail, name="case-detail"),
    path("<uuid:case_uuid>/edit/", views.case_edit, name="case-edit"),
    path("<uuid:case_uuid>/status/", views.case_transition, name="case-transition"),
]
