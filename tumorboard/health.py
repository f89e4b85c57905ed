"""Liveness and readiness probes for load balancers and orchestrators (no patient data)."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """The process answers: nothing else is checked (also the load benchmark's baseline)."""
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
