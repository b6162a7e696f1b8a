"""Activities, likes and comments (API.md, Community), seen by the author, a friend, a stranger, a
blocked member and a moderator; and the activities the community writes from domain events."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from accounts.profiles import preferences_update
from community.models import Activity, Comment, Like, MemberRestriction, ModerationAction, Notification
from fitai import events
from tests.community import block, make_friends, post, verified
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from workouts.models import PersonalRecord, Workout

pytestmark = pytest.mark.django_db
URL = "/api/v1/community"


@pytest.fixture
def cast():
    """The author, a friend, a stranger, someone the author blocked, and a moderator."""
    author, friend, stranger, blocked = verified(), verified(), verified(), verified()
    moderator = verified(roles=["moderator"])
    make_friends(author, friend)
    block(author, blocked)
    return {
        "author": author,
        "friend": friend,
        "stranger": stranger,
        "blocked": blocked,
        "moderator": moderator,
    }


def status_of(auth_client, user, method, path, body=None):
    return getattr(auth_client(user), method)(path, body, format="json").status_code


# --- creating posts --------------------------------------------------------------------------------


def test_post_answers_201_with_the_card(auth_client):
    client = auth_client(verified())
    response = client.post(f"{URL}/activities", {"text": "First squat PR!", "visibility": "public"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type"] == "post"
    assert body["text"] == "First squat PR!"
    assert body["visibility"] == "public"
    assert body["like_count"] == 0
    assert body["comment_count"] == 0
    assert body["liked_by_me"] is False
    assert body["author"]["username"] == client.user.username
    assert "email" not in body["author"]


def test_posting_needs_a_confirmed_address(auth_client):
    response = auth_client(UserFactory()).post(f"{URL}/activities", {"text": "hello"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_not_verified"
    assert not Activity.objects.exists()


def test_posts_default_to_friends_only(auth_client):
    response = auth_client(verified()).post(f"{URL}/activities", {"text": "quiet one"})
    assert response.json()["visibility"] == "friends"


def test_a_muted_member_cannot_post_or_comment_but_can_like(auth_client):
    member, author = verified(), verified()
    MemberRestriction.objects.create(user=member, muted_until=timezone.now() + timedelta(days=1))
    activity = post(author, visibility="public")
    client = auth_client(member)
    response = client.post(f"{URL}/activities", {"text": "hello"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "muted"
    response = client.post(f"{URL}/activities/{activity.public_id}/comment", {"text": "hi"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "muted"
    assert client.post(f"{URL}/activities/{activity.public_id}/like").status_code == 200


def test_a_suspended_member_cannot_write_anything(auth_client):
    member, author = verified(), verified()
    MemberRestriction.objects.create(user=member, suspended_until=timezone.now() + timedelta(days=1))
    activity = post(author, visibility="public")
    client = auth_client(member)
    for path, body in [
        (f"{URL}/activities", {"text": "hello"}),
        (f"{URL}/activities/{activity.public_id}/like", None),
        (f"{URL}/activities/{activity.public_id}/comment", {"text": "hi"}),
        (f"{URL}/reports", {"target_type": "activity", "target_id": str(activity.public_id), "reason": "x"}),
    ]:
        response = client.post(path, body, format="json")
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "suspended"
    assert not Like.objects.exists()


def test_an_expired_restriction_no_longer_applies(auth_client):
    member = verified()
    MemberRestriction.objects.create(user=member, suspended_until=timezone.now() - timedelta(minutes=1))
    assert auth_client(member).post(f"{URL}/activities", {"text": "back"}).status_code == 201


# --- reading -----------------------------------------------------------------------------------------


def test_a_friends_post_is_seen_by_the_author_and_friends_only(auth_client, cast):
    activity = post(cast["author"], visibility="friends")
    path = f"{URL}/activities/{activity.public_id}"
    assert status_of(auth_client, cast["author"], "get", path) == 200
    assert status_of(auth_client, cast["friend"], "get", path) == 200
    assert status_of(auth_client, cast["stranger"], "get", path) == 404
    assert status_of(auth_client, cast["blocked"], "get", path) == 404
    assert status_of(auth_client, cast["moderator"], "get", path) == 404


def test_a_public_post_is_hidden_only_from_blocked_people_both_ways(auth_client, cast):
    activity = post(cast["author"], visibility="public")
    path = f"{URL}/activities/{activity.public_id}"
    for who in ("author", "friend", "stranger", "moderator"):
        assert status_of(auth_client, cast[who], "get", path) == 200, who
    assert status_of(auth_client, cast["blocked"], "get", path) == 404
    theirs = post(cast["blocked"], visibility="public")  # the author blocked them: hidden from the author too
    assert status_of(auth_client, cast["author"], "get", f"{URL}/activities/{theirs.public_id}") == 404


def test_detail_shows_counts_and_liked_by_me(auth_client, cast):
    activity = post(cast["author"], visibility="public")
    client = auth_client(cast["friend"])
    client.post(f"{URL}/activities/{activity.public_id}/like")
    body = client.get(f"{URL}/activities/{activity.public_id}").json()
    assert body["like_count"] == 1
    assert body["liked_by_me"] is True
    other = auth_client(cast["stranger"]).get(f"{URL}/activities/{activity.public_id}").json()
    assert other["like_count"] == 1
    assert other["liked_by_me"] is False


def test_a_malformed_id_is_not_found(auth_client):
    assert auth_client(verified()).get(f"{URL}/activities/not-a-uuid").status_code == 404


def test_deleted_activities_are_seen_by_nobody(auth_client, cast):
    activity = post(cast["author"], visibility="public", deleted_at=timezone.now())
    for who in ("author", "friend", "moderator"):
        assert status_of(auth_client, cast[who], "get", f"{URL}/activities/{activity.public_id}") == 404


def test_list_shows_what_the_viewer_may_see_newest_first(auth_client, cast, django_assert_max_num_queries):
    mine = post(cast["author"], text="mine", visibility="friends")
    post(cast["friend"], text="friend's", visibility="friends")
    post(cast["stranger"], text="stranger's", visibility="public")
    post(cast["stranger"], text="stranger's friends-only", visibility="friends")
    post(cast["blocked"], text="blocked", visibility="public")
    for _ in range(10):
        post(cast["stranger"], visibility="public", text="filler")
    client = auth_client(cast["author"])
    with django_assert_max_num_queries(6):
        response = client.get(f"{URL}/activities", {"page_size": 100})
    assert response.status_code == 200
    texts = [item["text"] for item in response.json()["results"]]
    assert set(texts) == {"mine", "friend's", "stranger's", "filler"}
    assert len(texts) == 13
    ids = [item["id"] for item in response.json()["results"]]
    assert ids[-1] == str(mine.public_id)  # the oldest comes last


def test_list_by_user_id_shows_that_persons_visible_activities(auth_client, cast):
    post(cast["friend"], text="a", visibility="friends")
    post(cast["author"], text="b", visibility="public")
    response = auth_client(cast["author"]).get(
        f"{URL}/activities", {"user_id": str(cast["friend"].public_id)}
    )
    assert [item["text"] for item in response.json()["results"]] == ["a"]
    stranger_view = auth_client(cast["stranger"]).get(
        f"{URL}/activities", {"user_id": str(cast["friend"].public_id)}
    )
    assert stranger_view.json()["results"] == []


def test_list_by_someone_who_blocked_you_is_not_found(auth_client, cast):
    response = auth_client(cast["blocked"]).get(
        f"{URL}/activities", {"user_id": str(cast["author"].public_id)}
    )
    assert response.status_code == 404


# --- editing and deleting ------------------------------------------------------------------------------


def test_the_author_edits_only_the_fields_sent(auth_client, cast):
    activity = post(cast["author"], text="old", visibility="friends")
    response = auth_client(cast["author"]).patch(f"{URL}/activities/{activity.public_id}", {"text": "new"})
    assert response.status_code == 200
    assert response.json()["text"] == "new"
    assert response.json()["visibility"] == "friends"
    assert response.json()["edited_at"] is not None
    response = auth_client(cast["author"]).put(
        f"{URL}/activities/{activity.public_id}", {"visibility": "public"}
    )
    assert response.json()["text"] == "new"
    assert response.json()["visibility"] == "public"


def test_a_post_cannot_be_emptied_by_an_edit(auth_client, cast):
    activity = post(cast["author"], text="Leg day")
    for blank in ("", "   "):
        response = auth_client(cast["author"]).put(
            f"{URL}/activities/{activity.public_id}", {"text": blank}, format="json"
        )
        assert response.status_code == 400
        assert "text" in response.json()["error"]["fields"]
    activity.refresh_from_db()
    assert activity.text == "Leg day"


def test_others_cannot_edit(auth_client, cast):
    activity = post(cast["author"], visibility="friends")
    path = f"{URL}/activities/{activity.public_id}"
    response = auth_client(cast["friend"]).patch(path, {"text": "mine now"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_author"
    assert status_of(auth_client, cast["stranger"], "patch", path, {"text": "x"}) == 404
    assert status_of(auth_client, cast["blocked"], "patch", path, {"text": "x"}) == 404
    assert status_of(auth_client, cast["moderator"], "patch", path, {"text": "x"}) == 404
    activity.refresh_from_db()
    assert activity.text == "Leg day done."


def test_an_edit_passes_the_content_filter(auth_client, cast):
    from community.models import BannedTerm

    BannedTerm.objects.create(term="scam")
    activity = post(cast["author"])
    response = auth_client(cast["author"]).patch(f"{URL}/activities/{activity.public_id}", {"text": "a SCAM"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "banned_term"


def test_delete_by_author_friend_stranger_and_moderator(auth_client, cast):
    friends_post = post(cast["author"], visibility="friends")
    path = f"{URL}/activities/{friends_post.public_id}"
    assert status_of(auth_client, cast["friend"], "delete", path) == 403
    assert status_of(auth_client, cast["stranger"], "delete", path) == 404
    assert status_of(auth_client, cast["blocked"], "delete", path) == 404
    assert status_of(auth_client, cast["author"], "delete", path) == 204
    assert status_of(auth_client, cast["author"], "get", path) == 404
    friends_post.refresh_from_db()
    assert friends_post.deleted_at is not None
    assert not ModerationAction.objects.exists()

    other = post(cast["author"], visibility="friends")  # a moderator reaches even friends-only posts
    assert status_of(auth_client, cast["moderator"], "delete", f"{URL}/activities/{other.public_id}") == 204
    action = ModerationAction.objects.get()
    assert (action.action, action.target_id, action.moderator) == (
        "delete",
        other.public_id,
        cast["moderator"],
    )


# --- likes ---------------------------------------------------------------------------------------------


def test_like_is_idempotent_and_unlike_answers_204(auth_client, cast):
    activity = post(cast["author"], visibility="friends")
    client = auth_client(cast["friend"])
    path = f"{URL}/activities/{activity.public_id}/like"
    first = client.post(path)
    assert (first.status_code, first.json()) == (200, {"liked": True, "like_count": 1})
    again = client.post(path)
    assert (again.status_code, again.json()) == (200, {"liked": True, "like_count": 1})
    assert client.delete(path).status_code == 204
    assert client.delete(path).status_code == 204
    activity.refresh_from_db()
    assert activity.like_count == 0
    assert not Like.objects.exists()


def test_a_like_notifies_the_author_once(auth_client, cast):
    activity = post(cast["author"], visibility="friends")
    client = auth_client(cast["friend"])
    client.post(f"{URL}/activities/{activity.public_id}/like")
    client.post(f"{URL}/activities/{activity.public_id}/like")
    notification = Notification.objects.get(recipient=cast["author"])
    assert notification.type == "activity_like"
    assert notification.actor == cast["friend"]
    auth_client(cast["author"]).post(f"{URL}/activities/{activity.public_id}/like")  # own like: no notice
    assert Notification.objects.filter(recipient=cast["author"]).count() == 1


def test_liking_again_after_unliking_does_not_notify_the_author_twice(auth_client, cast):
    activity = post(cast["author"], visibility="friends")
    client = auth_client(cast["friend"])
    path = f"{URL}/activities/{activity.public_id}/like"
    for _ in range(3):
        assert client.post(path).status_code == 200
        assert client.delete(path).status_code == 204
    assert Notification.objects.filter(recipient=cast["author"], type="activity_like").count() == 1


def test_liking_needs_a_confirmed_address(auth_client, cast):
    activity = post(cast["author"], visibility="public")
    response = auth_client(UserFactory(email_verified=False)).post(
        f"{URL}/activities/{activity.public_id}/like"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_not_verified"
    assert not Like.objects.exists()


def test_nobody_likes_what_they_cannot_see(auth_client, cast):
    activity = post(cast["author"], visibility="friends")
    for who in ("stranger", "blocked"):
        assert status_of(auth_client, cast[who], "post", f"{URL}/activities/{activity.public_id}/like") == 404
    assert not Like.objects.exists()


# --- comments --------------------------------------------------------------------------------------------


def comment(client, activity, text, parent=None):
    body = {"text": text, **({"parent_id": parent} if parent else {})}
    response = client.post(f"{URL}/activities/{activity.public_id}/comment", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_comment_answers_201_and_counts(auth_client, cast):
    activity = post(cast["author"], visibility="friends")
    body = comment(auth_client(cast["friend"]), activity, "Nice!")
    assert body["text"] == "Nice!"
    assert body["depth"] == 0
    assert body["parent_id"] is None
    assert body["activity_id"] == str(activity.public_id)
    activity.refresh_from_db()
    assert activity.comment_count == 1
    notice = Notification.objects.get(recipient=cast["author"])
    assert notice.type == "activity_comment"


def test_replies_nest_to_the_depth_limit(auth_client, cast):
    activity = post(cast["author"], visibility="public")
    client = auth_client(cast["friend"])
    parent = comment(client, activity, "level 0")
    for depth in range(1, 6):
        parent = comment(client, activity, f"level {depth}", parent=parent["id"])
        assert parent["depth"] == depth
    response = client.post(
        f"{URL}/activities/{activity.public_id}/comment", {"text": "too deep", "parent_id": parent["id"]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_deep"


def test_a_reply_notifies_the_parent_author_and_the_activity_author(auth_client, cast):
    activity = post(cast["author"], visibility="public")
    first = comment(auth_client(cast["stranger"]), activity, "Question?")
    comment(auth_client(cast["friend"]), activity, "Answer.", parent=first["id"])
    assert Notification.objects.filter(recipient=cast["stranger"], type="comment_reply").count() == 1
    assert Notification.objects.filter(recipient=cast["author"], type="activity_comment").count() == 2


def test_a_parent_from_another_thread_is_not_found(auth_client, cast):
    one, two = post(cast["author"], visibility="public"), post(cast["author"], visibility="public", text="b")
    first = comment(auth_client(cast["friend"]), one, "here")
    response = auth_client(cast["friend"]).post(
        f"{URL}/activities/{two.public_id}/comment", {"text": "there", "parent_id": first["id"]}
    )
    assert response.status_code == 404


def test_strangers_and_blocked_people_cannot_comment_on_friends_posts(auth_client, cast):
    activity = post(cast["author"], visibility="friends")
    for who in ("stranger", "blocked"):
        path = f"{URL}/activities/{activity.public_id}/comment"
        assert status_of(auth_client, cast[who], "post", path, {"text": "hi"}) == 404
    assert not Comment.objects.exists()


def test_the_thread_is_flat_in_reading_order_with_removed_placeholders(
    auth_client, cast, django_assert_max_num_queries
):
    activity = post(cast["author"], visibility="public")
    friend, stranger = auth_client(cast["friend"]), auth_client(cast["stranger"])
    a = comment(friend, activity, "A")
    a1 = comment(stranger, activity, "A1", parent=a["id"])
    comment(friend, activity, "A1a", parent=a1["id"])
    b = comment(stranger, activity, "B")
    b1 = comment(friend, activity, "B1", parent=b["id"])
    assert friend.delete(f"{URL}/comments/{a['id']}").status_code == 204  # has replies: stays as removed
    assert friend.delete(f"{URL}/comments/{b1['id']}").status_code == 204  # a leaf: gone
    for _ in range(5):
        comment(stranger, activity, f"more {_}")
    with django_assert_max_num_queries(7):
        response = auth_client(cast["author"]).get(f"{URL}/activities/{activity.public_id}/comments")
    rows = response.json()["results"]
    assert [(row["text"], row["depth"], row["is_removed"]) for row in rows[:4]] == [
        ("", 0, True),
        ("A1", 1, False),
        ("A1a", 2, False),
        ("B", 0, False),
    ]
    assert rows[0]["author"] is None
    assert rows[1]["parent_id"] == a["id"]
    assert response.json()["count"] == 9
    activity.refresh_from_db()
    assert activity.comment_count == 8


def test_comments_of_blocked_people_are_left_out_of_the_thread(auth_client, cast):
    activity = post(cast["friend"], visibility="public")
    comment(auth_client(cast["blocked"]), activity, "from someone the author blocked")
    comment(auth_client(cast["stranger"]), activity, "fine")
    rows = (
        auth_client(cast["author"]).get(f"{URL}/activities/{activity.public_id}/comments").json()["results"]
    )
    assert [row["text"] for row in rows] == ["fine"]


def test_comment_edit_and_delete_rules(auth_client, cast):
    activity = post(cast["author"], visibility="public")
    mine = comment(auth_client(cast["friend"]), activity, "typo")
    path = f"{URL}/comments/{mine['id']}"
    edited = auth_client(cast["friend"]).put(path, {"text": "fixed"})
    assert edited.status_code == 200
    assert edited.json()["text"] == "fixed"
    assert edited.json()["edited_at"]
    assert status_of(auth_client, cast["author"], "patch", path, {"text": "x"}) == 403
    assert status_of(auth_client, cast["stranger"], "delete", path) == 403
    assert status_of(auth_client, cast["blocked"], "delete", path) == 404
    assert status_of(auth_client, cast["moderator"], "delete", path) == 204
    assert ModerationAction.objects.filter(action="delete", target_type="comment").count() == 1
    assert status_of(auth_client, cast["friend"], "put", path, {"text": "again"}) == 404


# --- mentions --------------------------------------------------------------------------------------------


def test_a_mention_reaches_only_people_who_may_see_the_activity(auth_client, cast):
    auth_client(cast["author"]).post(
        f"{URL}/activities",
        {"text": f"Thanks @{cast['friend'].username} and @{cast['stranger'].username.upper()}!"},
    )
    assert Notification.objects.filter(recipient=cast["friend"], type="mention").count() == 1
    assert not Notification.objects.filter(recipient=cast["stranger"], type="mention").exists()


def test_a_mention_in_a_comment_on_a_public_post_reaches_anyone_not_blocked(auth_client, cast):
    activity = post(cast["author"], visibility="public")
    comment(
        auth_client(cast["friend"]),
        activity,
        f"@{cast['stranger'].username} look @{cast['blocked'].username}",
    )
    assert Notification.objects.filter(recipient=cast["stranger"], type="mention").count() == 1
    assert not Notification.objects.filter(recipient=cast["blocked"], type="mention").exists()


# --- activities from domain events ------------------------------------------------------------------------


def completed_workout(owner, *, records=0):
    workout = Workout.objects.create(
        owner=owner,
        name="Push day",
        status=Workout.Status.COMPLETED,
        started_at=timezone.now() - timedelta(hours=1),
        completed_at=timezone.now(),
        volume_kg=Decimal("4200"),
        total_sets=12,
        total_reps=96,
    )
    for index in range(records):
        PersonalRecord.objects.create(
            user=owner,
            exercise=ExerciseFactory(name=f"Bench {index}"),
            type="max_weight",
            value=Decimal("100") + index,
            previous_value=Decimal("95"),
            workout=workout,
            achieved_at=timezone.now(),
        )
    return workout


def test_a_completed_workout_stays_private_by_default():
    owner = verified()
    workout = completed_workout(owner)
    events.dispatch("workout.completed", workout_id=workout.pk, user_id=owner.pk)
    assert not Activity.objects.exists()


def test_a_completed_workout_posts_per_the_privacy_preference_with_its_records():
    owner = verified()
    preferences_update(user=owner, changes={"privacy": {"workout_visibility": "friends"}})
    workout = completed_workout(owner, records=2)
    events.dispatch("workout.completed", workout_id=workout.pk, user_id=owner.pk)
    events.dispatch("workout.completed", workout_id=workout.pk, user_id=owner.pk)  # re-delivered
    activity = Activity.objects.get()
    assert (activity.type, activity.visibility, activity.source_key) == (
        "workout",
        "friends",
        f"workout:{workout.pk}",
    )
    assert activity.data["volume_kg"] == "4200.00"
    assert activity.data["total_sets"] == 12
    assert [record["exercise_name"] for record in activity.data["personal_records"]] == ["Bench 0", "Bench 1"]


def test_sharing_a_workout_reuses_its_activity():
    owner = verified()
    preferences_update(user=owner, changes={"privacy": {"workout_visibility": "friends"}})
    workout = completed_workout(owner)
    events.dispatch("workout.completed", workout_id=workout.pk, user_id=owner.pk)
    Workout.objects.filter(pk=workout.pk).update(share_message="Felt strong", visibility="public")
    events.dispatch("workout.shared", workout_id=workout.pk, user_id=owner.pk, visibility="public")
    activity = Activity.objects.get()
    assert activity.visibility == "public"
    assert activity.text == "Felt strong"


def test_sharing_a_private_workout_creates_its_activity():
    owner = verified()
    workout = completed_workout(owner)
    events.dispatch("workout.shared", workout_id=workout.pk, user_id=owner.pk, visibility="friends")
    assert Activity.objects.get().visibility == "friends"


def test_deleting_a_workout_deletes_its_activity():
    owner = verified()
    workout = completed_workout(owner)
    events.dispatch("workout.shared", workout_id=workout.pk, user_id=owner.pk, visibility="friends")
    Workout.objects.filter(pk=workout.pk).update(deleted_at=timezone.now())
    events.dispatch("workout.changed", workout_id=workout.pk, user_id=owner.pk)
    assert Activity.objects.get().deleted_at is not None


def test_an_achieved_goal_posts_without_body_data():
    from progress.models import Goal

    owner = verified()
    preferences_update(user=owner, changes={"privacy": {"workout_visibility": "public"}})
    goal = Goal.objects.create(
        user=owner, type="body_weight", title="Reach 80 kg", target_value=Decimal("80")
    )
    events.dispatch("goal.achieved", goal_id=goal.pk, user_id=owner.pk)
    activity = Activity.objects.get()
    assert activity.type == "goal_achieved"
    assert activity.visibility == "public"
    assert activity.data["title"] == "Reach 80 kg"
    assert "target_value" not in activity.data


def test_activity_list_is_documented_as_the_cursor_page_it_answers(auth_client):
    """The schema said a bare list while the view answers a cursor page; clients generated from it
    broke."""
    path = f"{URL}/activities"
    body = auth_client().get(path).json()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][documented["$ref"].rsplit("/", 1)[-1]]
    assert set(page["properties"]) == set(body) == {"next", "previous", "results"}
