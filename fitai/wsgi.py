"""WSGI entry point: the fastest way to serve the HTTP API (gunicorn), measured by `make bench`."""

from django.core.wsgi import get_wsgi_application

from fitai.bootstrap import use_default_settings

use_default_settings()
application = get_wsgi_application()
