"""The AI coach endpoints of API.md with the rules engine."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ai import coach
from ai.models import AICall
from exercises.models import Exercise
from templates_app import services as template_services
from templates_app.models import WorkoutTemplate
from templates_app.selectors import with_program
from templates_app.services import template_create
from workouts.models import Workout
from workouts.services import workout_create

pytestmark = pytest.mark.django_db

GYM = ["barbell", "dumbbell", "bench", "cable", "machine", "pull-up-bar"]
WORKOUT = {
    "goal": "hypertrophy",
    "duration_minutes": 60,
    "equipment": GYM,
    "focus": ["upper"],
    "experience_level": "intermediate",
    "injuries": [],
}
PROGRAM = {
    "goal": "strength",
    "days_per_week": 4,
    "session_minutes": 60,
    "equipment": GYM,
    "experience_level": "beginner",
    "weeks": 8,
}


def test_workout_generate_answers_a_plan_and_says_its_provider(auth_client, library):
    response = auth_client().post("/api/v1/ai/workout-generate", WORKOUT, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["provider"] == "rules"
    assert body["fallback_reason"] is None
    assert body["exercises"]
    assert body["rationale"]
    assert body["warnings"]
    assert "workout_id" not in body
    assert not Workout.objects.exists()


def test_workout_generate_with_save_creates_a_planned_workout(auth_client, library):
    client = auth_client()
    response = client.post("/api/v1/ai/workout-generate/", {**WORKOUT, "save": True}, format="json")
    assert response.status_code == 201
    workout = Workout.objects.get(public_id=response.json()["workout_id"])
    assert workout.owner == client.user
    assert workout.status == "planned"
    planned = [str(e.exercise.public_id) for e in workout.exercises.order_by("index")]
    assert planned == [e["exercise_id"] for e in response.json()["exercises"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"goal": "be huge"}, "goal"),
        ({"experience_level": "guru"}, "experience_level"),
        ({"equipment": "barbell"}, "equipment"),
        ({"injuries": ["x" * 200]}, "injuries[0]"),
    ],
)
def test_bad_workout_input_is_a_400_in_the_envelope(auth_client, body, field):
    response = auth_client().post("/api/v1/ai/workout-generate", {**WORKOUT, **body}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["fields"]
    assert not AICall.objects.exists()


def test_the_endpoints_need_a_token(api_client):
    assert api_client.post("/api/v1/ai/workout-generate", WORKOUT, format="json").status_code == 401


def test_exercise_suggest_ranks_alternatives_with_reasons(auth_client, library):
    bench = Exercise.objects.get(slug="barbell-bench-press")
    response = auth_client().post(
        "/api/v1/ai/exercise-suggest",
        {"exercise_id": str(bench.public_id), "equipment": GYM, "reason": "plateau"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    alternatives = body["alternatives"]
    assert alternatives
    assert body["provider"] == "rules"
    assert str(bench.public_id) not in {a["exercise_id"] for a in alternatives}
    assert all("chest" in a["muscle_groups"] for a in alternatives[:3])
    assert [a["score"] for a in alternatives] == sorted((a["score"] for a in alternatives), reverse=True)
    assert all(a["reasons"] for a in alternatives)


def test_exercise_suggest_without_equipment_offers_bodyweight_moves(auth_client, library):
    response = auth_client().post(
        "/api/v1/ai/exercise-suggest",
        {"exercise_id": "barbell-bench-press", "reason": "no_equipment"},
        format="json",
    )
    assert response.status_code == 200
    assert {e for a in response.json()["alternatives"] for e in a["equipment"]} <= {"bodyweight"}
    assert "push-up" in {a["slug"] for a in response.json()["alternatives"]}


def test_exercise_suggest_for_pain_avoids_the_originals_contraindications(auth_client, library):
    bench = Exercise.objects.get(slug="barbell-bench-press")
    response = auth_client().post(
        "/api/v1/ai/exercise-suggest",
        {"exercise_id": "barbell-bench-press", "equipment": GYM, "reason": "pain"},
        format="json",
    )
    slugs = [a["slug"] for a in response.json()["alternatives"]]
    assert slugs
    for exercise in Exercise.objects.filter(slug__in=slugs):
        assert not set(exercise.contraindications) & set(bench.contraindications)


def test_exercise_suggest_input_errors(auth_client, library):
    client = auth_client()
    assert client.post("/api/v1/ai/exercise-suggest", {"reason": "pain"}, format="json").status_code == 400
    assert (
        client.post(
            "/api/v1/ai/exercise-suggest", {"muscle": "chest", "reason": "bored"}, format="json"
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/api/v1/ai/exercise-suggest", {"muscle": "wings", "reason": "variety"}, format="json"
        ).status_code
        == 400
    )
    missing = client.post(
        "/api/v1/ai/exercise-suggest", {"exercise_id": "no-such-lift", "reason": "pain"}, format="json"
    )
    assert missing.status_code == 404


def test_goal_optimize_by_goal_id_and_only_your_own(auth_client, library):
    from accounts.models import BodyMetric
    from progress.goals import goal_create

    client = auth_client()
    BodyMetric.objects.create(user=client.user, kind="weight", value=Decimal(80), measured_at=timezone.now())
    goal = goal_create(
        user=client.user,
        type="body_weight",
        title="Cut",
        target_value=Decimal(70),
        deadline=timezone.localdate() + timedelta(weeks=4),
    )
    response = client.post("/api/v1/ai/goal-optimize", {"goal_id": str(goal.public_id)}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["realistic"] is False
    assert body["safer_target"]
    assert body["safer_deadline"]
    assert body["warnings"]
    assert body["weekly_rate"]["safe"] == 0.8
    assert body["provider"] == "rules"
    other = auth_client().post("/api/v1/ai/goal-optimize", {"goal_id": str(goal.public_id)}, format="json")
    assert other.status_code == 404
    assert client.post("/api/v1/ai/goal-optimize", {"target_value": 70}, format="json").status_code == 400


def test_program_generate_creates_a_private_ai_program(auth_client, library):
    client = auth_client()
    response = client.post("/api/v1/templates/ai-generate", PROGRAM, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["source"] == "ai"
    assert body["provider"] == "rules"
    assert body["rationale"]
    template = WorkoutTemplate.objects.get(public_id=body["id"])
    assert template.owner == client.user
    assert template.visibility == "private"
    assert template.days.count() == 4
    assert template.duration_weeks == 8
    assert body["rationale"][0] in template.description
    detail = client.get(f"/api/v1/templates/{template.public_id}")
    assert detail.status_code == 200
    # The program resource as GET /templates/:id shows it, with the coach's fields alongside.
    coach_fields = {"provider", "fallback_reason", "rationale", "warnings", "weekly_sets_per_group"}
    assert {k: v for k, v in body.items() if k not in coach_fields} == detail.json()
    assert detail.json()["source"] == "ai"
    assert template.source == "ai"
    assert body["fallback_reason"] is None
    assert body["warnings"]


def test_program_generate_refuses_seven_days(auth_client):
    response = auth_client().post(
        "/api/v1/templates/ai-generate", {**PROGRAM, "days_per_week": 7}, format="json"
    )
    assert response.status_code == 400
    assert "days_per_week" in response.json()["error"]["fields"]


def _program_with_history(user, reps: list[list[int]], weight: str = "100"):
    squat = Exercise.objects.get(slug="barbell-back-squat")
    document = {
        "name": "Squat focus",
        "goal": "strength",
        "difficulty": "intermediate",
        "visibility": "private",
        "days_per_week": 1,
        "duration_weeks": 8,
        "tags": [],
        "days": [
            {
                "name": "A",
                "exercises": [
                    {
                        "exercise_id": squat.public_id,
                        "rest_seconds": 180,
                        "sets": [{"set_type": "working", "reps_min": 3, "reps_max": 5} for _ in range(3)],
                    }
                ],
            }
        ],
    }
    template = template_create(owner=user, document=document)
    now = timezone.now()
    for age, session in enumerate(reversed(reps)):
        started = now - timedelta(days=2 * (len(reps) - age), hours=1)
        workout_create(
            owner=user,
            status="completed",
            started_at=started,
            completed_at=started + timedelta(minutes=45),
            exercises=[
                {
                    "exercise_id": squat.public_id,
                    "sets": [
                        {"set_type": "working", "reps": r, "weight_kg": Decimal(weight)} for r in session
                    ],
                }
            ],
        )
    return template, squat


def test_program_optimize_progresses_when_every_rep_was_hit_and_applies_it(auth_client, library):
    client = auth_client()
    template, _ = _program_with_history(client.user, [[5, 5, 5]])
    url = f"/api/v1/templates/{template.public_id}/ai-optimize"
    diff = client.post(url, {}, format="json")
    assert diff.status_code == 200
    change = diff.json()["changes"][0]
    assert (change["type"], change["field"], change["from"], change["to"]) == (
        "progress",
        "weight_kg",
        100,
        105,
    )
    assert diff.json()["applied"] is False
    template.refresh_from_db()
    assert template.version == 1
    applied = client.post(url, {"apply": True}, format="json")
    assert applied.status_code == 200
    assert applied.json()["applied"] is True
    template.refresh_from_db()
    assert template.version == 2 == applied.json()["version"]
    sets = template.days.get().exercises.get().sets.all()
    assert {s.weight_kg for s in sets} == {Decimal("105.00")}


def test_program_optimize_deloads_after_three_stalled_sessions(auth_client, library):
    client = auth_client()
    template, _ = _program_with_history(client.user, [[4, 4, 3], [4, 4, 3], [4, 3, 3]])
    change = client.post(f"/api/v1/templates/{template.public_id}/ai-optimize", {}, format="json").json()[
        "changes"
    ][0]
    assert (change["type"], change["to"]) == ("deload", 90)


def test_program_optimize_is_owner_only(auth_client, library):
    owner = auth_client()
    template, _ = _program_with_history(owner.user, [[5, 5, 5]])
    WorkoutTemplate.objects.filter(pk=template.pk).update(visibility="public")
    other = auth_client().post(
        f"/api/v1/templates/{template.public_id}/ai-optimize", {"apply": True}, format="json"
    )
    assert other.status_code == 404
    assert (
        auth_client().post("/api/v1/templates/not-a-uuid/ai-optimize", {}, format="json").status_code == 404
    )


# --- Review fixes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "target"),
    [
        ("workout_frequency", 10_000_000),
        ("workout_frequency", -10_000_000),
        ("workout_frequency", 15),
        ("body_weight", 10),
        ("body_fat", 80),
        ("volume", -5),
    ],
)
def test_goal_optimize_refuses_targets_outside_the_goal_types_bounds(auth_client, type_, target):
    response = auth_client().post(
        "/api/v1/ai/goal-optimize", {"type": type_, "target_value": target}, format="json"
    )
    assert response.status_code == 400
    assert "target_value" in response.json()["error"]["fields"]


def test_a_projection_beyond_twenty_years_is_null_with_a_warning(user, library):
    from ai.providers.rules import goal_assessment

    ctx = coach.coach_context(user=user)
    facts = {
        "type": "volume",
        "target_value": 10_000_000,
        "current_value": 1.0,
        "trend_per_week": 1e-9,
        "deadline": None,
        "today": ctx.today,
    }
    answer = goal_assessment(ctx=ctx, facts=facts)
    assert answer["projected_date"] is None
    assert any("20 years" in w for w in answer["warnings"])
    lift = goal_assessment(
        ctx=ctx, facts={**facts, "type": "lift_1rm", "target_value": 1000, "trend_per_week": None}
    )
    assert lift["projected_date"] is None
    assert lift["safer_deadline"] is None


def test_a_workout_frequency_goal_at_its_bound_answers(auth_client, library):
    response = auth_client().post(
        "/api/v1/ai/goal-optimize", {"type": "workout_frequency", "target_value": 14}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["warnings"]


def test_exercise_suggest_ranks_are_contiguous_after_filtering(auth_client, library, monkeypatch):
    from ai.providers.rules import RulesProvider

    ranked = RulesProvider.exercise_suggestions

    def with_an_unsafe_second(self, *, ctx, request):
        result = ranked(self, ctx=ctx, request=request)
        unsafe = next(i for i in ctx.library if i.contraindications and "shoulder" in i.contraindications[0])
        row = {"exercise_id": str(unsafe.public_id), "score": 1.0, "reasons": ["x"]}
        result.data["alternatives"].insert(1, row)
        return result

    monkeypatch.setattr(RulesProvider, "exercise_suggestions", with_an_unsafe_second)
    response = auth_client().post(
        "/api/v1/ai/exercise-suggest",
        {"muscle": "chest", "equipment": GYM, "reason": "variety", "injuries": ["shoulder"]},
        format="json",
    )
    ranks = [a["rank"] for a in response.json()["alternatives"]]
    assert len(ranks) >= 2
    assert ranks == list(range(len(ranks)))


def _push_program(user):
    bench = Exercise.objects.get(slug="barbell-bench-press")
    press = Exercise.objects.get(slug="overhead-press")
    return template_create(
        owner=user,
        document={
            "name": "Push",
            "goal": "strength",
            "difficulty": "intermediate",
            "visibility": "private",
            "days_per_week": 1,
            "duration_weeks": 8,
            "tags": [],
            "days": [
                {
                    "name": "A",
                    "exercises": [
                        {
                            "exercise_id": e.public_id,
                            "rest_seconds": 120,
                            "sets": [{"set_type": "working", "reps_min": 5, "reps_max": 8} for _ in range(4)],
                        }
                        for e in (bench, press)
                    ],
                }
            ],
        },
    )


def test_program_optimize_never_adds_an_exercise_contraindicated_by_the_users_injuries(auth_client, library):
    # The exercise the balance rule adds first for pulling, made contraindicated for shoulders.
    first_pull = Exercise.objects.get(slug="assisted-pull-up-machine")
    Exercise.objects.filter(pk=first_pull.pk).update(contraindications=["shoulder impingement"])
    client = auth_client()
    template = _push_program(client.user)
    url = f"/api/v1/templates/{template.public_id}/ai-optimize"
    body = client.post(url, {"apply": True, "injuries": ["rotator cuff"]}, format="json").json()
    added = [c for c in body["changes"] if c["type"] == "add_exercise"]
    assert added
    assert body["applied"] is True
    for change in added:
        exercise = Exercise.objects.get(public_id=change["exercise_id"])
        assert not any("shoulder" in c for c in exercise.contraindications)
    template.refresh_from_db()
    assert not template.days.get().exercises.filter(exercise=first_pull).exists()


def test_program_optimize_runs_the_edited_program_through_the_validator_before_applying(
    auth_client, library, monkeypatch
):
    from ai.providers.rules import program_changes

    unsafe = next(e for e in Exercise.objects.approved() if "shoulder impingement" in e.contraindications)

    def adds_an_unsafe_exercise(*, ctx, days, history):
        changes, rationale = program_changes(ctx=ctx, days=days, history=history)
        change = {
            "day_index": 0,
            "exercise_index": len(days[0]),
            "exercise_id": str(unsafe.public_id),
            "exercise_name": unsafe.name,
            "type": "add_exercise",
            "field": "exercise",
            "from": None,
            "to": 3,
            "reason": "x",
        }
        return [*changes, change], rationale

    monkeypatch.setattr(coach, "program_changes", adds_an_unsafe_exercise)
    client = auth_client()
    template = _push_program(client.user)
    url = f"/api/v1/templates/{template.public_id}/ai-optimize"
    body = client.post(url, {"apply": True, "injuries": ["shoulder"]}, format="json").json()
    assert body["applied"] is False
    assert any("contraindicated" in w for w in body["warnings"])
    template.refresh_from_db()
    assert template.version == 1


def test_program_optimize_applies_progress_to_a_program_already_over_the_cap(auth_client, library):
    from accounts.models import Profile

    client = auth_client()
    Profile.objects.update_or_create(user=client.user, defaults={"fitness_level": "beginner"})
    template, _ = _program_with_history(client.user, [[5, 5, 5]])
    document = template_services.program_document(
        with_program(WorkoutTemplate.objects.filter(pk=template.pk)).get()
    )
    document["difficulty"] = "beginner"
    squat_row = document["days"][0]["exercises"][0]
    squat_row["sets"] = [{"set_type": "warmup", "reps_min": 5, "reps_max": 5}] * 3 + squat_row["sets"]
    for slug in ("leg-press", "hack-squat", "goblet-squat"):
        document["days"][0]["exercises"].append(
            {
                "exercise_id": Exercise.objects.get(slug=slug).public_id,
                "rest_seconds": 120,
                "sets": [{"set_type": "working", "reps_min": 8, "reps_max": 12} for _ in range(4)],
            }
        )
    template = template_services.template_replace(
        template=template, user=client.user, document=document, version=template.version
    )
    # 15 working leg sets a week: over the beginner cap of 12 before the coach changes anything.
    url = f"/api/v1/templates/{template.public_id}/ai-optimize"
    body = client.post(url, {"apply": True}, format="json").json()
    assert body["experience_level"] == "beginner"
    assert [c["type"] for c in body["changes"]] == ["progress"]
    assert body["applied"] is True, body["warnings"]
