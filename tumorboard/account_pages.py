"""Account security pages: password change and reset, and two-factor sign-in.

Password change and reset are Django's auth views with the project's templates; each deletes the
user's API token once the new password is saved. The reset e-mail is sent by a Celery task, by
user id, after the request (tumorboard.password_reset: text and HTML, links from SITE_URL), and
requests are limited per client and per address; the page answers the same whether or not the
address belongs to an account and whether or not a limit was reached (no user enumeration).

Two-factor (tumorboard.two_factor): the set-up page shows the authenticator's QR code and secret,
confirms it with a first code and then shows ten recovery codes, once; the verify page asks for a
code after the password sign-in. Both are for staff only (a patient is never asked: 403).
"""

from __future__ import annotations

import logging
from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from audit.reads import client_ip

from . import password_reset, two_factor
from .auth import api_tokens_revoke
from .queue import enqueue_on_commit
from .tasks import send_password_reset_email

logger = logging.getLogger(__name__)


# --- passwords ----------------------------------------------------------------------------------


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)  # saves, and keeps this session signed in
        api_tokens_revoke(form.user)
        messages.success(
            self.request,
            _("Your password is changed. Other sessions and any API token were signed out."),
        )
        return response


class ResetRequestForm(PasswordResetForm):
    """Django's reset form; the e-mail is sent by a task (tumorboard.password_reset)."""

    def save(self, request=None, **kwargs):
        """Queue the reset e-mail for each account with this address, by user id, once the
        request's transaction commits; the request itself sends nothing."""
        language = translation.get_language() or settings.LANGUAGE_CODE
        for user in self.get_users(self.cleaned_data["email"]):
            enqueue_on_commit(send_password_reset_email, args=[user.pk, language])


class PasswordReset(auth_views.PasswordResetView):
    """The reset request: answered with the same page for every address, known or not, within
    the limit or over it (password_reset.request_allowed)."""

    template_name = "registration/password_reset_form.html"
    form_class = ResetRequestForm
    success_url = reverse_lazy("password-reset-done")

    def form_valid(self, form):
        if password_reset.request_allowed(
            client_ip=client_ip(self.request), email=form.cleaned_data["email"]
        ):
            return super().form_valid(form)
        logger.warning("Password reset requests over the hourly limit; nothing sent")
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        api_tokens_revoke(form.user)
        return response


class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


# --- two-factor sign-in -------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=24,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
        error_messages={"required": gettext_lazy("Enter the code.")},
    )


def _staff_only(view):
    """Signed in (else the login page) and a staff account (else 403); open before the second
    factor is verified."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not two_factor.applies_to(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return two_factor.two_factor_exempt(never_cache(login_required(wrapped)))


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _with_next(name: str, request) -> str:
    target = request.GET.get("next") or request.POST.get("next")
    url = reverse(name)
    if target:
        url += "?" + urlencode({"next": target})
    return url


@_staff_only
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """After the password: a code from the authenticator app, or a recovery code."""
    if two_factor.session_verified(request):
        return redirect(_next(request))
    if not two_factor.is_enrolled(request.user):
        return redirect(_with_next("two-factor-setup", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.code_check(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            two_factor.session_verify(request, device)
            if device.name == two_factor.RECOVERY_NAME:
                left = two_factor.recovery_codes_left(request.user)
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; %(left)d are left. "
                        "Make new ones on the two-factor page if you are running out."
                    )
                    % {"left": left},
                )
            return redirect(_next(request))
        form.add_error(
            "code",
            _(
                "That code is not right, or was used already. Enter the current code "
                "(after several wrong ones, wait a few seconds)."
            ),
        )
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)}
    )


@_staff_only
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Enrol an authenticator app (QR code and secret, confirmed by a first code), then see the
    recovery codes once. Once enrolled: the status, and new recovery codes on request."""
    user = request.user
    if two_factor.is_enrolled(user):
        if not two_factor.session_verified(request):  # enrolled: prove it before changing it
            return redirect(_with_next("two-factor", request))
        if request.method == "POST" and request.POST.get("action") == "renew":
            codes = two_factor.recovery_codes_renew(user=user)
            two_factor.session_keep_after_renewal(request)
            return _show_codes(request, codes)
        return render(
            request,
            "registration/two_factor_status.html",
            {"left": two_factor.recovery_codes_left(user)},
        )
    device = two_factor.authenticator_pending(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.authenticator_confirm(user=user, code=form.cleaned_data["code"])
        if codes is not None:
            device.refresh_from_db()
            two_factor.session_verify(request, device)
            return _show_codes(request, codes)
        form.add_error(
            "code", _("That code is not right. Enter the 6-digit code the app shows now.")
        )
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr_code": two_factor.qr_code_data_uri(device),
            "secret": two_factor.secret_text(device),
            "next": _next(request),
        },
    )


def _show_codes(request, codes: list[str]):
    return render(
        request,
        "registration/two_factor_codes.html",
        {"codes": codes, "next": _next(request)},
    )
