"""Sending Celery tasks after the transaction commits, without ever failing the user's request.

If the broker is down, the write the user made has already committed: the task is not sent, a
warning is logged (task name only: no arguments, no patient data), an optional `on_failure`
records the problem where a coordinator can retry it, and the request is told so that the page
or API response can say "saved, but the background work could not be queued".
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable

from django.contrib import messages
from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError

logger = logging.getLogger(__name__)

# Errors a broker outage raises from apply_async (kombu wraps most; sockets may leak through).
QUEUE_ERRORS: tuple[type[BaseException], ...] = (KombuOperationalError, ConnectionError, OSError)
QUEUE_WARNING = (
    "Your change is saved, but background work could not be queued because the task service is "
    "unavailable. It will need to be retried; the coordinator can see what is pending."
)

_problems: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "tumorboard_queue_problems", default=None
)


def send_now(task, *, args=(), on_failure: Callable[[], None] | None = None, **options) -> bool:
    """apply_async, turning a broker outage into a logged, reported failure. True when sent."""
    try:
        task.apply_async(args=list(args), **options)
    except QUEUE_ERRORS:
        logger.warning("Could not queue task %s: broker unavailable", task.name)
        problems = _problems.get()
        if problems is not None:
            problems.append(task.name)
        if on_failure is not None:
            on_failure()
        return False
    return True


def enqueue_on_commit(task, *, args=(), on_failure=None, **options) -> None:
    """Send `task` with `args` (ids only) once the current transaction commits."""
    transaction.on_commit(lambda: send_now(task, args=args, on_failure=on_failure, **options))


class QueueProblemsMiddleware:
    """Tells the user when a task could not be queued during their request.

    Pages get a warning message; API responses a `Warning` header (RFC 7234 style). Place it
    after MessageMiddleware so the message is stored with the response.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _problems.set([])
        try:
            response = self.get_response(request)
            if _problems.get():
                if request.path.startswith("/api/"):
                    response["Warning"] = '199 tumorboard "Background work could not be queued"'
                else:
                    messages.warning(request, QUEUE_WARNING)
            return response
        finally:
            _problems.reset(token)
