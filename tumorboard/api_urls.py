"""/api/v1/: the versioned REST API. Names are namespaced "api:" (e.g. "api:case-detail")."""

from django.urls import include, path
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings

from tumorboard.auth import TokenRequestSerializer

app_name = "api"


@extend_schema_view(
    post=extend_schema(
        summary="Get the API token for a username and password",
        responses={
            200: AuthTokenSerializer,
            400: OpenApiResponse(description="Missing or wrong credentials."),
        },
    )
)
class TokenApi(ObtainAuthToken):
    """DRF's token view, with its refusal documented, the API's parsers (a deeply nested body
    is a 400, not a RecursionError) and a bounded username."""

    parser_classes = api_settings.DEFAULT_PARSER_CLASSES
    serializer_class = TokenRequestSerializer


urlpatterns = [
    path("auth/token/", TokenApi.as_view(), name="token"),
    path("", include("cases.api_urls")),
    path("", include("scheduling.api_urls")),
    path("", include("recommendations.api_urls")),
    path("", include("audit.api_urls")),
]
