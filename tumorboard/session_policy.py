"""Staff sessions: an idle timeout, an absolute lifetime, and the two-factor gate.

A staff session (tumorboard.two_factor.applies_to: clinical roles and admin accounts) ends after
settings.SESSION_IDLE_MINUTES without a request and settings.SESSION_MAX_HOURS after it began,
whatever the activity. Two times in the session (epoch seconds) carry this: when it began and
when it was last seen. The check reads the session and the user the request loads anyway, so it
costs no query; "last seen" is written at most once a minute, so a busy page does not rewrite
the session on every request. A session from before this policy gets its times at its next
request.

An ended session is signed out: a page answers with the sign-in page and a message saying why;
the API goes on without the user, so DRF refuses it like any unauthenticated request (or accepts
its token).

With settings.REQUIRE_STAFF_2FA on, a signed-in staff member whose session has not been verified
with a second factor, or whose verifying device has since been deleted, is sent to the two-factor
page (enrolment first if they have no authenticator); the API answers 403. The session's user is
loaded with whether that device still exists, in the query that loads the user and their roles
(AuthenticationMiddleware below, in place of Django's). Views marked `two_factor_exempt`
(signing in and out, the two-factor pages) stay open.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from . import roles, two_factor

BEGAN_KEY = "tb_session_began"
SEEN_KEY = "tb_session_seen"
# "Last seen" is rewritten at most this often (seconds).
SEEN_RESOLUTION = 60

TWO_FACTOR_NEEDED = "Two-factor verification is required: sign in to the website with your code."


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, loading the session's user with whether the second-factor device that verified
    the session still exists (two_factor.session_device_column) in the same query."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _session_user(request))


def _session_user(request):
    with roles.loading_user_with(two_factor.session_device_column(request.session)):
        return auth_middleware.get_user(request)


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if session.get(SESSION_KEY) is not None and two_factor.applies_to(request.user):
            ended = self._ended(session)
            if ended is not None:
                return self._sign_out(request, ended)
        return self.get_response(request)

    @staticmethod
    def _ended(session) -> str | None:
        """Why the session has ended, or None (then its times are brought up to date)."""
        now = int(time.time())
        began, seen = session.get(BEGAN_KEY), session.get(SEEN_KEY)
        if not isinstance(began, int) or not isinstance(seen, int):
            session[BEGAN_KEY] = session[SEEN_KEY] = now
            return None
        idle_minutes, max_hours = settings.SESSION_IDLE_MINUTES, settings.SESSION_MAX_HOURS
        if now - seen > idle_minutes * 60:
            return _(
                "You were signed out after %(minutes)d minutes without activity. "
                "Please sign in again."
            ) % {"minutes": idle_minutes}
        if now - began > max_hours * 3600:
            return _(
                "You were signed out: a session lasts at most %(hours)d hours. "
                "Please sign in again."
            ) % {"hours": max_hours}
        if now - seen >= SEEN_RESOLUTION:
            session[SEEN_KEY] = now
        return None

    def _sign_out(self, request, reason: str):
        logout(request)
        if is_api(request):
            return self.get_response(request)
        messages.warning(request, reason)
        return redirect_to_login(request.get_full_path())

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            not settings.REQUIRE_STAFF_2FA
            or two_factor.exempt(view_func)
            or not two_factor.required_for(request.user)
            or two_factor.session_verified(request)
        ):
            return None
        if is_api(request):
            return JsonResponse({"detail": TWO_FACTOR_NEEDED}, status=403)
        target = reverse("two-factor")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)
