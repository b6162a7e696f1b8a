"""AI coach: conversations with memory, stored recommendations and their feedback, the item-item
similarity model behind collaborative filtering, and a log of every provider call (cost, quota)."""

import uuid

from django.conf import settings
from django.db import models


class Conversation(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ai_conversations"
    )
    title = models.CharField(max_length=120, blank=True)
    summary = models.TextField(blank=True, help_text="Running summary of older messages (the memory).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-updated_at"], name="ai_conversation_user")]

    def __str__(self) -> str:
        return self.title or f"conversation {self.public_id}"


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user", "User"
        ASSISTANT = "assistant", "Coach"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=10, choices=Role.choices)
    content = models.TextField(max_length=8000)
    provider = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["conversation", "-created_at"], name="ai_message_history")]

    def __str__(self) -> str:
        return f"{self.role}: {self.content[:40]}"


class Recommendation(models.Model):
    """One item shown to one user, kept so feedback can attach to it and sources can be compared."""

    class Kind(models.TextChoices):
        EXERCISE = "exercise", "Exercise"
        TEMPLATE = "template", "Program"

    class Source(models.TextChoices):
        COLLABORATIVE = "collaborative", "Collaborative filtering"
        CONTENT = "content", "Content-based"
        POPULAR = "popular", "Popular"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ai_recommendations"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    item_id = models.BigIntegerField(help_text="Primary key of the exercise or program.")
    score = models.FloatField()
    reason = models.CharField(max_length=300)
    source = models.CharField(max_length=15, choices=Source.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "kind", "-created_at"], name="ai_recommendation_user"),
            models.Index(fields=["source", "created_at"], name="ai_recommendation_source"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_id} for {self.user_id}"


class RecommendationFeedback(models.Model):
    class Rating(models.TextChoices):
        UP = "up", "Thumbs up"
        DOWN = "down", "Thumbs down"

    recommendation = models.OneToOneField(Recommendation, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.CharField(max_length=4, choices=Rating.choices)
    accepted = models.BooleanField(null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["user", "rating"], name="ai_feedback_user")]

    def __str__(self) -> str:
        return f"{self.rating} on {self.recommendation_id}"


class ItemSimilarity(models.Model):
    """The item-item model: for each item its nearest neighbours, rebuilt by a Celery task."""

    kind = models.CharField(max_length=10, choices=Recommendation.Kind.choices)
    item_id = models.BigIntegerField()
    other_id = models.BigIntegerField()
    score = models.FloatField()
    built_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "item_id", "other_id"], name="ai_similarity_pair")
        ]
        indexes = [models.Index(fields=["kind", "item_id", "-score"], name="ai_similarity_neighbours")]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_id} ~ {self.other_id}"


class AICall(models.Model):
    """Every provider call: who, what, which provider and model, tokens, latency, cost, outcome."""

    class Outcome(models.TextChoices):
        OK = "ok", "Answered"
        FALLBACK = "fallback", "Fell back to the rules engine"
        CACHED = "cached", "Answered from the cache"
        ERROR = "error", "Failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    endpoint = models.CharField(max_length=40)
    provider = models.CharField(max_length=20)
    model = models.CharField(max_length=100, blank=True)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=10, decimal_places=6, default=0)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    fallback_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at"], name="ai_call_user"),
            models.Index(fields=["-created_at"], name="ai_call_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} via {self.provider}"
