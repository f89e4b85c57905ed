"""/api/v1/: the versioned REST API. Names are namespaced "api:" (e.g. "api:case-detail")."""

from django.urls import include, path
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.settings import api_settings

from tumorboard.auth import TokenRequestSerializer, TokenSerializer, api_token_issue
from tumorboard.roles import token_expires_at
from tumorboard.two_factor import two_factor_exempt

app_name = "api"


@extend_schema_view(
    post=extend_schema(
        summary="Get the API token for a username and password",
        description="The token works for API_TOKEN_HOURS (12 by default) after it was issued, "
        "then answers 401 and a new one is issued here; a password change or reset deletes it. "
        "Staff send a two-factor code (`otp`) when two-factor sign-in is required.",
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(
                description="Missing or wrong credentials, or a missing or wrong two-factor code."
            ),
        },
    )
)
class TokenApi(ObtainAuthToken):
    """DRF's token view, with its refusal documented, the API's parsers (a deeply nested body
    is a 400, not a RecursionError) and a bounded username."""

    parser_classes = api_settings.DEFAULT_PARSER_CLASSES
    serializer_class = TokenRequestSerializer

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = api_token_issue(serializer.validated_data["user"])
        body = {"token": token.key, "expires_at": token_expires_at(token)}
        return Response(TokenSerializer(body).data)


urlpatterns = [
    path("auth/token/", two_factor_exempt(TokenApi.as_view()), name="token"),
    path("", include("cases.api_urls")),
    path("", include("scheduling.api_urls")),
    path("", include("recommendations.api_urls")),
    path("", include("audit.api_urls")),
]
