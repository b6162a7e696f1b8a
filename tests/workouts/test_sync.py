"""Offline sync: `PUT /workouts/:id` merges three ways, `GET /workouts/events` feeds the changes."""

import copy
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from workouts import services, sync
from workouts.models import PersonalRecord, Workout, WorkoutChange, WorkoutEvent, WorkoutSet
from workouts.sync_models import WorkoutRevision

pytestmark = pytest.mark.django_db
URL = "/api/v1/workouts"
EVENTS = f"{URL}/events"


@pytest.fixture
def squat():
    return ExerciseFactory(name="Squat")


@pytest.fixture
def client(auth_client):
    return auth_client()


def logged_workout(owner, exercise, sets=3, **extra) -> Workout:
    """A running workout with `sets` logged sets (version 1 + sets), built through the services."""
    workout, _ = services.workout_create(
        owner=owner, name="Leg day", exercises=[{"exercise_id": exercise.public_id}], **extra
    )
    for index in range(sets):
        services.set_log(
            workout=workout, exercise_index=0, set_index=index, data={"reps": 5, "weight_kg": 100 + index}
        )
    workout.refresh_from_db()
    return workout


def fetch(client, workout: Workout) -> dict:
    response = client.get(f"{URL}/{workout.public_id}")
    assert response.status_code == 200, response.content
    return response.json()


def put(client, workout: Workout, body: dict, base_version=None, **headers):
    if base_version is not None:
        body = {**body, "base_version": base_version}
    return client.put(f"{URL}/{workout.public_id}", body, format="json", **headers)


def sets_of(body: dict, exercise_index=0) -> list[tuple[int, float]]:
    return [(s["reps"], s["weight_kg"]) for s in body["exercises"][exercise_index]["sets"]]


# --- merging -------------------------------------------------------------------------------------------


def test_two_devices_editing_different_sets_keep_both(client, squat):
    workout = logged_workout(client.user, squat)
    phone, watch = fetch(client, workout), fetch(client, workout)
    phone["exercises"][0]["sets"][0]["reps"] = 8
    watch["exercises"][0]["sets"][2]["weight_kg"] = 110
    watch["name"] = "Heavy legs"

    first = put(client, workout, phone, base_version=phone["version"])
    second = put(client, workout, watch, base_version=watch["version"])

    assert (first.status_code, second.status_code) == (200, 200), second.content
    body = second.json()
    assert sets_of(body) == [(8, 100), (5, 101), (5, 110)]
    assert (body["name"], body["version"]) == ("Heavy legs", phone["version"] + 2)


def test_a_fast_forward_keeps_the_set_ids_that_still_match(client, squat):
    workout = logged_workout(client.user, squat)
    body = fetch(client, workout)
    ids = [s["id"] for s in body["exercises"][0]["sets"]]
    body["exercises"][0]["sets"][1]["reps"] = 12
    del body["exercises"][0]["sets"][2]
    body["exercises"][0]["sets"].append({"client_id": str(uuid.uuid4()), "reps": 3, "weight_kg": 120})

    response = put(client, workout, body, base_version=body["version"])

    assert response.status_code == 200, response.content
    sets = response.json()["exercises"][0]["sets"]
    assert [(s["index"], s["reps"], s["weight_kg"]) for s in sets] == [(0, 5, 100), (1, 12, 101), (2, 3, 120)]
    assert [s["id"] for s in sets[:2]] == ids[:2]
    assert not WorkoutSet.objects.filter(pk=ids[2]).exists()


def test_sets_added_with_client_ids_on_both_sides_are_both_kept(client, squat):
    workout = logged_workout(client.user, squat, sets=1)
    offline = fetch(client, workout)
    services.set_log(
        workout=workout,
        exercise_index=0,
        set_index=1,
        data={"reps": 6, "weight_kg": 90},
        client_id=uuid.uuid4(),
    )
    offline["exercises"][0]["sets"].append({"client_id": str(uuid.uuid4()), "reps": 4, "weight_kg": 95})

    response = put(client, workout, offline, base_version=offline["version"])

    assert response.status_code == 200, response.content
    assert sets_of(response.json()) == [(5, 100), (4, 95), (6, 90)]


def test_the_same_field_changed_on_both_sides_is_a_409_naming_the_path(client, squat):
    workout = logged_workout(client.user, squat)
    offline = fetch(client, workout)
    services.set_log(workout=workout, exercise_index=0, set_index=1, data={"reps": 7})
    offline["exercises"][0]["sets"][1]["reps"] = 9
    offline["exercises"][0]["sets"][0]["reps"] = 6  # Mergeable on its own, but the request fails whole.

    response = put(client, workout, offline, base_version=offline["version"])

    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["conflicts"]) == ("sync_conflict", ["exercises[0].sets[1].reps"])
    assert error["server"]["version"] == offline["version"] + 1
    assert sets_of(error["server"]) == [(5, 100), (7, 101), (5, 102)]
    assert sets_of(fetch(client, workout)) == [(5, 100), (7, 101), (5, 102)]


def test_the_same_change_on_both_sides_is_no_conflict(client, squat):
    workout = logged_workout(client.user, squat)
    offline = fetch(client, workout)
    services.set_log(workout=workout, exercise_index=0, set_index=1, data={"reps": 9})
    offline["exercises"][0]["sets"][1]["reps"] = 9
    offline["notes"] = "Knees felt fine"

    response = put(client, workout, offline, base_version=offline["version"])

    assert response.status_code == 200, response.content
    assert (response.json()["notes"], sets_of(response.json())[1]) == ("Knees felt fine", (9, 101))


def test_a_set_deleted_offline_goes_unless_the_server_changed_it(client, squat):
    workout = logged_workout(client.user, squat)
    offline = fetch(client, workout)
    offline["exercises"][0]["sets"].pop()
    services.set_log(workout=workout, exercise_index=0, set_index=2, data={"reps": 1})

    conflict = put(client, workout, offline, base_version=offline["version"])
    services.set_log(workout=workout, exercise_index=0, set_index=0, data={"reps": 2})
    untouched_elsewhere = fetch(client, workout)
    untouched_elsewhere["exercises"][0]["sets"].pop()
    deleted = put(client, workout, untouched_elsewhere, base_version=untouched_elsewhere["version"] - 1)

    assert conflict.status_code == 409
    assert conflict.json()["error"]["conflicts"] == ["exercises[0].sets[2]"]
    assert deleted.status_code == 200, deleted.content
    assert sets_of(deleted.json()) == [(2, 100), (5, 101)]


def test_both_sides_logging_a_different_next_set_without_client_ids_conflict(client, squat):
    workout = logged_workout(client.user, squat, sets=1)
    offline = fetch(client, workout)
    services.set_log(workout=workout, exercise_index=0, set_index=1, data={"reps": 6, "weight_kg": 90})
    offline["exercises"][0]["sets"].append({"reps": 4, "weight_kg": 95})

    response = put(client, workout, offline, base_version=offline["version"])

    assert response.status_code == 409
    assert response.json()["error"]["conflicts"] == [
        "exercises[0].sets[1].reps",
        "exercises[0].sets[1].weight_kg",
        "exercises[0].sets[1].completed_at",
    ]


def test_replaying_the_same_batch_changes_nothing(client, squat):
    workout = logged_workout(client.user, squat)
    offline = fetch(client, workout)
    services.set_log(workout=workout, exercise_index=0, set_index=0, data={"reps": 3})
    offline["exercises"][0]["sets"][2]["reps"] = 10
    offline["exercises"][0]["sets"].append({"client_id": str(uuid.uuid4()), "reps": 2, "weight_kg": 140})

    first = put(client, workout, offline, base_version=offline["version"])
    changes = WorkoutChange.objects.count()
    again = put(client, workout, offline, base_version=offline["version"])

    assert (first.status_code, again.status_code) == (200, 200), again.content
    assert again.json()["version"] == first.json()["version"] == offline["version"] + 2
    assert again.json()["exercises"] == first.json()["exercises"]
    assert sets_of(again.json()) == [(3, 100), (5, 101), (10, 102), (2, 140)]
    assert WorkoutChange.objects.count() == changes


def test_a_replayed_fast_forward_changes_nothing(client, squat):
    workout = logged_workout(client.user, squat)
    body = fetch(client, workout)
    body["exercises"][0]["sets"].append({"reps": 1, "weight_kg": 150})

    first = put(client, workout, body, base_version=body["version"])
    again = put(client, workout, body, base_version=body["version"])

    assert again.json()["version"] == first.json()["version"] == body["version"] + 1
    assert len(again.json()["exercises"][0]["sets"]) == 4


def test_a_change_records_a_revision_an_event_and_a_feed_entry(client, squat):
    workout = logged_workout(client.user, squat)
    body = fetch(client, workout)
    body["name"] = "Renamed"

    response = put(client, workout, body, base_version=body["version"])

    version = response.json()["version"]
    event = WorkoutEvent.objects.filter(workout=workout).last()
    assert (event.type, event.data) == ("workout_updated", {"version": version})
    revision = WorkoutRevision.objects.get(workout=workout, version=version)
    assert revision.document["fields"]["name"] == "Renamed"
    assert WorkoutChange.objects.filter(workout=workout).count() == 1 + 3 + 1


def test_only_the_last_revisions_are_kept(client, squat, monkeypatch):
    monkeypatch.setattr(sync, "REVISIONS_KEPT", 2)
    workout = logged_workout(client.user, squat, sets=4)

    assert list(
        WorkoutRevision.objects.filter(workout=workout).order_by("version").values_list("version", flat=True)
    ) == [4, 5]


def test_completing_offline_counts_the_sets_and_records(client, squat):
    workout = logged_workout(client.user, squat, sets=1)
    offline = fetch(client, workout)
    finished = timezone.now() + timedelta(minutes=1)
    offline["exercises"][0]["sets"].append(
        {"client_id": str(uuid.uuid4()), "reps": 5, "weight_kg": 150, "completed_at": finished.isoformat()}
    )
    offline.update(status="completed", completed_at=finished.isoformat())

    response = put(client, workout, offline, base_version=offline["version"])

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["totals"]) == ("completed", {"volume_kg": 1250.0, "sets": 2, "reps": 10})
    assert (
        PersonalRecord.objects.filter(workout=workout, type="max_weight", is_current=True).get().value == 150
    )


def test_a_completed_workout_cannot_be_restarted_by_sync(client, squat):
    workout = logged_workout(client.user, squat, sets=1)
    services.workout_complete(workout=workout)
    body = fetch(client, workout)

    response = put(client, workout, {**body, "status": "in_progress"}, base_version=body["version"])

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "illegal_transition"


def test_an_exercise_added_offline_and_a_set_logged_online_are_both_kept(client, squat):
    workout = logged_workout(client.user, squat, sets=1)
    offline = fetch(client, workout)
    services.set_log(workout=workout, exercise_index=0, set_index=1, data={"reps": 6, "weight_kg": 90})
    lunge = ExerciseFactory(name="Lunge")
    offline["exercises"].append(
        {"exercise_id": str(lunge.public_id), "sets": [{"reps": 10, "weight_kg": 20}]}
    )

    response = put(client, workout, offline, base_version=offline["version"])

    assert response.status_code == 200, response.content
    body = response.json()
    assert [e["exercise_name"] for e in body["exercises"]] == ["Squat", "Lunge"]
    assert (sets_of(body, 0), sets_of(body, 1)) == ([(5, 100), (6, 90)], [(10, 20)])


def test_exercises_reordered_offline_keep_their_sets_and_ids(client, squat):
    lunge = ExerciseFactory(name="Lunge")
    workout, _ = services.workout_create(
        owner=client.user,
        exercises=[
            {"exercise_id": e.public_id, "client_id": uuid.uuid4(), "sets": [{"reps": reps}]}
            for e, reps in ((squat, 5), (lunge, 10))
        ],
    )
    services.workout_share(workout=workout, visibility="friends")
    offline = fetch(client, workout)
    ids = {e["exercise_name"]: e["sets"][0]["id"] for e in offline["exercises"]}
    offline["exercises"].reverse()
    offline["exercises"][1]["notes"] = "Deep"

    response = put(client, workout, offline, base_version=offline["version"])

    assert response.status_code == 200, response.content
    body = response.json()
    assert [(e["index"], e["exercise_name"], e["notes"]) for e in body["exercises"]] == [
        (0, "Lunge", ""),
        (1, "Squat", "Deep"),
    ]
    assert {e["exercise_name"]: e["sets"][0]["id"] for e in body["exercises"]} == ids


def test_an_exercise_removed_offline_while_logged_online_is_a_conflict(client, squat):
    workout = logged_workout(client.user, squat, sets=1)
    offline = fetch(client, workout)
    services.set_log(workout=workout, exercise_index=0, set_index=1, data={"reps": 6})
    offline["exercises"] = []

    response = put(client, workout, offline, base_version=offline["version"])

    assert response.status_code == 409
    assert response.json()["error"]["conflicts"] == ["exercises[0]"]


def test_swapping_an_exercise_offline_moves_its_records(client, squat):
    workout = logged_workout(client.user, squat, sets=2)
    body = fetch(client, workout)
    lunge = ExerciseFactory(name="Lunge")
    body["exercises"][0]["exercise_id"] = str(lunge.public_id)

    response = put(client, workout, body, base_version=body["version"])

    assert response.json()["exercises"][0]["exercise_name"] == "Lunge"
    assert not PersonalRecord.objects.filter(exercise=squat).exists()
    assert (
        PersonalRecord.objects.filter(exercise=lunge, type="max_weight", is_current=True).get().value == 101
    )


def test_pausing_offline_counts_the_active_time(client, squat):
    workout = logged_workout(client.user, squat, sets=1)
    Workout.objects.filter(pk=workout.pk).update(resumed_at=timezone.now() - timedelta(minutes=10))
    body = fetch(client, workout)

    response = put(client, workout, {**body, "status": "paused"}, base_version=body["version"])

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["active_seconds"] // 60) == ("paused", 10)


def test_starting_offline_refuses_a_second_running_workout(client, squat):
    running = logged_workout(client.user, squat, sets=1)
    planned, _ = services.workout_create(owner=client.user, name="Other")
    services.workout_share(workout=planned, visibility="friends")
    body = fetch(client, planned)

    response = put(client, planned, {**body, "status": "in_progress"}, base_version=body["version"])

    error = response.json()["error"]
    assert (response.status_code, error["code"]) == (409, "workout_running")
    assert error["active_workout_id"] == str(running.public_id)
    assert Workout.objects.get(pk=planned.pk).status == "planned"


def test_sharing_offline_stamps_the_share(client, squat):
    workout = logged_workout(client.user, squat, sets=1)
    body = fetch(client, workout)

    put(client, workout, {**body, "visibility": "public"}, base_version=body["version"])

    workout.refresh_from_db()
    assert (workout.visibility, workout.shared_at is not None) == ("public", True)


def test_a_copy_taken_right_after_creation_merges(client, squat):
    workout, _ = services.workout_create(owner=client.user, exercises=[{"exercise_id": squat.public_id}])
    offline = fetch(client, workout)
    services.set_log(workout=workout, exercise_index=0, set_index=0, data={"reps": 5})

    response = put(client, workout, {**offline, "name": "Offline"}, base_version=1)

    assert response.status_code == 200, response.content


# --- versions --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ['"{}"', "{}", 'W/"{}"'])
def test_if_match_carries_the_base_version_bare_or_quoted(client, squat, header):
    workout = logged_workout(client.user, squat)
    offline = fetch(client, workout)
    services.set_log(workout=workout, exercise_index=0, set_index=0, data={"reps": 3})
    offline["name"] = "Offline name"

    response = put(client, workout, offline, HTTP_IF_MATCH=header.format(offline["version"]))

    assert response.status_code == 200, response.content
    assert (response.json()["name"], sets_of(response.json())[0]) == ("Offline name", (3, 100))


def test_a_stale_if_match_that_clashes_is_a_409(client, squat):
    workout = logged_workout(client.user, squat)
    offline = fetch(client, workout)
    services.set_log(workout=workout, exercise_index=0, set_index=0, data={"reps": 3})
    offline["exercises"][0]["sets"][0]["reps"] = 4

    response = put(client, workout, offline, HTTP_IF_MATCH=f'"{offline["version"]}"')

    assert response.status_code == 409
    assert response.json()["error"]["conflicts"] == ["exercises[0].sets[0].reps"]


def test_a_base_no_longer_kept_is_a_409_with_the_server_copy(client, squat, monkeypatch):
    monkeypatch.setattr(sync, "REVISIONS_KEPT", 2)
    workout = logged_workout(client.user, squat, sets=1)
    offline = fetch(client, workout)
    for index in (1, 2):
        services.set_log(workout=workout, exercise_index=0, set_index=index, data={"reps": 5})

    response = put(client, workout, {**offline, "name": "Late"}, base_version=offline["version"])

    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["server"]["version"]) == ("base_too_old", offline["version"] + 2)
    assert Workout.objects.get(pk=workout.pk).name == "Leg day"


def test_a_version_from_the_future_is_a_409(client, squat):
    workout = logged_workout(client.user, squat)
    body = fetch(client, workout)

    response = put(client, workout, body, HTTP_IF_MATCH=str(body["version"] + 1))

    assert (response.status_code, response.json()["error"]["code"]) == (409, "unknown_version")


@pytest.mark.parametrize(
    ("headers", "base_version", "field"),
    [
        ({}, None, "base_version"),
        ({"HTTP_IF_MATCH": "abc"}, None, "If-Match"),
        ({"HTTP_IF_MATCH": "99999999999"}, None, "If-Match"),
        ({"HTTP_IF_MATCH": "2"}, 3, "base_version"),
    ],
)
def test_a_missing_or_malformed_base_version_is_a_400(client, squat, headers, base_version, field):
    workout = logged_workout(client.user, squat)
    body = fetch(client, workout)

    response = put(client, workout, {**body, "name": "x"}, base_version=base_version, **headers)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


# --- access and validation -------------------------------------------------------------------------------


def test_another_users_workout_is_404_and_unchanged(client, auth_client, squat):
    workout = logged_workout(UserFactory(), squat)
    body = {"name": "Mine now", "base_version": workout.version}

    response = auth_client().put(f"{URL}/{workout.public_id}", body, format="json")

    assert response.status_code == 404
    assert Workout.objects.get(pk=workout.pk).name == "Leg day"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda body: body["exercises"][0]["sets"][1].update(reps=-1), "exercises[0].sets[1].reps"),
        (lambda body: body["exercises"][0].update(exercise_id=str(uuid.uuid4())), "exercises[0].exercise_id"),
        (
            lambda body: body["exercises"][0].update(
                exercise_id=str(ExerciseFactory(status="pending", created_by=UserFactory()).public_id)
            ),
            "exercises[0].exercise_id",
        ),
        (lambda body: body.update(status="sleeping"), "status"),
        (
            lambda body: body["exercises"][0]["sets"][1].update(
                client_id=body["exercises"][0]["sets"][0]["client_id"]
            ),
            "exercises[0].sets[1].client_id",
        ),
        (
            lambda body: body.update(
                started_at="2025-01-02T10:00:00Z", completed_at="2025-01-01T10:00:00Z", status="completed"
            ),
            "completed_at",
        ),
    ],
)
def test_bad_input_is_a_400_and_nothing_is_written(client, squat, change, field):
    workout = logged_workout(client.user, squat)
    WorkoutSet.objects.filter(workout=workout, index=0).update(client_id=uuid.uuid4())
    body = fetch(client, workout)
    before = copy.deepcopy(body)
    body["name"] = "Changed"
    change(body)

    response = put(client, workout, body, base_version=body["version"])

    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert fetch(client, workout) == before


def test_a_deleted_workout_is_a_409_with_its_deletion_time(client, squat):
    workout = logged_workout(client.user, squat)
    body = fetch(client, workout)
    services.workout_delete(workout=workout)

    response = put(client, workout, {**body, "name": "Too late"}, base_version=body["version"])

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "deleted"
    assert error["deleted_at"] == Workout.objects.get(pk=workout.pk).deleted_at.isoformat()


# --- the events feed -------------------------------------------------------------------------------------


def page(client, since=None, **params) -> dict:
    if since is not None:
        params["since"] = since
    response = client.get(EVENTS, params)
    assert response.status_code == 200, response.content
    return response.json()


def summary(body: dict) -> list[tuple[str, str, int | None]]:
    return [
        (e["type"], e["workout"]["id"], e["workout"]["version"])
        if e["type"] == "updated"
        else (e["type"], e["id"], None)
        for e in body["events"]
    ]


def test_the_feed_reports_creates_updates_and_deletes_in_order(client, squat):
    workout = logged_workout(client.user, squat, sets=0)
    created = page(client)
    services.set_log(workout=workout, exercise_index=0, set_index=0, data={"reps": 5})
    updated = page(client, created["cursor"])
    services.workout_delete(workout=workout)
    deleted = page(client, updated["cursor"])

    workout_id = str(workout.public_id)
    assert [summary(body) for body in (created, updated, deleted)] == [
        [("updated", workout_id, 1)],
        [("updated", workout_id, 2)],
        [("deleted", workout_id, None)],
    ]
    assert page(client, deleted["cursor"]) == {"events": [], "cursor": deleted["cursor"], "has_more": False}


def test_a_long_feed_comes_in_pages(client, squat):
    workouts = [logged_workout(client.user, squat, sets=0) for _ in range(3)]

    first = page(client, limit=2)
    second = page(client, first["cursor"], limit=2)

    assert [e["workout"]["id"] for e in first["events"] + second["events"]] == [
        str(w.public_id) for w in workouts
    ]
    assert (first["has_more"], second["has_more"]) == (True, False)


def test_the_cursor_continues_where_it_left_off(client, squat):
    workout = logged_workout(client.user, squat, sets=0)
    start = page(client)
    services.set_log(workout=workout, exercise_index=0, set_index=0, data={"reps": 5})
    other = logged_workout(client.user, squat, sets=0)

    body = page(client, start["cursor"])

    assert summary(body) == [("updated", str(workout.public_id), 2), ("updated", str(other.public_id), 1)]
    assert page(client, body["cursor"])["events"] == []


def test_several_changes_of_a_workout_collapse_into_its_latest_state(client, squat):
    logged_workout(client.user, squat, sets=3)
    services.workout_delete(workout=logged_workout(client.user, squat, sets=0))

    body = page(client)

    assert [e["type"] for e in body["events"]] == ["updated", "deleted"]
    latest = body["events"][0]["workout"]
    assert (latest["version"], len(latest["exercises"][0]["sets"])) == (4, 3)
    assert set(body["events"][1]) == {"type", "id", "deleted_at"}


def test_the_feed_shows_only_your_workouts(client, squat):
    logged_workout(UserFactory(), squat, sets=1)

    assert page(client)["events"] == []


@pytest.mark.parametrize("since", ["nonsense", "eyJ1IjoxLCJjIjo1fQ:forged"])
def test_a_bad_cursor_is_a_400(client, since):
    response = client.get(EVENTS, {"since": since})

    assert response.status_code == 400
    assert "since" in response.json()["error"]["fields"]


def test_a_cursor_of_another_account_is_a_400(client, auth_client):
    cursor = page(auth_client())["cursor"]

    assert client.get(EVENTS, {"since": cursor}).status_code == 400


@pytest.mark.parametrize("limit", [0, 501, "many"])
def test_the_page_size_is_bounded(client, limit):
    assert client.get(EVENTS, {"limit": limit}).status_code == 400


def test_a_feed_page_costs_a_fixed_number_of_queries(client, squat):
    counted = []
    for count in (2, 18):
        for _ in range(count):
            services.workout_complete(workout=logged_workout(client.user, squat, sets=2))
        with CaptureQueriesContext(connection) as queries:
            body = page(client)
        counted.append((len(body["events"]), len(queries)))

    # The user, the changes, then the workouts, exercises, sets and personal records.
    assert counted == [(2, 6), (20, 6)]


def test_the_feed_needs_a_token(api_client):
    assert api_client.get(EVENTS).status_code == 401


def test_offline_edits_show_up_in_the_feed(client, squat):
    workout = logged_workout(client.user, squat)
    start = page(client)["cursor"]
    body = fetch(client, workout)
    body["exercises"][0]["sets"][0]["reps"] = 11

    put(client, workout, body, base_version=body["version"])
    events = page(client, start)["events"]

    assert [(e["type"], e["workout"]["exercises"][0]["sets"][0]["reps"]) for e in events] == [("updated", 11)]


def test_a_deleted_workout_collapses_to_its_deletion_within_a_page(client, squat):
    workout = logged_workout(client.user, squat, sets=1)
    start = page(client)["cursor"]
    services.set_log(workout=workout, exercise_index=0, set_index=0, data={"reps": 2})
    services.workout_delete(workout=workout)
    deleted_at = Workout.objects.get(pk=workout.pk).deleted_at

    events = page(client, start)["events"]

    assert len(events) == 1
    assert events[0]["type"] == "deleted"
    assert events[0]["id"] == str(workout.public_id)
    assert events[0]["deleted_at"].replace("Z", "+00:00") == deleted_at.isoformat()


def test_the_recorded_document_is_the_one_sync_compares(squat):
    """`canonical` reads plain rows for speed; it must equal the document built from model rows."""
    owner = UserFactory()
    workout = logged_workout(owner, squat, sets=4)
    services.set_log(
        workout=workout, exercise_index=0, set_index=4, client_id=uuid.uuid4(), data={"reps": 3, "rpe": "8.5"}
    )
    workout = Workout.objects.get(pk=workout.pk)
    services.set_log(workout=workout, exercise_index=0, set_index=7, client_id=uuid.uuid4(), data={"reps": 1})
    workout = Workout.objects.get(pk=workout.pk)
    document = sync.canonical(workout)
    assert document == sync._document(workout, *sync._rows(workout))
    assert len(document["exercises"][0]["sets"]) == 8  # 6 logged, 2 planned placeholders in between
    assert WorkoutRevision.objects.get(workout=workout, version=workout.version).document == document
