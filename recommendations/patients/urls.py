"""Pages of recommendations.patients. A patient is addressed by uuid only."""

from django.urls import path

from . import views

urlpatterns = [
    path("patients/<uuid:patient_uuid>/", views.patient_page, name="patient-page"),
]
