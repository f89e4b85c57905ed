"""Two-factor sign-in for staff (django-otp): an authenticator app (TOTP) and ten one-time
recovery codes.

Who must use it: clinical staff (coordinator, chair, specialist) and admin accounts, when
settings.REQUIRE_STAFF_2FA is on (the production default). Patients are never asked. A session is
verified once a code was accepted in it: django-otp keeps the device's id in the session
(`DEVICE_ID_SESSION_KEY`), and the check here reads only that key, so a page costs no query for
it (django-otp's own middleware would load the device on every request).

Codes are checked against the one device their shape belongs to: six digits against the
authenticator, anything else against the recovery codes, so a recovery code never counts as a
failed authenticator attempt. django-otp throttles each device after failures (a growing delay).
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .roles import PRIVACY_OFFICER, has_role, is_staff_member

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def applies_to(user) -> bool:
    """Staff accounts, who may be asked for a second factor (never a patient). The privacy
    officer reads who read every patient's data, so counts as staff here."""
    return bool(
        user.is_authenticated
        and (user.is_staff or is_staff_member(user) or has_role(user, PRIVACY_OFFICER))
    )


def required_for(user) -> bool:
    return bool(settings.REQUIRE_STAFF_2FA) and applies_to(user)


def session_verified(request) -> bool:
    return DEVICE_ID_SESSION_KEY in request.session


def two_factor_exempt(view):
    """Mark a view that unverified staff may still open (signing in and out, the 2FA pages)."""
    view.two_factor_exempt = True
    return view


def exempt(view) -> bool:
    return getattr(view, "two_factor_exempt", False)


def is_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def authenticator_pending(user) -> TOTPDevice:
    """The user's authenticator device being set up (not yet confirmed by a code): the same one
    until it is confirmed, so reloading the page does not change the secret already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it typed in (base32, in groups of four)."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code in a data: URI (an <img>, allowed by the CSP's
    img-src data:, with no inline script or style)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def _normalised(code: str) -> str:
    return "".join(str(code).split()).replace("-", "").lower()


def authenticator_confirm(*, user, code: str) -> list[str] | None:
    """Confirm the pending authenticator with a code from the app; return the new recovery codes
    (shown once), or None when the code is wrong (the device's throttle counts the failure)."""
    device = (
        TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if not is_enrolled(user)
        else None
    )
    if device is None or not device.verify_token(_normalised(code)):
        return None
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return _recovery_codes_replace(user)


def recovery_codes_renew(*, user) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    with transaction.atomic():
        return _recovery_codes_replace(user)


def _recovery_codes_replace(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def code_check(*, user, code: str) -> Device | None:
    """The device that accepts `code` (an authenticator code, or a recovery code, which is spent),
    or None."""
    code = _normalised(code)
    if not code or len(code) > 16:
        return None
    model = TOTPDevice if len(code) == 6 and code.isdigit() else StaticDevice
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(code):
                return device
    return None


def session_verify(request, device: Device) -> None:
    """Mark the session as verified by `device` (django-otp's session key)."""
    request.session.cycle_key()  # a new session id for the elevated session
    otp_login(request, device)
