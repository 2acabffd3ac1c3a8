"""The ASGI entry point: ``jobhook check --app examples/django_receiver/asgi.py:application``."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_receiver.settings")

application = get_asgi_application()
