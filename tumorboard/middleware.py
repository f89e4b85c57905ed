"""Pages answer a database outage with a 503 that says nothing was saved, not a 500.

Only Django's OperationalError and InterfaceError (the database unreachable, the connection lost,
a lock or statement timeout): other exceptions, programming errors included, go on to Django's
500 handling. The page is rendered without the request's context processors, which would query
the database again. API views get the same answer from `tumorboard.errors.api_exception_handler`;
this covers any API path that reaches here without DRF.
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

from .errors import DATABASE_ERRORS, RETRY_AFTER_SECONDS, database_unavailable


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        message = database_unavailable(request, exception)
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
