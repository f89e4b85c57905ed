"""E-mail: every message has a plain-text and an HTML part, rendered from templates, and its links
are absolute, built from the configured site address (settings.SITE_URL): an e-mail has no request
to take a host from, and a relative link opens nothing in a mail client."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    """The site address followed by a path of this site ("/meetings/<uuid>/")."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError("A site path starts with a single '/'.")
    return f"{settings.SITE_URL}{path}"


# The Celery options of a task that sends one e-mail (`@shared_task(name=..., **MAIL_TASK)`):
# acknowledged once it has run, so a lost worker's message is delivered again (each task makes
# that safe in its own way); a minute at most; a failing mail server retried three times.
MAIL_TASK: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "time_limit": 60,
    "soft_time_limit": 45,
    "max_retries": 3,
    "default_retry_delay": 120,
}


def send_email(*, to: str, subject: str, template: str, context: dict[str, Any]) -> None:
    """Send `emails/<template>.txt` with `emails/<template>.html` as its HTML alternative.

    Raises what the mail backend raises (SMTPException, OSError); callers decide on retries.
    """
    context = {**context, "site_url": settings.SITE_URL}
    text = render_to_string(f"emails/{template}.txt", context).strip() + "\n"
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    message.send()
