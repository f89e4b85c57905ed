"""/api/v1/: the versioned REST API. Names are namespaced "api:" (e.g. "api:case-detail")."""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token

app_name = "api"

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="token"),
    path("", include("cases.api_urls")),
    path("", include("scheduling.api_urls")),
    path("", include("recommendations.api_urls")),
]
