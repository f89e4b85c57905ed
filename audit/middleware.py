"""Writes the reads a view noted (`audit.reads.record`) once it has answered."""

from __future__ import annotations

from . import reads


class ReadLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # An unwritten read log is an unlogged read: a failure here is the request's failure.
        reads.write(request, response.status_code)
        return response
