"""Production settings refuse unsafe configuration and pass Django's deploy checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "DATABASE_URL": "postgres://varde@db.invalid:5432/varde",
    "REDIS_URL": "redis://cache.invalid:6379/0",
    "ALLOWED_HOSTS": "varde.example.com",
    "CREDENTIALS_KEYS": "kK6wR0Hh0bqgkUQ8q8i9-7mFz0sYb5m0q1nYx2cW3dE=",
}


def _manage(*args, **env_changes):
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    env.update(PRODUCTION_ENV)
    env.update(env_changes)
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_deploy_check_reports_nothing():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "change",
    [{"DEBUG": "1"}, {"SECRET_KEY": None}, {"SECRET_KEY": "short"}, {"DATABASE_URL": None}, {"REDIS_URL": None}],
    ids=["debug", "no-secret", "weak-secret", "no-database", "no-redis"],
)
def test_production_refuses_unsafe_configuration(change):
    result = _manage("check", **change)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_schema_has_no_warnings():
    # spectacular raises on the first warning with --fail-on-warn.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)
