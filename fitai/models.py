"""Platform records that belong to no domain app."""

import uuid

from django.db import models
from django.utils import timezone


class ErasureRecord(models.Model):
    """That an account was erased and how much went with it — and nothing about whose it was.

    Kept for accountability (how many erasures, what each removed). It deliberately holds no
    user id, e-mail, name or file name: the id is random and the counts are per model label.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    erased_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    counts = models.JSONField(
        default=dict, help_text="Rows deleted or anonymised, by model label (e.g. `accounts.User`)."
    )
    file_count = models.PositiveIntegerField(default=0, help_text="Stored files queued for deletion.")

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"Erasure {self.id} at {self.erased_at:%Y-%m-%d %H:%M}"

    @property
    def row_count(self) -> int:
        """All rows deleted or anonymised, across models."""
        return sum(self.counts.values())


class OutboxMessage(models.Model):
    """A Celery task to publish, written in the same transaction as the change that asked for it.

    The row commits or rolls back with that change, so a task is never lost to a broker outage nor
    sent for a change that did not happen. `fitai.outbox` publishes it after commit, or the relay
    does later; sent rows are kept for a day (for the admin) and then purged.
    """

    task = models.CharField(max_length=200, help_text="The registered Celery task name.")
    args = models.JSONField(
        default=list, blank=True, help_text="Positional arguments, as kombu's JSON encodes them."
    )
    kwargs = models.JSONField(
        default=dict, blank=True, help_text="Keyword arguments, as kombu's JSON encodes them."
    )
    request_id = models.CharField(
        max_length=64, blank=True, help_text="The request that queued it, for the logs."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    attempts = models.PositiveIntegerField(default=0, help_text="Failed publishes so far.")
    last_error = models.TextField(blank=True, help_text="Why the last publish failed.")
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the broker accepted it; empty while pending."
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            # The relay reads pending rows oldest first; the purge finds old sent ones.
            models.Index(
                fields=["id"], condition=models.Q(sent_at__isnull=True), name="fitai_outbox_pending"
            ),
            models.Index(
                fields=["sent_at"], condition=models.Q(sent_at__isnull=False), name="fitai_outbox_sent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk} ({'sent' if self.sent_at else 'pending'})"
