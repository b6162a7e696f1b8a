"""The Workout sessions section of API.md: state machine, logging, records, sharing, ownership."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.friendships import friendship_block
from accounts.models import Friendship
from templates_app.models import WorkoutTemplate
from templates_app.services import template_create, template_stats
from tests.exercises.factories import ExerciseFactory
from workouts.models import PersonalRecord, Workout, WorkoutEvent, WorkoutExercise, WorkoutSet

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


def five_by_five(owner, exercise, days=1):
    document = {
        "name": "Five by five",
        "days_per_week": 3,
        "days": [
            {
                "name": f"Day {day}",
                "exercises": [
                    {
                        "exercise_id": exercise.public_id,
                        "progression": {"type": "linear", "increment_kg": 2.5},
                        "sets": [{"reps_min": 5, "reps_max": 5, "set_type": "working"}] * 2,
                    }
                ],
            }
            for day in range(days)
        ],
    }
    return template_create(owner=owner, document=document)


def past(hours_ago=3, minutes=50):
    start = timezone.now() - timedelta(hours=hours_ago)
    return {
        "status": "completed",
        "started_at": start.isoformat(),
        "completed_at": (start + timedelta(minutes=minutes)).isoformat(),
    }


def nothing_written(workouts=0):
    return (Workout.objects.count(), WorkoutExercise.objects.count(), WorkoutSet.objects.count()) == (
        workouts,
        0,
        0,
    )


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
    template = five_by_five(client.user, squat)
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


def stats_of(template):
    template.refresh_from_db()
    stats = template_stats(template=template)
    return stats["uses"], stats["completions"], stats["completion_rate"], stats["average_duration_seconds"]


def test_a_past_workout_from_a_program_counts_as_a_use_and_a_completion(
    client, squat, django_capture_on_commit_callbacks
):
    template = five_by_five(client.user, squat)
    with django_capture_on_commit_callbacks(execute=True):
        new_workout(client, [], template_id=str(template.public_id), **past(minutes=50))
    assert stats_of(template) == (1, 1, 1.0, 3000)


def test_a_planned_workout_synced_as_completed_counts_as_a_use_and_a_completion(
    client, squat, django_capture_on_commit_callbacks
):
    template = five_by_five(client.user, squat)
    planned = client.post(URL, {"template_id": str(template.public_id)}, format="json").json()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.put(
            f"{URL}/{planned['id']}", {"status": "completed", "base_version": 1}, format="json"
        )
    assert response.json()["status"] == "completed"
    assert stats_of(template)[:3] == (1, 1, 1.0)


def test_deleting_a_workout_takes_back_what_its_program_counted(
    client, squat, django_capture_on_commit_callbacks
):
    template = five_by_five(client.user, squat)
    body = {"template_id": str(template.public_id)}
    with django_capture_on_commit_callbacks(execute=True):
        finished = new_workout(client, [], **body, **past(minutes=40))
        other = new_workout(client, [], **body, **past(minutes=60))
        running = new_workout(client, [], **body)
        client.post(f"{URL}/{running['id']}/start")
        planned = new_workout(client, [], **body)
    assert stats_of(template) == (3, 2, 0.6667, 3000)
    with django_capture_on_commit_callbacks(execute=True):
        for workout in (finished, running, planned):
            assert client.delete(f"{URL}/{workout['id']}").status_code == 204
    assert stats_of(template) == (1, 1, 1.0, 3600)
    assert other["status"] == "completed"


def test_exercises_sent_with_a_program_day_come_after_the_days_own(client, squat):
    bench = ExerciseFactory(name="Bench")
    template = five_by_five(client.user, squat)
    response = client.post(
        URL,
        {
            "template_id": str(template.public_id),
            "template_day": 0,
            "exercises": [{"exercise_id": str(bench.public_id), "sets": [{"reps": 8, "weight_kg": 60}]}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    exercises = response.json()["exercises"]
    assert [(e["index"], e["exercise_name"], len(e["sets"])) for e in exercises] == [
        (0, "Squat", 2),
        (1, "Bench", 1),
    ]


def test_a_program_day_plus_exercises_beyond_fifty_is_400_and_nothing_is_written(client, squat):
    template = five_by_five(client.user, squat)
    body = {
        "template_id": str(template.public_id),
        "exercises": [{"exercise_id": str(squat.public_id)}] * 50,
    }
    response = client.post(URL, body, format="json")
    assert response.status_code == 400
    assert "exercises" in response.json()["error"]["fields"]
    assert nothing_written()


def test_a_day_the_program_does_not_have_is_400(client, squat):
    template = five_by_five(client.user, squat)
    response = client.post(URL, {"template_id": str(template.public_id), "template_day": 3}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["template_day"]
    assert nothing_written()


def test_replaying_the_client_id_of_a_deleted_workout_is_409_deleted(client, squat):
    client_id = str(uuid.uuid4())
    first = new_workout(client, [squat], client_id=client_id)
    client.delete(f"{URL}/{first['id']}")
    response = client.post(URL, {"client_id": client_id, "name": "Leg day"}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["id"]) == ("deleted", first["id"])
    assert error["deleted_at"]
    assert Workout.objects.count() == 1


def test_an_unknown_exercise_on_create_is_400_naming_it(client, squat):
    body = {"exercises": [{"exercise_id": str(squat.public_id)}, {"exercise_id": str(uuid.uuid4())}]}
    response = client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"exercises": {"1": {"exercise_id": ["No such exercise."]}}}
    assert nothing_written()


def test_a_set_client_id_given_twice_on_create_is_400(client, squat):
    twice = {"client_id": str(uuid.uuid4()), "reps": 5}
    body = {
        "exercises": [
            {"exercise_id": str(squat.public_id), "sets": [twice]},
            {"exercise_id": str(squat.public_id), "sets": [{"reps": 3}, twice]},
        ]
    }
    response = client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "exercises": {"1": {"sets": {"1": {"client_id": ["Each set needs its own client_id."]}}}}
    }
    assert nothing_written()


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


@pytest.mark.parametrize(
    ("times", "field"),
    [
        ({}, "started_at"),
        ({"started_at": -2}, "completed_at"),
        ({"completed_at": -2}, "started_at"),
        ({"started_at": -2, "completed_at": -3}, "completed_at"),
        ({"started_at": -2, "completed_at": -2}, "completed_at"),
        ({"started_at": -24 * 30, "completed_at": -1}, "completed_at"),
        ({"started_at": 1, "completed_at": 2}, "completed_at"),
    ],
)
def test_a_past_workout_needs_consistent_times(client, squat, times, field):
    now = timezone.now()
    body = {"status": "completed", "name": "x", "exercises": [{"exercise_id": str(squat.public_id)}]}
    body.update({key: (now + timedelta(hours=hours)).isoformat() for key, hours in times.items()})
    response = client.post(URL, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert nothing_written()


def test_a_past_workout_can_be_recorded_while_another_runs(client, squat):
    running = new_workout(client, [squat])["id"]
    client.post(f"{URL}/{running}/start")
    body = new_workout(client, [squat], **past())
    assert body["status"] == "completed"
    assert Workout.objects.get(public_id=running).status == "in_progress"


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


def test_a_set_beyond_the_end_with_a_client_id_fills_the_gap_with_planned_sets(client, squat):
    wid = new_workout(client, [squat])["id"]
    third = log(client, wid, 2, reps=3, client_id=str(uuid.uuid4()))
    assert third.status_code == 200, third.content
    sets = client.get(f"{URL}/{wid}").json()["exercises"][0]["sets"]
    assert [(s["index"], s["reps"], s["completed_at"] is not None) for s in sets] == [
        (0, 0, False),
        (1, 0, False),
        (2, 3, True),
    ]
    first_id = str(uuid.uuid4())
    first = log(client, wid, 0, reps=5, client_id=first_id).json()["set"]
    assert (first["index"], first["client_id"]) == (0, first_id)
    assert WorkoutSet.objects.count() == 3
    kinds = list(
        WorkoutEvent.objects.exclude(type="personal_record").order_by("seq").values_list("type", flat=True)
    )
    assert kinds == ["status_changed", "set_logged", "set_logged"]  # filling a planned set logs it


def test_a_set_index_past_the_limit_is_400(client, squat):
    wid = new_workout(client, [squat])["id"]
    response = log(client, wid, 50, client_id=str(uuid.uuid4()))
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["set_index"]
    assert not WorkoutSet.objects.exists()
    assert Workout.objects.get().status == "planned"


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


def test_a_set_client_id_another_exercise_has_is_400_on_exercise_put(client, squat):
    wid = new_workout(client, [squat, squat])["id"]
    taken = str(uuid.uuid4())
    log(client, wid, 0, client_id=taken)
    before = client.get(f"{URL}/{wid}").json()
    response = client.put(
        f"{URL}/{wid}/exercise/1", {"sets": [{"reps": 3}, {"client_id": taken, "reps": 4}]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "sets": {"1": {"client_id": ["Another set of this workout has this client_id."]}}
    }
    assert client.get(f"{URL}/{wid}").json() == before
    # The exercise's own sets may keep their client ids when its sets are replaced.
    again = client.put(f"{URL}/{wid}/exercise/0", {"sets": [{"client_id": taken, "reps": 6}]}, format="json")
    assert again.status_code == 200
    assert again.json()["exercises"][0]["sets"][0]["reps"] == 6


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/exercise/0", {"exercise_id": "not-a-uuid"}, "exercise_id"),
        ("/exercise/0", {"notes": "x" * 501}, "notes"),
        ("/exercise/0", {"sets": "three"}, "sets"),
        ("/exercise/0", {"sets": [{"reps": -1}]}, "sets"),
        ("/exercise/0", {"sets": [{"weight_kg": 1e9}]}, "sets"),
        ("/exercise/0", {"sets": [{"reps": 1}] * 51}, "sets"),
        ("/exercise/1", {"notes": "no exercise named"}, "exercise_id"),
        ("/exercise/60", {"exercise_id": None}, "exercise_id"),
        ("/exercise/60", {"notes": "far beyond"}, "exercise_index"),
        (
            "/exercise/0",
            {"sets": [{"client_id": "5c1f3b1e-0a7e-4f0e-9d0b-1f4b7e1c2d3a"}] * 2},
            "sets",
        ),
    ],
)
def test_bad_exercise_puts_are_400_and_nothing_is_written(client, squat, path, payload, field):
    wid = new_workout(client, [squat])["id"]
    before = client.get(f"{URL}/{wid}").json()
    response = client.put(f"{URL}/{wid}{path}", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert client.get(f"{URL}/{wid}").json() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "seconds"),
        ({"seconds": "soon"}, "seconds"),
        ({"seconds": 1}, "seconds"),
        ({"seconds": 10**20}, "seconds"),
        ({"seconds": 60, "exercise_index": -1}, "exercise_index"),
        ({"seconds": 60, "exercise_index": "first"}, "exercise_index"),
    ],
)
def test_bad_rest_timers_are_400_and_nothing_is_written(client, squat, payload, field):
    wid = new_workout(client, [squat])["id"]
    client.post(f"{URL}/{wid}/start")
    version = Workout.objects.get().version
    response = client.post(f"{URL}/{wid}/rest", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    workout = Workout.objects.get()
    assert (workout.rest_started_at, workout.rest_ends_at, workout.version) == (None, None, version)
    assert not WorkoutEvent.objects.filter(type="rest_started").exists()


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


def reported(response):
    assert response.status_code == 200, response.content
    return [(r["type"], r["value"], r["previous_value"]) for r in response.json()["personal_records"]]


def test_personal_records_with_a_known_history(client, squat):
    # History over two earlier workouts: best weight 100 kg, e1RM 116.67 (100 x 5), set volume 900
    # (60 x 15), 8 reps at 80 kg, best session volume 2000.
    for sets in ([(5, 100), (15, 60), (12, 50)], [(8, 80)]):
        new_workout(
            client,
            [],
            exercises=[
                {"exercise_id": str(squat.public_id), "sets": [{"reps": r, "weight_kg": w} for r, w in sets]}
            ],
            **past(hours_ago=30 - len(sets)),
        )
    wid = new_workout(client, [squat])["id"]

    heavier = log(client, wid, 0, reps=1, weight=110)
    assert reported(heavier) == [("max_weight", "110.00", "100.00")]
    more_reps = log(client, wid, 1, reps=9, weight=80)
    assert reported(more_reps) == [("max_reps", "9.00", "8.00")]
    e1rm = log(client, wid, 2, reps=8, weight=95)  # 95 x (1 + 8/30) = 120.33 > 116.67
    assert reported(e1rm) == [("e1rm", "120.33", "116.67")]
    assert reported(log(client, wid, 3, reps=5, weight=60)) == []
    assert WorkoutEvent.objects.filter(type="personal_record").count() == 3

    # Editing what does not change a record reports nothing and emits no record event.
    assert reported(log(client, wid, 0, reps=1, weight=110, rpe=9)) == []
    assert reported(log(client, wid, 1, reps=9, weight=80, set_type="working")) == []
    assert WorkoutEvent.objects.filter(type="personal_record").count() == 3

    # Editing the heavy set down removes its record and the old one stands again, unreported.
    assert reported(log(client, wid, 0, reps=1, weight=90)) == []
    heaviest = PersonalRecord.objects.get(type="max_weight", is_current=True)
    assert (heaviest.value, heaviest.set.reps, str(heaviest.workout.public_id) != wid) == (100, 5, True)
    # Back up again: a new record as a result of this call.
    assert reported(log(client, wid, 0, reps=1, weight=112.5)) == [("max_weight", "112.50", "100.00")]

    done = client.post(f"{URL}/{wid}/complete").json()
    assert sorted((r["type"], r["value"]) for r in done["personal_records"]) == [
        ("e1rm", "120.33"),
        ("max_reps", "9.00"),
        ("max_weight", "112.50"),
    ]


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


def test_sharing_is_a_numbered_live_event(client, squat):
    wid = new_workout(client, [squat])["id"]
    client.post(f"{URL}/{wid}/share", {"visibility": "public", "message": "PR day"}, format="json")
    event = WorkoutEvent.objects.get()
    assert (event.seq, event.type) == (1, "workout_shared")
    assert (event.data["visibility"], event.data["message"]) == ("public", "PR day")
    assert Workout.objects.get().last_seq == 1


@pytest.mark.parametrize("blocker", ["owner", "viewer"])
def test_the_shared_list_hides_workouts_across_a_block(auth_client, client, squat, blocker):
    viewer = auth_client()
    wid = new_workout(client, [squat])["id"]
    client.post(f"{URL}/{wid}/share", {"visibility": "public"}, format="json")
    assert [w["id"] for w in viewer.get(f"{URL}/shared").json()["results"]] == [wid]
    if blocker == "owner":
        friendship_block(user=client.user, other=viewer.user)
    else:
        friendship_block(user=viewer.user, other=client.user)
    assert viewer.get(f"{URL}/shared").json()["results"] == []


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
