"""A person with data in every app, built through the apps' own services where they exist.

Shared by the export and the erasure tests: both must see a row in every table a person can own.
When a new app (community, AI) adds models a person owns, give the person rows in them here.
"""

import io
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts import avatars
from accounts.metrics import metric_record
from accounts.models import Friendship, Profile, SocialIdentity, User
from accounts.services import login_open
from ai.models import AICall, Conversation, Message, Recommendation, RecommendationFeedback
from community.models import (
    Activity,
    Challenge,
    ChallengeParticipant,
    Comment,
    Like,
    Notification,
    Report,
)
from exercises.models import Exercise
from exercises.services import exercise_create, exercise_rate
from progress.models import CheckIn, Goal, Milestone, ProgressPhoto
from templates_app.models import Visibility, WorkoutTemplate
from templates_app.services import template_create, template_favorite, template_rate
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from workouts.models import Workout
from workouts.services import workout_create


@dataclass
class Populated:
    """What `populate` made, for assertions."""

    user: User
    other: User
    submitted: Exercise
    program: WorkoutTemplate
    their_program: WorkoutTemplate
    workout: Workout
    check_in: CheckIn
    goal: Goal
    files: list[str] = field(default_factory=list)


def jpeg(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def program_document(name: str, exercises: list[Exercise], *, visibility: str = Visibility.PRIVATE) -> dict:
    return {
        "name": name,
        "visibility": visibility,
        "days_per_week": 2,
        "days": [
            {
                "name": f"Day {day + 1}",
                "exercises": [
                    {
                        "exercise_id": exercise.public_id,
                        "sets": [{"reps_min": 5, "reps_max": 8}, {"reps_min": 5, "reps_max": 8, "rpe": 8}],
                    }
                    for exercise in exercises
                ],
            }
            for day in range(2)
        ],
    }


def befriend(user: User, other: User) -> Friendship:
    low, high = sorted([user, other], key=lambda person: person.pk)
    return Friendship.objects.create(
        user_low=low, user_high=high, status=Friendship.Status.ACCEPTED, requested_by=user
    )


def populate(user: User, *, other: User | None = None) -> Populated:
    """Give `user` rows in every table they can own; `other` is the person they befriend and whose
    public program they favourite and rate (created when not given)."""
    other = other or UserFactory(email_verified=True)
    if not other.email_verified:
        User.objects.filter(pk=other.pk).update(email_verified=True)
        other.email_verified = True
    name = user.username
    now = timezone.now()

    # accounts: profile with avatar and preferences, metrics, a friendship, an identity, a login.
    avatars.avatar_set(user=user, upload=SimpleUploadedFile("me.jpg", jpeg(), "image/jpeg"))
    Profile.objects.filter(user=user).update(
        bio=f"Bio of {name}",
        location="Lisbon",
        interests=["running", name],
        preferences={"units": {"weight": "lb"}, "timezone": "Europe/Lisbon"},
    )
    profile = Profile.objects.get(user=user)
    weight = metric_record(
        user=user, kind="weight", value=Decimal("81.5"), measured_at=now - timedelta(days=1)
    )
    waist = metric_record(user=user, kind="waist", value=Decimal("84"), measured_at=now - timedelta(days=1))
    befriend(user, other)
    SocialIdentity.objects.create(
        user=user, provider=SocialIdentity.Provider.GOOGLE, subject=f"google-{user.pk}", email=user.email
    )
    login_open(user=user, user_agent=f"Phone of {name}")

    # exercises: a submission (pending) and a rating of a library exercise.
    library = ExerciseFactory(name=f"Library Squat for {name}", muscles=["quadriceps"])
    submitted = exercise_create(
        user=user, name=f"{name} press", primary_muscles=["chest"], equipment=["barbell"]
    )
    exercise_rate(exercise=library, user=user, score=4, review=f"Solid, says {name}")

    # programs: their own (with their submission in it), and a favourite and rating of other's.
    program = template_create(owner=user, document=program_document(f"Plan of {name}", [library, submitted]))
    their_program = template_create(
        owner=other,
        document=program_document(f"Public plan for {name}", [library], visibility=Visibility.PUBLIC),
    )
    template_favorite(template=their_program, user=user)
    template_rate(template=their_program, user=user, score=5, review="Great")

    # workouts: a past workout from their program, with sets; it sets personal records.
    start = now - timedelta(days=2)
    workout, _ = workout_create(
        owner=user,
        name=f"Workout of {name}",
        template=program,
        template_day=0,
        status=Workout.Status.COMPLETED,
        started_at=start,
        completed_at=start + timedelta(minutes=45),
        exercises=[
            {"exercise_id": library.public_id, "sets": [{"reps": 5, "weight_kg": Decimal("100")}] * 3},
            {"exercise_id": submitted.public_id, "sets": [{"reps": 8, "weight_kg": Decimal("40")}] * 2},
        ],
    )

    # progress: a check-in with its metrics and a photo file, and a goal with a milestone.
    check_in = CheckIn.objects.create(user=user, measured_at=now - timedelta(days=1), note=f"Feeling {name}")
    check_in.metrics.set([weight, waist])
    photo_name = default_storage.save(
        f"progress/{user.public_id}/{secrets.token_hex(8)}.jpg", ContentFile(jpeg((10, 120, 10)))
    )
    ProgressPhoto.objects.create(
        check_in=check_in, user=user, pose=ProgressPhoto.Pose.FRONT, file=photo_name, width=64, height=64
    )
    goal = Goal.objects.create(
        user=user,
        type=Goal.Type.LIFT_1RM,
        title=f"Goal of {name}",
        target_value=Decimal("140"),
        unit="kg",
        exercise=library,
    )
    Milestone.objects.create(goal=goal, title="Halfway", target_value=Decimal("120"))

    # community: a post of theirs that the other person likes and answers, their own comment on the
    # other person's post with a reply under it, a like, a report, a challenge, a notification.
    post = Activity.objects.create(author=user, text=f"Post of {name}", visibility="public", like_count=1)
    Like.objects.create(activity=post, user=other)
    Comment.objects.create(activity=post, author=other, text="Nice one")
    their_post = Activity.objects.create(
        author=other, text=f"Post of {other.username} for {name}", visibility="public", like_count=1
    )
    Like.objects.create(activity=their_post, user=user)
    remark = Comment.objects.create(activity=their_post, author=user, text=f"Remark of {name}")
    Comment.objects.create(activity=their_post, author=other, parent=remark, depth=1, text="Reply to it")
    Comment.objects.create(activity=their_post, author=user, text=f"Second remark of {name}")
    their_post.comment_count = 3
    their_post.save(update_fields=["comment_count"])
    Report.objects.create(
        reporter=user, target_type="activity", target_id=their_post.public_id, reason="spam"
    )
    challenge = Challenge.objects.create(
        creator=user,
        title=f"Challenge of {name}",
        type=Challenge.Type.WORKOUT_COUNT,
        start_date=now.date(),
        end_date=now.date() + timedelta(days=7),
        participant_count=2,
    )
    ChallengeParticipant.objects.create(challenge=challenge, user=user, score=Decimal(1))
    ChallengeParticipant.objects.create(challenge=challenge, user=other, score=Decimal(2))
    Notification.objects.create(recipient=user, actor=other, type="activity_like", title=f"{other} liked it")

    # ai: a conversation, a recommendation with feedback, and a logged call.
    conversation = Conversation.objects.create(user=user, title=f"Chat of {name}", summary="squats")
    Message.objects.create(conversation=conversation, role="user", content=f"How do I squat, {name}?")
    Message.objects.create(
        conversation=conversation, role="assistant", content="Brace first.", provider="rules"
    )
    shown = Recommendation.objects.create(
        user=user,
        kind="exercise",
        item_id=library.pk,
        score=0.9,
        reason="Because you squat",
        source="popular",
    )
    RecommendationFeedback.objects.create(recommendation=shown, user=user, rating="up", accepted=True)
    AICall.objects.create(user=user, endpoint="chat", provider="rules", outcome="ok")

    return Populated(
        user=user,
        other=other,
        submitted=submitted,
        program=program,
        their_program=their_program,
        workout=workout,
        check_in=check_in,
        goal=goal,
        files=[profile.avatar, profile.avatar_thumb, photo_name],
    )
