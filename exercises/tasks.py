"""Library maintenance on the `analytics` queue, scheduled by Celery beat."""

from celery import shared_task

from exercises import services


@shared_task
def popularity_recompute_task() -> int:
    """Rescore popularity with time decay (hourly)."""
    return services.popularity_recompute()


@shared_task
def ratings_rescore_task() -> None:
    """Re-apply the Bayesian average with the current library mean (nightly)."""
    services.ratings_rescore_all()
