"""The live session socket: snapshot, numbered events from REST and socket, resume, heartbeats, errors."""

import uuid

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.websocket import websocket_auth_middleware
from fitai.consumers import CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED
from fitai.routing import websocket_urlpatterns
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from workouts import services
from workouts.consumers import WorkoutConsumer
from workouts.models import Workout, WorkoutEvent, WorkoutExercise, WorkoutSet

pytestmark = pytest.mark.django_db(transaction=True)

application = websocket_auth_middleware(URLRouter(websocket_urlpatterns))


@database_sync_to_async
def make_workout(owner=None, *, status=Workout.Status.IN_PROGRESS, exercises=1) -> Workout:
    owner = owner or UserFactory()
    now = timezone.now()
    running = status != Workout.Status.PLANNED
    workout = Workout.objects.create(
        owner=owner,
        name="Push day",
        status=status,
        started_at=now if running else None,
        resumed_at=now if running else None,
    )
    for index in range(exercises):
        WorkoutExercise.objects.create(workout=workout, index=index, exercise=ExerciseFactory())
    return workout


@database_sync_to_async
def log_over_rest(workout: Workout, set_index: int, reps: int = 5, weight: int = 100) -> dict:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(workout.owner)}")
    response = client.put(
        f"/api/v1/workouts/{workout.public_id}/set/{set_index}",
        {"exercise_index": 0, "reps": reps, "weight_kg": weight},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()


@database_sync_to_async
def log_with_service(workout: Workout, set_index: int, reps: int = 5, weight: int = 100) -> None:
    services.set_log(
        workout=workout, exercise_index=0, set_index=set_index, data={"reps": reps, "weight_kg": weight}
    )


async def open_socket(workout: Workout, user=None, *, snapshot: bool = True) -> WebsocketCommunicator:
    user = user or workout.owner
    communicator = WebsocketCommunicator(
        application, f"/ws/workouts/{workout.public_id}/?token={AccessToken.for_user(user)}"
    )
    connected, code = await communicator.connect()
    assert connected, f"the socket was closed with {code}"
    if snapshot:
        assert (await communicator.receive_json_from())["type"] == "snapshot"
    return communicator


async def receive_events(communicator: WebsocketCommunicator, count: int) -> list[dict]:
    return [await communicator.receive_json_from(timeout=2) for _ in range(count)]


async def test_the_owner_gets_a_snapshot_with_the_current_seq():
    workout = await make_workout()
    await log_with_service(workout, 0)
    communicator = await open_socket(workout, snapshot=False)
    frame = await communicator.receive_json_from()
    assert frame["type"] == "snapshot"
    assert frame["seq"] == 1
    assert frame["data"]["id"] == str(workout.public_id)
    assert frame["data"]["last_seq"] == 1
    assert frame["data"]["exercises"][0]["sets"][0]["weight_kg"] == 100.0
    assert await communicator.receive_nothing()
    await communicator.disconnect()


async def test_the_token_may_come_as_a_subprotocol():
    workout = await make_workout()
    communicator = WebsocketCommunicator(
        application,
        f"/ws/workouts/{workout.public_id}/",
        subprotocols=["bearer", str(AccessToken.for_user(workout.owner))],
    )
    connected, subprotocol = await communicator.connect()
    assert (connected, subprotocol) == (True, "bearer")
    assert (await communicator.receive_json_from())["type"] == "snapshot"
    await communicator.disconnect()


@pytest.mark.parametrize("whose", ["someone_else", "unknown", "deleted"])
async def test_other_peoples_unknown_and_deleted_workouts_close_with_4404(whose):
    workout = await make_workout()
    user = workout.owner
    workout_id = workout.public_id
    if whose == "someone_else":
        user = await database_sync_to_async(UserFactory)()
    elif whose == "unknown":
        workout_id = uuid.uuid4()
    else:
        await database_sync_to_async(services.workout_delete)(workout=workout)
    communicator = WebsocketCommunicator(
        application, f"/ws/workouts/{workout_id}/?token={AccessToken.for_user(user)}"
    )
    assert await communicator.connect() == (False, CLOSE_NOT_FOUND)


async def test_anonymous_sockets_close_with_4401():
    workout = await make_workout()
    communicator = WebsocketCommunicator(application, f"/ws/workouts/{workout.public_id}/")
    assert await communicator.connect() == (False, CLOSE_UNAUTHENTICATED)


async def test_a_set_logged_over_rest_reaches_every_device_with_the_same_seq():
    workout = await make_workout()
    phone, watch = await open_socket(workout), await open_socket(workout)
    body = await log_over_rest(workout, 0)
    for device in (phone, watch):
        frame = await device.receive_json_from(timeout=2)
        assert frame["seq"] == 1
        assert frame["type"] == "set_logged"
        assert frame["data"]["index"] == 0
        assert frame["data"]["weight_kg"] == "100.00"
        assert await device.receive_nothing()
        await device.disconnect()
    assert body["set"]["reps"] == 5


async def test_a_set_logged_over_the_socket_reaches_every_device_the_sender_included():
    workout = await make_workout()
    phone, watch = await open_socket(workout), await open_socket(workout)
    client_id = str(uuid.uuid4())
    command = {
        "type": "set.log",
        "exercise_index": 0,
        "set_index": 0,
        "set": {"reps": 8, "weight_kg": 60, "rpe": 8},
        "client_id": client_id,
    }
    await phone.send_json_to(command)
    for device in (phone, watch):
        frame = await device.receive_json_from(timeout=2)
        assert (frame["seq"], frame["type"]) == (1, "set_logged")
        assert (frame["data"]["reps"], frame["data"]["client_id"]) == (8, client_id)
    await phone.send_json_to(command)  # A retry with the same client_id changes nothing.
    await phone.send_json_to({"type": "ping"})
    assert await phone.receive_json_from() == {"type": "pong"}
    assert await watch.receive_nothing()
    count = await database_sync_to_async(WorkoutSet.objects.filter(workout=workout).count)()
    assert count == 1
    for device in (phone, watch):
        await device.disconnect()


async def test_a_planned_workout_starts_when_a_set_is_logged_over_the_socket():
    workout = await make_workout(status=Workout.Status.PLANNED)
    phone = await open_socket(workout)
    await phone.send_json_to(
        {"type": "set.log", "exercise_index": 0, "set_index": 0, "set": {"reps": 5, "weight_kg": 50}}
    )
    frames = await receive_events(phone, 2)
    assert [(f["seq"], f["type"]) for f in frames] == [(1, "status_changed"), (2, "set_logged")]
    assert frames[0]["data"]["status"] == "in_progress"
    await phone.disconnect()


async def test_a_rest_timer_started_over_the_socket_reaches_every_device():
    workout = await make_workout()
    phone, watch = await open_socket(workout), await open_socket(workout)
    await watch.send_json_to({"type": "rest.start", "seconds": 90, "exercise_index": 0})
    for device in (phone, watch):
        frame = await device.receive_json_from(timeout=2)
        assert (frame["seq"], frame["type"], frame["data"]["exercise_index"]) == (1, "rest_started", 0)
        await device.disconnect()


async def test_a_record_gives_set_logged_then_personal_record_with_consecutive_seqs():
    workout = await make_workout()
    await log_with_service(workout, 0, reps=5, weight=100)  # The first time: a silent baseline.
    phone = await open_socket(workout)
    await phone.send_json_to(
        {"type": "set.log", "exercise_index": 0, "set_index": 1, "set": {"reps": 5, "weight_kg": 110}}
    )
    logged = await phone.receive_json_from(timeout=2)
    assert (logged["seq"], logged["type"]) == (2, "set_logged")
    records = []
    while not await phone.receive_nothing(timeout=0.3):
        records.append(await phone.receive_json_from())
    assert {r["type"] for r in records} == {"personal_record"}
    assert [r["seq"] for r in records] == list(range(3, 3 + len(records)))
    assert {"max_weight", "e1rm", "set_volume"} <= {r["data"]["type"] for r in records}
    heaviest = next(r["data"] for r in records if r["data"]["type"] == "max_weight")
    assert (heaviest["value"], heaviest["previous_value"]) == ("110.00", "100.00")
    await phone.disconnect()


async def test_resume_replays_exactly_the_missed_events_in_order():
    workout = await make_workout()
    phone = await open_socket(workout)
    await log_with_service(workout, 0)
    first = await phone.receive_json_from(timeout=2)
    assert first["seq"] == 1
    await phone.disconnect()

    await log_with_service(workout, 1)
    await log_with_service(workout, 2, weight=120)  # A record: set_logged plus personal_record events.
    stored = await database_sync_to_async(
        lambda: list(WorkoutEvent.objects.filter(workout=workout, seq__gt=1).values_list("seq", "type"))
    )()
    assert len(stored) > 2

    phone = await open_socket(workout, snapshot=False)
    snapshot = await phone.receive_json_from()
    assert snapshot["seq"] == stored[-1][0]
    await phone.send_json_to({"type": "resume", "last_seq": first["seq"]})
    replayed = await receive_events(phone, len(stored))
    assert [(f["seq"], f["type"]) for f in replayed] == stored
    assert await phone.receive_nothing()

    await phone.send_json_to({"type": "resume", "last_seq": first["seq"]})  # Asked twice: sent once.
    await log_with_service(workout, 3)
    live = await phone.receive_json_from(timeout=2)
    assert (live["seq"], live["type"]) == (stored[-1][0] + 1, "set_logged")
    assert await phone.receive_nothing()
    await phone.disconnect()


async def test_events_that_arrive_during_a_replay_are_neither_repeated_nor_skipped():
    workout = await make_workout()
    await log_with_service(workout, 0)
    phone = await open_socket(workout)
    await phone.send_json_to({"type": "resume", "last_seq": 0})
    await log_with_service(workout, 1)  # Its broadcast races the replay.
    frames = await receive_events(phone, 2)
    assert [f["seq"] for f in frames] == [1, 2]
    assert await phone.receive_nothing()
    await phone.disconnect()


async def test_a_lost_broadcast_is_filled_in_from_the_event_log():
    workout = await make_workout()
    phone = await open_socket(workout)
    # Stored but never broadcast, as if the channel layer had dropped it.
    await database_sync_to_async(
        lambda: (
            WorkoutEvent.objects.create(workout=workout, seq=1, type="rest_started", data={}),
            Workout.objects.filter(pk=workout.pk).update(last_seq=1),
        )
    )()
    await log_with_service(workout, 0)
    frames = await receive_events(phone, 2)
    assert [(f["seq"], f["type"]) for f in frames] == [(1, "rest_started"), (2, "set_logged")]
    assert await phone.receive_nothing()
    await phone.disconnect()


async def test_heartbeats_carry_the_last_seq(monkeypatch):
    monkeypatch.setattr(WorkoutConsumer, "heartbeat_seconds", 0.05)
    workout = await make_workout()
    await log_with_service(workout, 0)
    phone = await open_socket(workout)
    assert await phone.receive_json_from(timeout=2) == {"type": "heartbeat", "seq": 1}
    assert await phone.receive_json_from(timeout=2) == {"type": "heartbeat", "seq": 1}
    await phone.disconnect()


@pytest.mark.parametrize(
    ("frame", "code", "field"),
    [
        ({"type": "resume"}, "validation_error", "last_seq"),
        ({"type": "resume", "last_seq": -1}, "validation_error", "last_seq"),
        ({"type": "resume", "last_seq": "0"}, "validation_error", "last_seq"),
        ({"type": "resume", "last_seq": True}, "validation_error", "last_seq"),
        ({"type": "resume", "last_seq": 5}, "invalid_last_seq", None),
        ({"type": "set.log", "exercise_index": 0, "set_index": 0}, "validation_error", "set"),
        (
            {"type": "set.log", "exercise_index": 0, "set_index": 0, "set": {"reps": -1}},
            "validation_error",
            "set",
        ),
        (
            {"type": "set.log", "exercise_index": 3, "set_index": 0, "set": {"reps": 5}},
            "no_such_exercise",
            None,
        ),
        ({"type": "set.log", "exercise_index": 0, "set_index": 2, "set": {"reps": 5}}, "set_index_gap", None),
        ({"type": "rest.start", "seconds": 1}, "validation_error", "seconds"),
        ({"type": "workout.delete"}, "unknown_type", None),
    ],
)
async def test_bad_frames_get_an_error_frame_and_keep_the_socket(frame, code, field):
    workout = await make_workout()
    phone = await open_socket(workout)
    await phone.send_json_to(frame)
    reply = await phone.receive_json_from()
    assert reply["type"] == "error"
    assert reply["error"]["code"] == code
    if field:
        assert field in reply["error"]["fields"]
    await phone.send_json_to({"type": "ping"})
    assert await phone.receive_json_from() == {"type": "pong"}
    assert await database_sync_to_async(WorkoutEvent.objects.count)() == 0
    await phone.disconnect()


async def test_a_rest_timer_on_a_planned_workout_is_refused_with_an_error_frame():
    workout = await make_workout(status=Workout.Status.PLANNED)
    phone = await open_socket(workout)
    await phone.send_json_to({"type": "rest.start", "seconds": 60})
    reply = await phone.receive_json_from()
    assert (reply["type"], reply["error"]["code"]) == ("error", "illegal_transition")
    await phone.disconnect()
