"""The Celery app, configured from Django settings under the `CELERY_` namespace."""

from celery import Celery

from fitai.bootstrap import use_default_settings

use_default_settings()
app = Celery("fitai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
