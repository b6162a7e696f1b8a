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
