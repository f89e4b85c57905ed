"""Celery tasks of the wiring layer: the password-reset e-mail (tumorboard.password_reset)."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.utils import translation

from .mail import MAIL_TASK
from .password_reset import reset_email_send, reset_recipient

logger = logging.getLogger(__name__)


@shared_task(
    name="tumorboard.send_password_reset_email", **{**MAIL_TASK, "default_retry_delay": 60}
)
def send_password_reset_email(self, user_id: int, language: str = "") -> bool:
    """E-mail a password-reset link to the user `user_id`, in `language` (the language of the
    page the request was made on; a code from LANGUAGES, else the site's). True when sent.

    Its arguments are the user's id and a language code: never the address, never a token (the
    link is made here, from the user's state now). Nothing is sent to a user who is inactive,
    has no usable password or no address by the time it runs.

    Idempotent enough, by design without a claim: each run sends at most one e-mail, so a repeated
    run (a redelivery after a lost worker) sends at most one more, whose link is as good as the
    first's; every link stops working once the password is set. A failing mail server sends
    nothing and is retried (3 times, a minute apart). A claim would turn a worker lost between
    claim and send into no e-mail at all, which the person waiting for it cannot tell from a typo.
    """
    user = reset_recipient(user_id)
    if user is None:
        return False
    if language not in {code for code, _name in settings.LANGUAGES}:
        language = settings.LANGUAGE_CODE
    try:
        with translation.override(language):
            reset_email_send(user)
    except (smtplib.SMTPException, OSError) as exc:
        # The user's id, never the address.
        logger.warning("Password reset e-mail to user %s failed; retrying", user_id)
        raise self.retry(exc=exc) from exc
    return True
