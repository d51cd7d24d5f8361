"""WSGI entry point used by `fusioncenter serve` (gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fusioncenter.settings")
application = get_wsgi_application()
