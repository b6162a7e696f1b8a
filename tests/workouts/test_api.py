"""The Workout sessions section of API.md: state machine, logging, records, sharing, ownership."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Friendship
from templates_app.models import WorkoutTemplate
from templates_app.services import template_create
from tests.exercises.factories import ExerciseFactory
from workouts.models import PersonalRecord, Workout, WorkoutEvent, WorkoutSet

pytestmark = pytest.mark.django_db
URL = "/api/v1/workouts"


@pytest.fixture
def squat():
    return ExerciseFactory(name="Squat", muscles=["quadriceps"], gear=["barbell"])


@pytest.fixture
def client(auth_client):
    return auth_client()


def new_workout(client, chosen, **extra):
    body = {"name": "Leg day", "exercises": [{"exercise_id": str(e.public_id)} for e in chosen], **extra}
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def log(client, workout_id, set_index, reps=5, weight=100, exercise_index=0, **extra):
    return client.put(
        f"{URL}/{workout_id}/set/{set_index}",
        {"exercise_index": exercise_index, "reps": reps, "weight_kg": weight, **extra},
        format="json",
    )


# --- creation -------------------------------------------------------------------------------------


def test_create_a_planned_workout(client, squat):
    body = new_workout(client, [squat])
    assert (body["status"], body["version"], body["exercises"][0]["exercise_name"]) == ("planned", 1, "Squat")


def test_same_client_id_returns_the_existing_workout(client, squat):
    client_id = str(uuid.uuid4())
    first = new_workout(client, [squat], client_id=client_id)
    again = client.post(URL, {"client_id": client_id, "name": "Other"}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert Workout.objects.count() == 1


def test_prefill_from_a_program_day_applies_the_progression(
    client, squat, django_capture_on_commit_callbacks
):
    document = {
        "name": "Five by five",
        "days_per_week": 3,
        "days": [
            {
                "name": "A",
                "exercises": [
                    {
                        "exercise_id": squat.public_id,
                        "progression": {"type": "linear", "increment_kg": 2.5},
                        "sets": [{"reps_min": 5, "reps_max": 5, "set_type": "working"}] * 2,
                    }
                ],
            }
        ],
    }
    template = template_create(owner=client.user, document=document)
    capture = django_capture_on_commit_callbacks
    first = client.post(
        URL, {"template_id": str(template.public_id), "template_day": 0}, format="json"
    ).json()
    assert [s["reps"] for s in first["exercises"][0]["sets"]] == [5, 5]
    with capture(execute=True):
        for index in range(2):
            log(client, first["id"], index, reps=5, weight=100)
        client.post(f"{URL}/{first['id']}/complete")
    second = client.post(
        URL, {"template_id": str(template.public_id), "template_day": 0}, format="json"
    ).json()
    assert [s["weight_kg"] for s in second["exercises"][0]["sets"]] == [102.5, 102.5]
    assert second["template_id"] == str(template.public_id)
    assert WorkoutTemplate.objects.get().use_count == 1
    assert WorkoutTemplate.objects.get().completion_count == 1


def test_record_a_past_workout_in_one_call(client, squat):
    start = timezone.now() - timedelta(hours=3)
    body = new_workout(
        client,
        [],
        status="completed",
        started_at=start.isoformat(),
        completed_at=(start + timedelta(minutes=50)).isoformat(),
        exercises=[{"exercise_id": str(squat.public_id), "sets": [{"reps": 5, "weight_kg": 100}] * 3}],
    )
    assert body["status"] == "completed"
    assert body["totals"] == {"volume_kg": 1500.0, "sets": 3, "reps": 15}
    assert body["active_seconds"] == 3000


def test_a_past_workout_needs_consistent_times(client, squat):
    response = client.post(URL, {"status": "completed", "name": "x"}, format="json")
    assert response.status_code == 409
    assert not Workout.objects.exists()


# --- state machine --------------------------------------------------------------------------------


def test_the_state_machine(client, squat):
    body = new_workout(client, [squat])
    wid = body["id"]
    assert client.post(f"{URL}/{wid}/pause").status_code == 409
    assert client.post(f"{URL}/{wid}/complete").status_code == 409
    assert client.post(f"{URL}/{wid}/start").json()["status"] == "in_progress"
    assert client.post(f"{URL}/{wid}/start").status_code == 409
    assert client.post(f"{URL}/{wid}/pause").json()["status"] == "paused"
    assert client.post(f"{URL}/{wid}/resume").json()["status"] == "in_progress"
    done = client.post(f"{URL}/{wid}/complete", {"notes": "Good"}, format="json").json()
    assert (done["status"], done["notes"]) == ("completed", "Good")
    error = client.post(f"{URL}/{wid}/resume").json()["error"]
    assert error["code"] == "illegal_transition"


def test_complete_is_allowed_from_paused(client, squat):
    wid = new_workout(client, [squat])["id"]
    client.post(f"{URL}/{wid}/start")
    client.post(f"{URL}/{wid}/pause")
    assert client.post(f"{URL}/{wid}/complete").json()["status"] == "completed"


def test_one_running_workout_at_a_time(client, squat):
    first, second = new_workout(client, [squat])["id"], new_workout(client, [squat])["id"]
    client.post(f"{URL}/{first}/start")
    response = client.post(f"{URL}/{second}/start")
    assert response.status_code == 409
    assert response.json()["error"]["active_workout_id"] == first
    assert log(client, second, 0).status_code == 409


def test_active_time_excludes_pauses(client, squat, monkeypatch):
    wid = new_workout(client, [squat])["id"]
    start = timezone.now()
    clock = [start]
    monkeypatch.setattr(timezone, "now", lambda: clock[0])
    for action, at in (("start", 0), ("pause", 600), ("resume", 1800), ("complete", 2400)):
        clock[0] = start + timedelta(seconds=at)
        response = client.post(f"{URL}/{wid}/{action}")
        assert response.status_code == 200, response.content
    assert response.json()["active_seconds"] == 600 + 600


# --- logging --------------------------------------------------------------------------------------


def test_logging_a_set_starts_a_planned_workout_and_appends(client, squat):
    wid = new_workout(client, [squat])["id"]
    response = log(client, wid, 0, rpe=8)
    assert response.status_code == 200
    assert response.json()["set"]["reps"] == 5
    assert Workout.objects.get().status == "in_progress"
    assert log(client, wid, 2).status_code == 409  # no gaps
    assert log(client, wid, 0, reps=6).json()["set"]["reps"] == 6  # update in place
    assert WorkoutSet.objects.count() == 1


def test_retrying_with_the_same_client_id_logs_once(client, squat):
    wid = new_workout(client, [squat])["id"]
    client_id = str(uuid.uuid4())
    first = log(client, wid, 0, client_id=client_id).json()
    again = log(client, wid, 1, client_id=client_id).json()
    assert first["set"]["id"] == again["set"]["id"]
    assert WorkoutSet.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"reps": -1}, "reps"),
        ({"weight_kg": 5000}, "weight_kg"),
        ({"rpe": 11}, "rpe"),
        ({"set_type": "giant"}, "set_type"),
        ({"exercise_index": None}, "exercise_index"),
    ],
)
def test_bad_sets_are_400_and_nothing_is_written(client, squat, payload, field):
    wid = new_workout(client, [squat])["id"]
    body = {"exercise_index": 0, "reps": 5, "weight_kg": 100, **payload}
    response = client.put(f"{URL}/{wid}/set/0", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not WorkoutSet.objects.exists()
    assert Workout.objects.get().status == "planned"


def test_unknown_exercise_index_is_404(client, squat):
    wid = new_workout(client, [squat])["id"]
    assert log(client, wid, 0, exercise_index=3).status_code == 404


def test_exercise_swap_and_append(client, squat):
    bench = ExerciseFactory(name="Bench")
    wid = new_workout(client, [squat])["id"]
    swapped = client.put(
        f"{URL}/{wid}/exercise/0", {"exercise_id": str(bench.public_id)}, format="json"
    ).json()
    assert swapped["exercises"][0]["exercise_name"] == "Bench"
    added = client.put(
        f"{URL}/{wid}/exercise/1", {"exercise_id": str(squat.public_id), "sets": [{"reps": 3}]}, format="json"
    ).json()
    assert [e["exercise_name"] for e in added["exercises"]] == ["Bench", "Squat"]
    assert (
        client.put(
            f"{URL}/{wid}/exercise/5", {"exercise_id": str(squat.public_id)}, format="json"
        ).status_code
        == 409
    )


def test_rest_timer_is_stamped_by_the_server(client, squat):
    wid = new_workout(client, [squat])["id"]
    assert client.post(f"{URL}/{wid}/rest", {"seconds": 90}, format="json").status_code == 409
    client.post(f"{URL}/{wid}/start")
    body = client.post(f"{URL}/{wid}/rest", {"seconds": 90}, format="json").json()
    started, ends = (
        timezone.datetime.fromisoformat(body[k].replace("Z", "+00:00")) for k in ("started_at", "ends_at")
    )
    assert ends - started == timedelta(seconds=90)
    assert WorkoutEvent.objects.filter(type="rest_started").exists()


# --- personal records -----------------------------------------------------------------------------


def test_personal_records_with_a_known_history(client, squat):
    wid = new_workout(client, [squat])["id"]
    assert log(client, wid, 0, reps=5, weight=100).json()["personal_records"] == []  # baseline
    heavier = {r["type"] for r in log(client, wid, 1, reps=3, weight=110).json()["personal_records"]}
    assert "max_weight" in heavier
    more_reps = {r["type"] for r in log(client, wid, 2, reps=8, weight=100).json()["personal_records"]}
    assert "max_reps" in more_reps
    assert "e1rm" in more_reps  # 100 x (1 + 8/30) = 126.67 > 110 x 1.1 = 121
    repeat = log(client, wid, 3, reps=8, weight=100).json()["personal_records"]
    assert {r["type"] for r in repeat} <= {"session_volume"}
    current = PersonalRecord.objects.get(type="max_weight", is_current=True)
    assert (current.value, current.previous_value) == (110, 100)


def test_editing_a_set_down_removes_its_record_and_restores_the_previous(client, squat):
    wid = new_workout(client, [squat])["id"]
    log(client, wid, 0, reps=5, weight=100)
    log(client, wid, 1, reps=3, weight=110)
    log(client, wid, 1, reps=3, weight=90)
    current = PersonalRecord.objects.get(type="max_weight", is_current=True)
    assert current.value == 100


def test_a_pr_is_pushed_as_its_own_event_after_the_set(client, squat):
    wid = new_workout(client, [squat])["id"]
    log(client, wid, 0, reps=5, weight=100)
    log(client, wid, 1, reps=5, weight=120)
    types = list(WorkoutEvent.objects.order_by("seq").values_list("seq", "type"))
    seqs = [seq for seq, _ in types]
    assert seqs == list(range(1, len(seqs) + 1))
    kinds = [kind for _, kind in types]
    assert kinds[:3] == ["status_changed", "set_logged", "set_logged"]
    assert "personal_record" in kinds[3:]


# --- ownership, sharing, deletion, reads ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("delete", ""),
        ("post", "/start"),
        ("put", "/set/0"),
        ("put", "/exercise/0"),
        ("post", "/rest"),
        ("post", "/share"),
    ],
)
def test_someone_elses_workout_is_404_and_unchanged(auth_client, client, squat, method, path):
    wid = new_workout(client, [squat])["id"]
    response = getattr(auth_client(), method)(
        f"{URL}/{wid}{path}", {"exercise_index": 0, "reps": 1}, format="json"
    )
    assert response.status_code == 404
    workout = Workout.objects.get()
    assert (workout.status, workout.version, workout.deleted_at) == ("planned", 1, None)


def test_share_with_friends_and_the_shared_list(auth_client, client, squat):
    friend, stranger = auth_client(), auth_client()
    low, high = sorted([client.user, friend.user], key=lambda u: u.pk)
    Friendship.objects.create(user_low=low, user_high=high, status="accepted", requested_by=low)
    wid = new_workout(client, [squat])["id"]
    response = client.post(
        f"{URL}/{wid}/share", {"visibility": "friends", "message": "PR day"}, format="json"
    )
    assert response.status_code == 201
    assert [w["id"] for w in friend.get(f"{URL}/shared").json()["results"]] == [wid]
    assert stranger.get(f"{URL}/shared").json()["results"] == []
    assert client.post(f"{URL}/{wid}/share", {"visibility": "private"}, format="json").status_code == 400


def test_delete_is_a_tombstone(client, squat):
    wid = new_workout(client, [squat])["id"]
    assert client.delete(f"{URL}/{wid}").status_code == 204
    assert client.get(f"{URL}/{wid}").status_code == 404
    assert Workout.objects.get().deleted_at is not None


def test_list_filters_and_cursor(client, squat):
    ids = [new_workout(client, [squat])["id"] for _ in range(3)]
    client.post(f"{URL}/{ids[0]}/start")
    assert [w["id"] for w in client.get(URL, {"status": "in_progress"}).json()["results"]] == [ids[0]]
    page = client.get(URL, {"page_size": 2}).json()
    assert len(page["results"]) == 2
    assert len(client.get(page["next"]).json()["results"]) == 1
    assert client.get(URL, {"status": "dancing"}).status_code == 400


@pytest.mark.parametrize(("exercises", "sets"), [(1, 1), (10, 5)])
def test_detail_query_count_is_fixed(client, django_assert_num_queries, exercises, sets):
    chosen = [ExerciseFactory() for _ in range(exercises)]
    body = new_workout(
        client,
        [],
        exercises=[{"exercise_id": str(e.public_id), "sets": [{"reps": 5}] * sets} for e in chosen],
    )
    # user, ownership check, workout with template, exercises with their exercise, sets, records
    with django_assert_num_queries(6):
        assert client.get(f"{URL}/{body['id']}").status_code == 200


def test_anonymous_is_401(api_client):
    assert api_client.get(URL).status_code == 401
