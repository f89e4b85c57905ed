from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from tumorboard import health
from tumorboard.api import ApiDocsAccess
from tumorboard.auth import AdminLoginForm

admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path(
        "api/schema/", SpectacularAPIView.as_view(permission_classes=[ApiDocsAccess]), name="schema"
    ),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", permission_classes=[ApiDocsAccess]),
        name="api-docs",
    ),
    path("api/v1/", include("tumorboard.api_urls")),
    path("", include("tumorboard.page_urls")),
]

if settings.BENCH_FLOOR:  # the benchmark's baseline; off unless BENCH_FLOOR=true
    urlpatterns.insert(0, path("bench/floor", health.floor, name="bench-floor"))
