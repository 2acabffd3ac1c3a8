"""The WSGI entry point: ``jobhook check --app examples/django_receiver/wsgi.py:application``."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_receiver.settings")

application = get_wsgi_application()
