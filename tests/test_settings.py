"""Configuration from the environment: first-run defaults, production refusal, check --deploy."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'broker': settings.CELERY_BROKER_URL, "
    "'email': settings.EMAIL_BACKEND, 'debug': settings.DEBUG}))"
)
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "-production-like-secret-key-for-tests-only-0123456789",
    "ALLOWED_HOSTS": "board.example.org",
    "SITE_URL": "https://board.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tumorboard",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def run(code_or_args, env_overrides, *, manage=False):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))}
    for key in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_URL", "SITE_URL"):
        env.pop(key, None)
    env["DJANGO_SETTINGS_MODULE"] = "tumorboard.settings"
    env.update(env_overrides)
    args = (
        [sys.executable, "manage.py", *code_or_args]
        if manage
        else [sys.executable, "-c", code_or_args]
    )
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603


def test_nothing_set_gives_the_embedded_default():
    out = run(PROBE, {"DEBUG": "true"})
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["eager"] is True
    assert found["email"] == "django.core.mail.backends.console.EmailBackend"


def test_nothing_at_all_set_runs_the_local_first_run_in_development_mode():
    out = run(PROBE, {})
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["debug"] is True


def test_a_real_database_without_debug_set_means_debug_off_and_secrets_required():
    env = {"DATABASE_URL": PRODUCTION["DATABASE_URL"]}
    out = run(PROBE, env)
    assert out.returncode != 0
    assert "SECRET_KEY and ALLOWED_HOSTS must be set" in out.stderr


def test_services_set_give_postgres_and_a_real_broker():
    out = run(PROBE, PRODUCTION)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["eager"] is False
    assert found["broker"] == "redis://127.0.0.1:6379/0"
    assert found["debug"] is False


def test_debug_off_without_secret_key_stops_with_a_clear_message():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    out = run(PROBE, env)
    assert out.returncode != 0
    assert "SECRET_KEY and ALLOWED_HOSTS must be set" in out.stderr


def test_debug_off_without_allowed_hosts_stops():
    env = {k: v for k, v in PRODUCTION.items() if k != "ALLOWED_HOSTS"}
    out = run(PROBE, env)
    assert out.returncode != 0
    assert "ALLOWED_HOSTS" in out.stderr


def test_check_deploy_passes_with_production_settings():
    out = run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, manage=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


SITE_PROBE = (
    "import django; from django.conf import settings; django.setup(); print(settings.SITE_URL)"
)


def test_the_first_run_site_address_is_the_local_server():
    out = run(SITE_PROBE, {"DEBUG": "true"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "http://127.0.0.1:8000"


def test_the_site_address_loses_its_trailing_slash():
    out = run(SITE_PROBE, {**PRODUCTION, "SITE_URL": "https://board.example.org/tumorboard/"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "https://board.example.org/tumorboard"


@pytest.mark.parametrize(
    ("site_url", "message"),
    [
        ("board.example.org", "must be an http:// or https:// address"),
        ("ftp://board.example.org", "must be an http:// or https:// address"),
        ("https://board.example.org/?next=1", "must not carry a query"),
        ("https://elsewhere.example.org", "is not one of ALLOWED_HOSTS"),
    ],
)
def test_a_bad_site_address_stops_start_up(site_url, message):
    out = run(SITE_PROBE, {**PRODUCTION, "SITE_URL": site_url})
    assert out.returncode != 0
    assert message in out.stderr


OPTIONS_PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
)


def test_postgres_prepares_repeated_statements_by_default():
    out = run(OPTIONS_PROBE, PRODUCTION)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"server_side_binding": True, "prepare_threshold": 5}


def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler():
    out = run(OPTIONS_PROBE, {**PRODUCTION, "DB_PREPARED_STATEMENTS": "false"})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {}


def test_the_embedded_default_has_no_postgres_options():
    out = run(OPTIONS_PROBE, {"DEBUG": "true"})
    assert out.returncode == 0, out.stderr
    assert "server_side_binding" not in json.loads(out.stdout)


SIGN_IN_PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'2fa': settings.REQUIRE_STAFF_2FA, 'idle': settings.SESSION_IDLE_MINUTES, "
    "'max': settings.SESSION_MAX_HOURS, 'token': settings.API_TOKEN_HOURS, "
    "'min_length': next(v['OPTIONS']['min_length'] for v in settings.AUTH_PASSWORD_VALIDATORS "
    "if v['NAME'].endswith('MinimumLengthValidator'))}))"
)


def test_production_requires_staff_two_factor_and_short_sessions_by_default():
    out = run(SIGN_IN_PROBE, PRODUCTION)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "2fa": True,
        "idle": 30,
        "max": 12,
        "token": 12,
        "min_length": 12,
    }


def test_the_first_run_demo_asks_no_second_factor():
    out = run(SIGN_IN_PROBE, {"DEBUG": "true"})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["2fa"] is False


def test_sign_in_limits_come_from_the_environment():
    env = {
        **PRODUCTION,
        "REQUIRE_STAFF_2FA": "false",
        "SESSION_IDLE_MINUTES": "15",
        "SESSION_MAX_HOURS": "8",
        "API_TOKEN_HOURS": "2",
        "PASSWORD_MIN_LENGTH": "16",
    }
    out = run(SIGN_IN_PROBE, env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "2fa": False,
        "idle": 15,
        "max": 8,
        "token": 2,
        "min_length": 16,
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SESSION_IDLE_MINUTES", "0"),
        ("SESSION_MAX_HOURS", "1000"),
        ("API_TOKEN_HOURS", "0"),
        ("PASSWORD_MIN_LENGTH", "6"),
    ],
)
def test_an_out_of_range_sign_in_limit_stops_start_up(name, value):
    out = run(SIGN_IN_PROBE, {**PRODUCTION, name: value})
    assert out.returncode != 0
    assert name in out.stderr
