"""Django settings of the example receiver: the least a webhook endpoint needs.

Django reads them from the module named by ``DJANGO_SETTINGS_MODULE``; ``wsgi.py`` and
``asgi.py`` set it to this module (``django_receiver.settings``, with ``examples/`` on
the import path, as ``jobhook check --app examples/django_receiver/wsgi.py:application``
and pytest arrange).
"""

from __future__ import annotations

import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ROOT_URLCONF = "django_receiver.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",  # why the webhook view is csrf_exempt
]
DATABASES: dict[str, object] = {}
USE_TZ = True
# A job report is a few hundred bytes: larger bodies are refused before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
WEBHOOK_AUTHORIZATION = os.environ.get("WEBHOOK_AUTHORIZATION", "Bearer s3cret")
LOGGING = {"version": 1, "disable_existing_loggers": False}
