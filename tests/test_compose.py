"""docker-compose.yml cannot be run here (no Docker engine), so its shape is checked instead."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def load():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_like_services():
    services = load()["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    assert "gunicorn tumorboard.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "tumorboard", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "tumorboard", "beat"]


def test_app_services_point_at_postgres_and_redis_with_debug_off():
    services = load()["services"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert (
            env["DATABASE_URL"].startswith("postgres://")
            and "@postgres:5432/" in env["DATABASE_URL"]
        )
        assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
        assert env["DEBUG"] == "false"
        assert "SECRET_KEY" in env and "?" in env["SECRET_KEY"], "SECRET_KEY must be required"
        assert set(services[name]["depends_on"]) == {"postgres", "redis"}


def test_dockerfile_installs_the_locked_dependencies_and_copies_every_app():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "-c requirements.lock" in dockerfile
    for app in ("tumorboard", "cases", "recommendations", "scheduling", "templates"):
        assert f"COPY {app} ./{app}" in dockerfile
