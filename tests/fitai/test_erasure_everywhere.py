"""`DELETE /api/v1/users/account` with data in every app: nothing of the person is left in any
table or in storage, and nobody else loses anything."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from accounts.models import Friendship, User
from ai.models import AICall
from community.models import Activity, Challenge, Comment, Report
from fitai import erasure
from progress.models import DataExport
from templates_app.models import WorkoutTemplate
from tests.everywhere import populate
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/users/account"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def user_references() -> list[tuple[type, str]]:
    """Every (model, field) that points at the user model, the user model itself as (User, "pk")."""
    found = []
    for model in erasure.user_models():
        if model is User:
            found.append((model, "pk"))
        found += [
            (model, field.name)
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model is not None and issubclass(field.related_model, User)
        ]
    return found


def rows_of(user_pk: int) -> dict[str, int]:
    """How many rows of each (model, field) point at the user; only the non-zero ones."""
    counts = {}
    for model, field in user_references():
        number = model._base_manager.filter(**{field: user_pk}).count()
        if number:
            counts[f"{model._meta.label}.{field}"] = number
    return counts


def stored_export(user: User) -> str:
    name = default_storage.save(f"exports/{user.public_id}/export.json", ContentFile(b"{}"))
    DataExport.objects.create(
        user=user, format="json", status="ready", progress=100, file=name, expires_at=timezone.now()
    )
    return name


def test_erasure_leaves_nothing_of_the_person_in_any_app(auth_client, django_capture_on_commit_callbacks):
    friend = UserFactory(username="common_friend", email_verified=True)
    with django_capture_on_commit_callbacks(execute=True):  # Aggregates, usage: what commits do.
        mine = populate(UserFactory(username="to_be_erased"), other=friend)
        theirs = populate(UserFactory(username="stays_here"), other=friend)
    my_files = [*mine.files, stored_export(mine.user)]
    their_files = [*theirs.files, stored_export(theirs.user)]
    erased_pk = mine.user.pk
    apps_with_rows = {label.split(".")[0] for label in rows_of(erased_pk)}
    assert apps_with_rows >= {"accounts", "exercises", "templates_app", "workouts", "progress"}
    assert "progress.DailySummary.user" in rows_of(erased_pk)  # Derived rows too.
    theirs_before = rows_of(theirs.user.pk)
    friend_before = {key: count for key, count in rows_of(friend.pk).items() if "Friendship" not in key}
    assert all(default_storage.exists(name) for name in my_files + their_files)

    client = auth_client(mine.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(URL, {"password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 204, response.content
    assert rows_of(erased_pk) == {}
    assert rows_of(theirs.user.pk) == theirs_before
    friend_after = rows_of(friend.pk)
    # The friend loses only what lived on the erased person's post (a like and a comment) and the
    # notification about them the erased person received.
    went_with_the_post = {
        "community.Like.user": 1,
        "community.Comment.author": 1,
        "community.Notification.actor": 1,
    }
    assert {key: count for key, count in friend_after.items() if "Friendship" not in key} == {
        key: count - went_with_the_post.get(key, 0) for key, count in friend_before.items()
    }
    assert Friendship.objects.filter(Q(user_low=friend) | Q(user_high=friend)).count() == 1  # With theirs.
    assert [name for name in my_files if default_storage.exists(name)] == []
    assert all(default_storage.exists(name) for name in their_files)
    # The friend's program lost the erased person's favourite and rating, and nothing else.
    program = WorkoutTemplate.objects.get(pk=theirs.their_program.pk)
    assert WorkoutTemplate.objects.get(pk=mine.their_program.pk).favorite_count == 0
    assert program.favorite_count == 1
    # Community: the friend's post keeps its thread; the erased person's remark with a reply stays
    # as a removed placeholder, the other remark is gone, and the counters follow.
    post = Activity.objects.get(author=friend, text__endswith="for to_be_erased")
    assert (post.like_count, post.comment_count) == (0, 1)
    placeholder = Comment.objects.get(activity=post, replies__isnull=False)
    assert (placeholder.author, placeholder.text, placeholder.deleted_at is not None) == (None, "", True)
    assert Comment.objects.filter(activity=post).count() == 2
    challenge = Challenge.objects.get(title="Challenge of to_be_erased")
    assert (challenge.creator, challenge.participant_count) == (None, 1)
    assert Report.objects.get(target_id=post.public_id).reporter is None
    # AI: the conversation and recommendations are gone; the call log keeps the cost, not the person.
    assert AICall.objects.filter(user__isnull=True, endpoint="chat").count() == 1


def test_every_model_pointing_at_users_has_an_eraser():
    assert erasure.unregistered_user_models() == []
