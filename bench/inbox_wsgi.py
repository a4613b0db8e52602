"""The project's WSGI app on the inbox benchmark's database, for the gunicorn of bench_inbox_load.py.

Development settings with DEBUG off (cached templates, Redis cache, no SQL log), so the
workers run as in production; BENCH_DATABASE_NAME names the `*_inbox_bench` database.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DEBUG"] = "0"

import django

django.setup()
from django.conf import settings  # noqa: E402

# Before the first connection, as use_bench_database() does for the other benchmarks.
settings.DATABASES["default"]["NAME"] = os.environ["BENCH_DATABASE_NAME"]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
