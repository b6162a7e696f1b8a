"""FitAI project package: settings, URL and WebSocket routing, Celery, and the shared API plumbing."""

from .celery import app as celery_app

__all__ = ["celery_app"]
