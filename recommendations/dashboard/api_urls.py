from django.urls import path

from . import api

urlpatterns = [path("results/", api.ResultsApi.as_view(), name="results")]
