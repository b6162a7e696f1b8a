"""Notifications: the service honours each channel preference and suppresses what it must; the event
subscribers turn other apps' events into the right notifications; the API lists, reads and sets
preferences, and another member's notification is not found."""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.utils import timezone

from accounts import friendships
from accounts.profiles import preferences_update
from community import notifications
from community.models import Notification
from community.notifications import notify
from community.push import PushMessage
from exercises import services as exercise_services
from exercises.models import Exercise
from fitai import events, exporting
from progress.goals import GOAL_ACHIEVED, MILESTONE_ACHIEVED
from progress.models import Goal, Milestone
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from workouts import services as workout_services
from workouts.models import Workout, WorkoutExercise

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"
sent_pushes: list[PushMessage] = []


class RecordingPushBackend:
    """A push backend that keeps what it was given."""

    def send(self, message: PushMessage) -> None:
        sent_pushes.append(message)


@pytest.fixture(autouse=True)
def _recording_push(settings):
    settings.FITAI_PUSH_BACKEND = "tests.community.test_notifications.RecordingPushBackend"
    sent_pushes.clear()
    yield
    sent_pushes.clear()


@pytest.fixture
def listen():
    """`listen(user)` → a function returning the group events the user's sockets received so far.

    Call the returned function once per test: the in-memory layer's queues bind to an event loop.
    """
    layer = get_channel_layer()

    def subscribe(user):
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(notifications.notification_group(user), channel)

        async def drain() -> list[dict]:
            received = []
            while True:
                try:
                    received.append(await asyncio.wait_for(layer.receive(channel), timeout=0.1))
                except TimeoutError:
                    return received

        return lambda: async_to_sync(drain)()

    return subscribe


def channels(user, kind: str, **values: bool) -> None:
    preferences_update(user=user, changes={"notifications": {kind: values}})


def test_in_app_stores_the_notification_and_pushes_it_to_the_members_sockets(
    listen, django_capture_on_commit_callbacks
):
    actor, recipient = UserFactory(), UserFactory()
    received = listen(recipient)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(
            recipient_id=recipient.pk, type="activity_like", actor_id=actor.pk, title="A like", url="/x"
        )
    assert notification == Notification.objects.get(recipient=recipient, type="activity_like")
    assert notification.actor == actor
    assert notification.read_at is None
    frames = received()
    assert [(frame["event"], frame["data"]["id"]) for frame in frames] == [
        ("notification.created", str(notification.public_id))
    ]
    assert frames[0]["data"]["actor"]["username"] == actor.username
    assert frames[0]["data"]["is_read"] is False


def test_nothing_is_broadcast_before_the_transaction_commits(listen, django_capture_on_commit_callbacks):
    recipient = UserFactory()
    received = listen(recipient)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(recipient_id=recipient.pk, type="activity_like", title="A like")
    assert received() == []
    assert len(callbacks) == 2  # The broadcast and the push, both waiting for the commit.


def test_in_app_off_stores_nothing_and_pushes_nothing_live(listen, django_capture_on_commit_callbacks):
    recipient = UserFactory()
    channels(recipient, "activity_like", in_app=False, push=False)
    received = listen(recipient)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(recipient_id=recipient.pk, type="activity_like", title="A like") is None
    assert not Notification.objects.filter(recipient=recipient).exists()
    assert received() == []
    assert sent_pushes == []


def test_email_goes_to_a_verified_address_after_commit(settings, django_capture_on_commit_callbacks):
    recipient = UserFactory(email_verified=True)
    channels(recipient, "activity_comment", email=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(
            recipient_id=recipient.pk, type="activity_comment", title="Sam commented", body="Nice!", url="/p"
        )
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    [message] = mail.outbox
    assert message.to == [recipient.email]
    assert message.subject == "Sam commented"
    assert "Nice!" in message.body
    assert f"{settings.SITE_URL}/p" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_email_is_never_sent_to_an_unverified_address(django_capture_on_commit_callbacks):
    recipient = UserFactory(email_verified=False)
    channels(recipient, "activity_comment", email=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient_id=recipient.pk, type="activity_comment", title="Sam commented")
    assert mail.outbox == []


def test_email_off_sends_no_mail_but_keeps_the_other_channels(django_capture_on_commit_callbacks):
    recipient = UserFactory(email_verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient_id=recipient.pk, type="activity_like", title="A like")
    assert mail.outbox == []  # activity_like is not e-mailed by default.
    assert notification is not None
    assert [message.title for message in sent_pushes] == ["A like"]


def test_push_hands_the_message_to_the_configured_backend(django_capture_on_commit_callbacks):
    recipient = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipient_id=recipient.pk, type="goal_achieved", title="Goal!", url="/g", data={"goal_id": "x"}
        )
    assert sent_pushes == [
        PushMessage(
            recipient_id=recipient.pk, type="goal_achieved", title="Goal!", url="/g", data={"goal_id": "x"}
        )
    ]


def test_push_off_leaves_the_backend_alone(django_capture_on_commit_callbacks):
    recipient = UserFactory()
    channels(recipient, "goal_achieved", push=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(recipient_id=recipient.pk, type="goal_achieved", title="Goal!") is not None
    assert sent_pushes == []


def test_nobody_is_told_about_their_own_action(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(recipient_id=user.pk, actor_id=user.pk, type="activity_like", title="Own like") is None
    assert not Notification.objects.exists()
    assert sent_pushes == []


@pytest.mark.parametrize("who_blocks", ["recipient", "actor"])
def test_a_block_between_the_two_silences_the_actor(who_blocks, django_capture_on_commit_callbacks):
    actor, recipient = UserFactory(), UserFactory(email_verified=True)
    blocker, blocked = (recipient, actor) if who_blocks == "recipient" else (actor, recipient)
    friendships.friendship_block(user=blocker, other=blocked)
    channels(recipient, "activity_like", email=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            notify(recipient_id=recipient.pk, actor_id=actor.pk, type="activity_like", title="Like") is None
        )
    assert not Notification.objects.exists()
    assert (mail.outbox, sent_pushes) == ([], [])


def test_inactive_members_are_told_nothing(django_capture_on_commit_callbacks):
    recipient = UserFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(recipient_id=recipient.pk, type="activity_like", title="Like") is None
    assert not Notification.objects.exists()
    assert sent_pushes == []


def test_an_unknown_type_is_a_programming_error():
    with pytest.raises(ValueError, match="Unknown notification type 'poke'"):
        notify(recipient_id=UserFactory().pk, type="poke", title="Poke")


def test_the_logging_backend_is_the_default(settings, caplog):
    from community.push import LoggingPushBackend, push_backend

    settings.FITAI_PUSH_BACKEND = None
    backend = push_backend()
    assert isinstance(backend, LoggingPushBackend)
    with caplog.at_level("INFO", logger="fitai.push"):
        backend.send(PushMessage(recipient_id=7, type="mention", title="You were mentioned"))
    assert "push to user 7: You were mentioned" in caplog.text


# --- Event subscribers ---------------------------------------------------------------------------


def test_a_friend_request_notifies_the_person_asked(django_capture_on_commit_callbacks):
    asker, asked = UserFactory(first_name="Ana", last_name="Diaz"), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        friendships.friendship_request(from_user=asker, to_user=asked)
    notification = Notification.objects.get()
    assert (notification.recipient, notification.actor, notification.type) == (asked, asker, "friend_request")
    assert notification.title == "Ana Diaz wants to be your friend"
    assert notification.url == "/accounts/friends"
    assert notification.data == {"user_id": str(asker.public_id)}


def test_an_accepted_request_notifies_the_person_who_asked(django_capture_on_commit_callbacks):
    asker, asked = UserFactory(), UserFactory(first_name="Bo", last_name="Lee")
    with django_capture_on_commit_callbacks(execute=True):
        friendships.friendship_request(from_user=asker, to_user=asked)
    with django_capture_on_commit_callbacks(execute=True):
        friendships.friendship_accept(user=asked, other=asker)
    notification = Notification.objects.get(type="friend_accepted")
    assert (notification.recipient, notification.actor) == (asker, asked)
    assert notification.title == "Bo Lee accepted your friend request"


@pytest.mark.parametrize(
    ("approve", "title", "body"),
    [
        (True, "Your exercise “Zercher squat” was approved", "It is now in the library for everyone."),
        (False, "Your exercise “Zercher squat” was not approved", "Reason: A duplicate of an existing one."),
    ],
)
def test_a_moderation_decision_notifies_the_creator(approve, title, body, django_capture_on_commit_callbacks):
    creator, moderator = UserFactory(), UserFactory(roles=["moderator"])
    exercise = ExerciseFactory(name="Zercher squat", created_by=creator, status=Exercise.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        exercise_services.exercise_moderate(
            exercise=exercise,
            moderator=moderator,
            approve=approve,
            reason="" if approve else "A duplicate of an existing one.",
        )
    notification = Notification.objects.get()
    assert (notification.recipient, notification.type) == (creator, "exercise_moderation")
    assert (notification.title, notification.body) == (title, body)
    assert notification.url == f"/exercises/{exercise.slug}"
    assert notification.data["status"] == ("approved" if approve else "rejected")


def test_an_achieved_goal_and_milestone_notify_the_owner():
    user = UserFactory()
    goal = Goal.objects.create(user=user, type=Goal.Type.CUSTOM, title="Run a 5k", target_value=5, unit="km")
    milestone = Milestone.objects.create(goal=goal, title="First 2 km", target_value=2)
    events.dispatch(MILESTONE_ACHIEVED, milestone_id=milestone.pk, goal_id=goal.pk, user_id=user.pk)
    events.dispatch(GOAL_ACHIEVED, goal_id=goal.pk, user_id=user.pk)
    assert list(Notification.objects.order_by("id").values_list("type", "title", "url")) == [
        ("goal_achieved", "Milestone reached: First 2 km", "/progress/goals"),
        ("goal_achieved", "Goal achieved: Run a 5k", "/progress/goals"),
    ]
    assert Notification.objects.last().data == {"goal_id": str(goal.public_id)}


def test_a_ready_export_notifies_its_owner_with_the_link_to_download_it():
    user = UserFactory()
    events.dispatch(exporting.EXPORT_READY, export_id="5c1e0a52-5a7f-4a44-9d55-2f3fd2d4c1a0", user_id=user.pk)
    notification = Notification.objects.get()
    assert (notification.recipient, notification.type) == (user, "export_ready")
    assert notification.url == "/api/v1/analytics/export/5c1e0a52-5a7f-4a44-9d55-2f3fd2d4c1a0"
    assert notification.data == {"export_id": "5c1e0a52-5a7f-4a44-9d55-2f3fd2d4c1a0"}


def _train(owner, exercise, weight: int, *, days_ago: int):
    started = timezone.now() - timedelta(days=days_ago, hours=1)
    workout = Workout.objects.create(
        owner=owner,
        name="Squat day",
        status=Workout.Status.IN_PROGRESS,
        started_at=started,
        resumed_at=started,
    )
    WorkoutExercise.objects.create(workout=workout, index=0, exercise=exercise)
    workout_services.set_log(
        workout=workout, exercise_index=0, set_index=0, data={"reps": 5, "weight_kg": weight}
    )
    return workout_services.workout_complete(workout=workout)


def test_records_beaten_by_a_completed_workout_notify_the_owner_once(django_capture_on_commit_callbacks):
    owner, squat = UserFactory(), ExerciseFactory(name="Back squat")
    with django_capture_on_commit_callbacks(execute=True):
        _train(owner, squat, 100, days_ago=2)
    assert not Notification.objects.filter(type="personal_record").exists()  # A first log is a baseline.
    with django_capture_on_commit_callbacks(execute=True):
        workout = _train(owner, squat, 110, days_ago=1)
    notification = Notification.objects.get(type="personal_record")
    assert notification.recipient == owner
    assert notification.url == f"/workouts/{workout.public_id}"
    records = {record["type"]: record for record in notification.data["records"]}
    assert records["max_weight"]["value"] == 110.0
    assert records["max_weight"]["previous_value"] == 100.0
    assert all(record["exercise_id"] == str(squat.public_id) for record in records.values())
    assert "Back squat: heaviest weight 110 kg (was 100)" in notification.body


def test_a_completed_workout_without_records_says_nothing(django_capture_on_commit_callbacks):
    owner, squat = UserFactory(), ExerciseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _train(owner, squat, 100, days_ago=2)
    with django_capture_on_commit_callbacks(execute=True):
        _train(owner, squat, 90, days_ago=1)
    assert not Notification.objects.filter(type="personal_record").exists()


# --- API -----------------------------------------------------------------------------------------


def _notifications(user, count: int, **fields) -> list[Notification]:
    return [
        Notification.objects.create(recipient=user, type="activity_like", title=f"Like {index}", **fields)
        for index in range(count)
    ]


def test_the_list_is_newest_first_with_the_unread_count(auth_client, django_assert_max_num_queries):
    client = auth_client()
    actor = UserFactory()
    _notifications(client.user, 3, actor=actor)
    _notifications(client.user, 2, read_at=timezone.now())
    _notifications(UserFactory(), 2)  # Someone else's.
    with django_assert_max_num_queries(4):
        response = client.get(URL, {"page_size": 3})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results", "unread_count"}
    assert body["unread_count"] == 3
    assert [item["title"] for item in body["results"]] == ["Like 1", "Like 0", "Like 2"]
    second = client.get(body["next"]).json()
    assert [item["title"] for item in second["results"]] == ["Like 1", "Like 0"]
    assert second["next"] is None


def test_the_list_costs_the_same_for_many_notifications(auth_client, django_assert_max_num_queries):
    client = auth_client()
    for _ in range(30):
        _notifications(client.user, 1, actor=UserFactory())
    with django_assert_max_num_queries(4):
        response = client.get(URL, {"page_size": 30})
    assert len(response.json()["results"]) == 30


def test_unread_true_lists_only_unread_ones(auth_client):
    client = auth_client()
    [unread] = _notifications(client.user, 1)
    _notifications(client.user, 2, read_at=timezone.now())
    body = client.get(URL, {"unread": "true"}).json()
    assert [item["id"] for item in body["results"]] == [str(unread.public_id)]
    assert client.get(URL, {"unread": "maybe"}).status_code == 400


def test_a_notification_shows_its_actor_and_read_state(auth_client):
    client = auth_client()
    actor = UserFactory(username="sam", first_name="Sam", last_name="Ray")
    _notifications(client.user, 1, actor=actor, url="/community", data={"activity_id": "a"})
    [item] = client.get(URL).json()["results"]
    assert item["actor"] == {
        "id": str(actor.public_id),
        "username": "sam",
        "display_name": "Sam Ray",
        "avatar_thumb_url": None,
    }
    assert (item["is_read"], item["read_at"], item["url"], item["data"]) == (
        False,
        None,
        "/community",
        {"activity_id": "a"},
    )


def test_marking_read_answers_the_notification_and_tells_every_device(
    auth_client, listen, django_capture_on_commit_callbacks
):
    client = auth_client()
    first, _second = _notifications(client.user, 2)
    received = listen(client.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.put(f"{URL}/{first.public_id}/read")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    first.refresh_from_db()
    assert first.read_at is not None
    assert [(frame["event"], frame["data"]) for frame in received()] == [
        ("notification.read", {"id": str(first.public_id), "unread_count": 1})
    ]
    assert client.put(f"{URL}/{first.public_id}/read/").status_code == 200  # Again: harmless.


@pytest.mark.parametrize("notification_id", ["someone_else", "unknown", "not-a-uuid"])
def test_another_members_or_an_unknown_notification_is_not_found(auth_client, notification_id):
    client = auth_client()
    [theirs] = _notifications(UserFactory(), 1)
    target = {"someone_else": theirs.public_id, "unknown": "5c1e0a52-5a7f-4a44-9d55-2f3fd2d4c1a0"}.get(
        notification_id, notification_id
    )
    response = client.put(f"{URL}/{target}/read")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_only_your_unread_ones(auth_client):
    client = auth_client()
    _notifications(client.user, 3)
    _notifications(client.user, 1, read_at=timezone.now())
    [theirs] = _notifications(UserFactory(), 1)
    response = client.put(f"{URL}/read-all")
    assert (response.status_code, response.json()) == (200, {"updated": 3})
    assert not Notification.objects.filter(recipient=client.user, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.put(f"{URL}/read-all/").json() == {"updated": 0}


def test_preferences_list_every_type_with_its_channels(auth_client):
    body = auth_client().get(f"{URL}/preferences").json()
    assert body["friend_request"] == {"in_app": True, "email": True, "push": True}
    assert body["activity_like"] == {"in_app": True, "email": False, "push": True}
    assert set(body) >= {"mention", "export_ready", "personal_record"}


def test_posting_preferences_merges_and_answers_the_whole_document(auth_client):
    client = auth_client()
    response = client.post(f"{URL}/preferences", {"activity_like": {"email": True}}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["activity_like"] == {"in_app": True, "email": True, "push": True}
    assert body["friend_request"] == {"in_app": True, "email": True, "push": True}
    assert client.get(f"{URL}/preferences").json() == body


@pytest.mark.parametrize(
    ("sent", "path"),
    [
        ({"poke": {"email": True}}, "poke"),
        ({"activity_like": {"sms": True}}, "activity_like.sms"),
        ({"activity_like": {"email": "yes"}}, "activity_like.email"),
        ({"activity_like": True}, "activity_like"),
        (["activity_like"], "non_field_errors"),
    ],
)
def test_bad_preferences_are_a_400_naming_the_path_and_change_nothing(auth_client, sent, path):
    client = auth_client()
    response = client.post(f"{URL}/preferences", sent, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert path in error["fields"]
    assert client.get(f"{URL}/preferences").json()["activity_like"]["email"] is False


def test_the_api_needs_a_login(api_client):
    assert api_client.get(URL).status_code == 401
    assert api_client.put(f"{URL}/read-all").status_code == 401
