"""AI maintenance on the `ai` queue: thin tasks that call one service."""

from celery import shared_task

from ai import recommendations


@shared_task
def similarity_rebuild_task() -> dict[str, int]:
    """Rebuild the item-item similarity model of exercises and programs (nightly); return pair counts."""
    return recommendations.similarity_rebuild()
