"""The invitation e-mail, the sign-up page and its refusals speak the patient's preferred language
(Patient.preferred_language), whatever the browser asks for: Spanish for a Spanish-preferring
patient with no English left, English for an English-preferring one."""

from __future__ import annotations

import re

import pytest

from cases import invitations
from tests.factories import CaseFactory, PatientFactory

pytestmark = pytest.mark.django_db

SITE = "https://board.example.org"
STRONG = "violet-harbour-9271"

# The key sentences of the e-mail and the page, in each language.
ENGLISH_EMAIL = [
    "Your care team invites you to read the summaries of your care plan online.",
    "The link opens once and works for 72 hours.",
    "If you did not expect this e-mail, you can ignore it.",
]
SPANISH_EMAIL = [
    "Su equipo médico le invita a leer por internet los resúmenes de su plan de cuidados.",
    "El enlace se abre una sola vez y funciona durante 72 horas.",
    "Si no esperaba este correo electrónico, puede ignorarlo.",
]
ENGLISH_PAGE = [
    "Create your account",
    "Your care team invited you to read the summaries of your care plan.",
    "Choose a password to finish.",
    "Type the password again",
    "Create my account",
]
SPANISH_PAGE = [
    "Cree su cuenta",
    "Su equipo médico le ha invitado a leer los resúmenes de su plan de cuidados.",
    "Elija una contraseña para terminar.",
    "Escriba la contraseña otra vez",
    "Crear mi cuenta",
]


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def _invited(cast, mailoutbox, callbacks, language):
    """Invite a new patient preferring `language`; return (the e-mail, the sign-up path)."""
    patient = PatientFactory(preferred_language=language)
    case = CaseFactory(board=cast.board, patient=patient)
    with callbacks(execute=True):
        invitations.patient_invite(case=case, by=cast.coordinator, email="ana@example.org")
    message = mailoutbox[-1]
    return message, re.search(rf"{SITE}(/join/\S+/)", message.body).group(1)


def _assert_all_and_none(text, present, absent):
    for sentence in present:
        assert sentence in text
    for sentence in absent:
        assert sentence not in text


def test_a_spanish_patient_gets_the_invitation_email_in_spanish(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    message, path = _invited(cast, mailoutbox, django_capture_on_commit_callbacks, "es")
    assert message.subject == "Su equipo médico le invita a leer sus resúmenes"
    assert message.body.startswith("Hola:\n")
    assert "Abra este enlace para elegir una contraseña para su cuenta:" in message.body
    _assert_all_and_none(message.body, SPANISH_EMAIL, ENGLISH_EMAIL + ["Hello", "Open this link"])
    html, _mimetype = message.alternatives[0]
    assert '<html lang="es">' in html and f'href="{SITE}{path}"' in html
    assert "Elija su contraseña</a>" in html
    assert "Enviado por el servicio del comité de tumores." in html
    _assert_all_and_none(
        html, SPANISH_EMAIL, ENGLISH_EMAIL + ["Hello", "Choose your password", "Sent by"]
    )


def test_an_english_patient_still_gets_the_invitation_email_in_english(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    message, _path = _invited(cast, mailoutbox, django_capture_on_commit_callbacks, "en")
    assert message.subject == "Your care team invites you to read your summaries"
    assert message.body.startswith("Hello,\n")
    _assert_all_and_none(message.body, ENGLISH_EMAIL, SPANISH_EMAIL)
    html, _mimetype = message.alternatives[0]
    assert '<html lang="en">' in html and "Choose your password</a>" in html
    _assert_all_and_none(html, ENGLISH_EMAIL, SPANISH_EMAIL)


def test_a_spanish_patient_signs_up_in_spanish_whatever_the_browser_asks(
    client, cast, mailoutbox, django_capture_on_commit_callbacks
):
    _message, path = _invited(cast, mailoutbox, django_capture_on_commit_callbacks, "es")
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="es">' in page and "ana@example.org" in page
    assert "Elija una contraseña" in page and "numérica" in page  # Django's validators' help
    _assert_all_and_none(page, SPANISH_PAGE, ENGLISH_PAGE + ["Choose a password", "numeric"])

    empty = client.post(path, {"password1": "", "password2": ""}).content.decode()
    assert "Elija una contraseña." in empty and "Choose a password." not in empty
    mismatch = client.post(path, {"password1": STRONG, "password2": "otra"}).content.decode()
    assert "Las dos contraseñas no son iguales." in mismatch and "not the same" not in mismatch
    weak = client.post(path, {"password1": "12345678", "password2": "12345678"})
    assert "Esta contraseña es completamente numérica." in weak.content.decode()
    assert "entirely numeric" not in weak.content.decode()

    done = client.post(path, {"password1": STRONG, "password2": STRONG}, follow=True)
    assert "Su cuenta está lista. Aquí tiene sus resúmenes." in done.content.decode()
    client.logout()
    used = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert used.status_code == 410
    assert "Esta invitación ya se usó. Entre con la cuenta que creó." in used.content.decode()
    assert "already been used" not in used.content.decode()


def test_an_english_patient_signs_up_in_english_whatever_the_browser_asks(
    client, cast, mailoutbox, django_capture_on_commit_callbacks
):
    _message, path = _invited(cast, mailoutbox, django_capture_on_commit_callbacks, "en")
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="en">' in page
    _assert_all_and_none(page, ENGLISH_PAGE, SPANISH_PAGE + ["Elija una contraseña"])
    mismatch = client.post(path, {"password1": STRONG, "password2": "other"}).content.decode()
    assert "The two passwords are not the same." in mismatch and "iguales" not in mismatch
    done = client.post(path, {"password1": STRONG, "password2": STRONG}, follow=True)
    assert "Your account is ready. Here are your summaries." in done.content.decode()


def test_an_unknown_link_is_refused_in_the_browsers_language(client):
    spanish = client.get("/join/" + "x" * 43 + "/", HTTP_ACCEPT_LANGUAGE="es")
    assert spanish.status_code == 404
    assert "Este enlace no es válido." in spanish.content.decode()
    english = client.get("/join/" + "x" * 43 + "/", HTTP_ACCEPT_LANGUAGE="en")
    assert "This link is not valid." in english.content.decode()
