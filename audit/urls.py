"""Pages of the read log (the privacy officer's)."""

from django.urls import path

from . import views

urlpatterns = [
    path("audit/reads/", views.read_log, name="read-log"),
    path("audit/reads.csv", views.read_log_csv, name="read-log-csv"),
]
