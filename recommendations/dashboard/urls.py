from django.urls import path

from . import views

urlpatterns = [
    path("results/", views.results_page, name="results"),
    path("results.csv", views.results_csv, name="results-csv"),
]
