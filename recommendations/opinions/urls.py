"""Pages of recommendations.opinions. Records are addressed by uuid only."""

from django.urls import path

from . import views

urlpatterns = [
    path("my/cases/", views.my_cases, name="my-cases"),
    path(
        "opinions/<uuid:meeting_uuid>/<uuid:case_uuid>/",
        views.opinion_form,
        name="opinion-form",
    ),
]
