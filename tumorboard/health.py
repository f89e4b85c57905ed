"""Liveness and readiness probes for load balancers and orchestrators (no patient data)."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import connection
from django.http import JsonResponse
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """The process answers: nothing else is checked."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """The database answers; 503 when it does not, so traffic goes elsewhere."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not ready"
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def floor(request):
    """The benchmark's floor: one primary-key SELECT returned as JSON, nothing else.

    Mounted only with BENCH_FLOOR=true (tumorboard/urls.py). It reads a content type (no patient
    data), so every endpoint's throughput can be compared with the cost of one request and one
    query on the same server, database and connection settings (bench/endpoints.py).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, app_label FROM django_content_type WHERE id = %s", [1])
        row = cursor.fetchone()
    return JsonResponse({"id": row[0] if row else None})


def warm_up() -> dict[str, int]:
    """Load what a worker's first request would otherwise load: every URL pattern's view module,
    the compiled templates, the translation catalogues and the static-files manifest.

    Called by gunicorn.conf.py in the master after the app is preloaded (inherited by every forked
    worker); it opens no database connection, so no connection is shared across a fork.
    """
    # Reading the reverse map imports every URLconf, so every view module and, through them,
    # their serializers and forms.
    views = len(get_resolver().reverse_dict)
    templates = 0
    for engine in engines.all():
        for directory in engine.template_dirs:
            for path in sorted(Path(directory).rglob("*.html")):
                try:
                    engine.get_template(str(path.relative_to(directory)))
                except (TemplateSyntaxError, TemplateDoesNotExist):  # not a page on its own
                    continue
                templates += 1
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Cases")
    staticfiles_storage.exists  # noqa: B018 - instantiates the storage: reads the manifest
    return {"views": views, "templates": templates}
