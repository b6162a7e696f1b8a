"""The rules engine: plans built from the library by training principles, deterministic."""

import pytest

from ai import coach
from ai.safety import CAPS
from exercises.models import Exercise

pytestmark = pytest.mark.django_db

GYM = ["barbell", "dumbbell", "bench", "cable", "machine", "pull-up-bar", "ez-bar"]


def generate(user, **overrides):
    fields = {
        "goal": "hypertrophy",
        "duration_minutes": 60,
        "equipment": GYM,
        "focus": [],
        "experience_level": "intermediate",
        "injuries": [],
    } | overrides
    answer, _ = coach.workout_generate(user=user, **fields)
    return answer


def test_a_workout_uses_only_library_exercises_with_sets_reps_and_rest(user, library):
    answer = generate(user)
    assert answer["provider"] == "rules"
    assert answer["fallback_reason"] is None
    assert answer["exercises"]
    ids = {row["exercise_id"] for row in answer["exercises"]}
    assert len(ids) == Exercise.objects.approved().filter(public_id__in=ids).count()
    for row in answer["exercises"]:
        assert row["sets"] >= 1
        assert 1 <= row["reps_min"] <= row["reps_max"]
        assert 30 <= row["rest_seconds"] <= 300
    assert answer["rationale"]


def test_compound_lifts_come_before_isolation(user, library):
    mechanics = [row["mechanics"] for row in generate(user, focus=["chest", "back"])["exercises"]]
    assert "isolation" in mechanics
    assert "compound" in mechanics
    assert mechanics == sorted(mechanics)  # "compound" < "isolation"


def test_the_same_input_and_data_give_the_same_workout(user, library):
    from django.core.cache import cache

    first = generate(user)
    cache.clear()
    assert generate(user) == first


def test_rep_ranges_follow_the_goal(user, library):
    strength = generate(user, goal="strength")["exercises"][0]
    endurance = generate(user, goal="endurance")["exercises"][0]
    assert strength["reps_max"] <= 6
    assert strength["rest_seconds"] >= 180
    assert endurance["reps_min"] >= 12


def test_the_workout_fits_its_duration(user, library):
    answer = generate(user, duration_minutes=30)
    assert answer["estimated_minutes"] <= 30 * 1.1 + 2


def test_bodyweight_only_uses_no_equipment(user, library):
    answer = generate(user, equipment=[])
    assert answer["exercises"]
    used = Exercise.objects.filter(public_id__in=[r["exercise_id"] for r in answer["exercises"]])
    assert {slug for e in used for slug in e.equipment.values_list("slug", flat=True)} <= {"bodyweight"}


def test_a_recovering_muscle_group_is_left_out_unless_asked_for(user, library):
    from django.utils import timezone

    from progress.models import MuscleDaySummary

    MuscleDaySummary.objects.create(user=user, day=timezone.localdate(), muscle_group="chest", sets=12)
    answer = generate(user)
    assert "chest" not in answer["sets_per_group"]
    assert any("recovering" in line for line in answer["rationale"])
    asked = generate(user, focus=["chest"])
    assert asked["sets_per_group"].get("chest")
    assert any("72 hours" in w for w in asked["warnings"])


def test_a_beginners_generated_week_stays_within_the_beginner_volume_caps(user, library):
    caps = CAPS["beginner"]
    for days in range(1, 7):
        answer, _ = coach.program_generate(
            user=user,
            goal="hypertrophy",
            days_per_week=days,
            session_minutes=90,
            equipment=GYM,
            experience_level="beginner",
            weeks=8,
        )
        assert answer["weekly_sets_per_group"]
        assert max(answer["weekly_sets_per_group"].values()) <= caps.weekly_cap
        for day in answer["days"]:
            assert sum(row["sets"] for row in day["exercises"]) <= caps.session_cap
            assert all(
                row["reps_min"] >= caps.min_reps and row["rpe"] <= caps.rpe_cap for row in day["exercises"]
            )


def test_a_three_day_program_trains_every_group_within_the_weekly_range(user, library):
    answer, _ = coach.program_generate(
        user=user,
        goal="hypertrophy",
        days_per_week=3,
        session_minutes=75,
        equipment=GYM,
        experience_level="intermediate",
        weeks=8,
    )
    weekly = answer["weekly_sets_per_group"]
    assert set(weekly) >= {"legs", "chest", "back", "shoulders", "arms"}
    assert all(sets <= CAPS["intermediate"].weekly_cap for sets in weekly.values())


def test_an_aggressive_weight_loss_goal_is_flagged_with_a_safer_target(user, library):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from accounts.models import BodyMetric

    BodyMetric.objects.create(user=user, kind="weight", value=Decimal(100), measured_at=timezone.now())
    deadline = timezone.localdate() + timedelta(weeks=4)
    answer = coach.goal_optimize(user=user, type="body_weight", target_value=Decimal(85), deadline=deadline)
    assert answer["realistic"] is False
    assert answer["weekly_rate"]["safe"] == 1.0  # 1 % of 100 kg a week
    assert answer["safer_target"] == pytest.approx(96.0, abs=0.2)
    assert answer["safer_deadline"] > deadline
    assert any("1 %" in w for w in answer["warnings"])
    gentle = coach.goal_optimize(user=user, type="body_weight", target_value=Decimal(97), deadline=deadline)
    assert gentle["realistic"] is True
    assert gentle["safer_target"] is None
    assert gentle["milestones"] == [] or gentle["milestones"][0]["target_value"] < 100
