"""Two-factor sign-in for staff (django-otp): an authenticator app (TOTP) and ten one-time
recovery codes.

Who must use it: clinical staff (coordinator, chair, specialist) and admin accounts, when
settings.REQUIRE_STAFF_2FA is on (the production default). Patients are never asked. A session is
verified once a code was accepted in it: django-otp keeps the device's id in the session
(`DEVICE_ID_SESSION_KEY`). It stays verified while that device exists: when it is deleted (an
administrator resetting a lost authenticator, recovery codes replaced) the session's next request
asks for a code again. Whether it exists comes as a column of the query that loads the session's
user anyway (`session_device_column`, tumorboard.session_policy.AuthenticationMiddleware), so a
page costs no query for it (django-otp's own middleware would load the device on every request).

Codes are checked against the one device their shape belongs to: six digits against the
authenticator, anything else against the recovery codes, so a recovery code never counts as a
failed authenticator attempt. django-otp throttles each device after failures (a growing delay).
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .precompiled import fits_primary_key
from .roles import PRIVACY_OFFICER, ExtraColumns, has_role, is_staff_member

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


# The user's column saying whether the device that verified the session still exists.
SESSION_DEVICE_EXISTS = "tb_session_device_exists"


def _device_ref(persistent_id) -> tuple[type[Device], int] | None:
    """The device model and id in a django-otp persistent id ("otp_totp.totpdevice/7")."""
    try:
        label, pk = str(persistent_id).rsplit("/", 1)
        model = apps.get_model(label)
        pk = int(pk)
    except (ValueError, LookupError):
        return None
    if not issubclass(model, Device) or not fits_primary_key(model, pk):
        return None  # a forged or corrupt session: no device
    return model, pk


def _session_device(persistent_id, user_ref):
    """The session's device, if it is still a confirmed device of the user `user_ref` names."""
    ref = _device_ref(persistent_id)
    if ref is None:
        return None
    model, pk = ref
    return _confirmed(model, pk, user_ref)


def _confirmed(model: type[Device], pk, user_ref):
    return model.objects.filter(pk=pk, user_id=user_ref, confirmed=True)


def session_device_column(session) -> ExtraColumns | None:
    """For loading the session's user (roles.loading_user_with): whether the device that verified
    the session is still one of the user's confirmed devices; None when none verified it."""
    ref = _device_ref(session.get(DEVICE_ID_SESSION_KEY))
    if ref is None:
        return None
    model, pk = ref

    def columns(device):
        return {SESSION_DEVICE_EXISTS: Exists(_confirmed(model, device, OuterRef("pk")))}

    return ExtraColumns(
        shape=f"device:{model._meta.label_lower}",
        columns=columns,
        types={"device": int},
        values={"device": pk},
    )


def session_verified(request) -> bool:
    """Verified with a second factor in this session, by a device that still exists; a session
    whose device is gone is verified no longer (the key is removed, as django-otp's middleware
    does)."""
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
    if persistent_id is None:
        return False
    exists = getattr(request.user, SESSION_DEVICE_EXISTS, None)
    if exists is None:  # the user was loaded without the column (signing in, the async path)
        device = _session_device(persistent_id, request.user.pk)
        exists = device is not None and device.exists()
    if not exists:
        del request.session[DEVICE_ID_SESSION_KEY]
    return bool(exists)


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
    setattr(request.user, SESSION_DEVICE_EXISTS, True)  # it was just used


def session_keep_after_renewal(request) -> None:
    """This session, verified with a recovery code, stays verified once it replaced the codes
    (their device is replaced too, which ends the other sessions verified with the old ones)."""
    ref = _device_ref(request.session.get(DEVICE_ID_SESSION_KEY))
    if ref is None or ref[0] is not StaticDevice:
        return
    device = StaticDevice.objects.filter(user=request.user, confirmed=True).order_by("-pk").first()
    if device is not None:
        session_verify(request, device)
