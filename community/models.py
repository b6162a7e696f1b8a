"""Community: activities (posts and what people achieved), likes, threaded comments, reports and
moderation, challenges, and the notifications every app sends through one service.

Counters (`like_count`, `comment_count`, `report_count`, challenge scores) are kept exact with
F-expressions under row locks; a like and a report are unique per person.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from exercises.models import Exercise
from workouts.models import Workout


class Activity(models.Model):
    class Type(models.TextChoices):
        POST = "post", "Post"
        WORKOUT = "workout", "Completed workout"
        PERSONAL_RECORD = "personal_record", "Personal record"
        GOAL_ACHIEVED = "goal_achieved", "Goal achieved"
        CHALLENGE_JOINED = "challenge_joined", "Joined a challenge"
        CHALLENGE_WON = "challenge_won", "Won a challenge"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Everyone"
        FRIENDS = "friends", "Friends"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activities")
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.POST)
    text = models.TextField(max_length=2000, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.FRIENDS)
    data = models.JSONField(
        default=dict, blank=True, help_text="What the activity shows: totals, record, goal."
    )
    workout = models.ForeignKey(Workout, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source_key = models.CharField(
        max_length=80, blank=True, help_text="Dedupes generated activities, e.g. `workout:<id>`."
    )
    like_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    report_count = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(default=False, help_text="Hidden pending review, or by a moderator.")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "activities"
        constraints = [
            models.UniqueConstraint(
                fields=["author", "source_key"], condition=~Q(source_key=""), name="community_activity_source"
            )
        ]
        indexes = [
            models.Index(fields=["author", "-created_at"], name="community_activity_author"),
            models.Index(fields=["visibility", "-created_at"], name="community_activity_public"),
            models.Index(fields=["-created_at", "-id"], name="community_activity_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.type} by {self.author_id}"


class Like(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "user"], name="community_like_once")]
        indexes = [models.Index(fields=["user", "-created_at"], name="community_like_user")]

    def __str__(self) -> str:
        return f"like {self.user_id} → {self.activity_id}"


class Comment(models.Model):
    """A comment or a reply; a deleted one with replies stays as a "removed" placeholder."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(max_length=2000)
    report_count = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["activity", "created_at"], name="community_comment_thread")]

    def __str__(self) -> str:
        return f"comment {self.public_id}"


class Report(models.Model):
    class TargetType(models.TextChoices):
        ACTIVITY = "activity", "Activity"
        COMMENT = "comment", "Comment"
        EXERCISE = "exercise", "Exercise"
        TEMPLATE = "template", "Program"
        USER = "user", "User"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        UPHELD = "upheld", "Upheld"
        DISMISSED = "dismissed", "Dismissed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="reports_made"
    )
    target_type = models.CharField(max_length=10, choices=TargetType.choices)
    target_id = models.UUIDField(help_text="Public id of the reported object.")
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id"], name="community_report_once"
            )
        ]
        indexes = [models.Index(fields=["status", "target_type", "target_id"], name="community_report_queue")]

    def __str__(self) -> str:
        return f"report on {self.target_type} {self.target_id}"


class ModerationAction(models.Model):
    """The audit trail: who hid, restored, deleted, muted or suspended what, and why."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20)
    target_type = models.CharField(max_length=10)
    target_id = models.UUIDField()
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["target_type", "target_id"], name="community_modaction_target")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type} {self.target_id}"


class BannedTerm(models.Model):
    """A word or phrase the content filter refuses; edited by moderators in the admin."""

    term = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term


class MemberRestriction(models.Model):
    """A muted member may read but not post or comment; a suspended one cannot use the community."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_restriction"
    )
    muted_until = models.DateTimeField(null=True, blank=True)
    suspended_until = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"restriction of {self.user_id}"


class Challenge(models.Model):
    class Type(models.TextChoices):
        WORKOUT_COUNT = "workout_count", "Most workouts"
        TOTAL_VOLUME = "total_volume", "Most volume"
        TOTAL_SETS = "total_sets", "Most sets"
        STREAK_DAYS = "streak_days", "Longest streak"
        EXERCISE_VOLUME = "exercise_volume", "Most volume on one exercise"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Everyone"
        FRIENDS = "friends", "Friends"
        PRIVATE = "private", "Invited only"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="challenges_created"
    )
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=2000, blank=True)
    type = models.CharField(max_length=20, choices=Type.choices)
    exercise = models.ForeignKey(Exercise, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    target_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    participant_count = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When the results were announced.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="community_challenge_window"
            )
        ]
        indexes = [
            models.Index(fields=["visibility", "end_date"], name="community_challenge_open"),
            models.Index(fields=["finished_at", "end_date"], name="community_challenge_finish"),
        ]

    def __str__(self) -> str:
        return self.title


class ChallengeParticipant(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="challenge_entries"
    )
    score = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    joined_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["challenge", "user"], name="community_join_once")]
        indexes = [models.Index(fields=["challenge", "-score", "joined_at"], name="community_challenge_rank")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.challenge_id}"


class Notification(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    type = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=300, blank=True, help_text="Where the notification leads, in the app.")
    data = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="community_notification_inbox"),
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="community_notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} for {self.recipient_id}"
