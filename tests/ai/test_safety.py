"""The safety validator every provider's plan passes."""

import pytest

from ai import coach, safety
from exercises.models import Exercise

pytestmark = pytest.mark.django_db


def context(user, **overrides):
    fields = {"experience": "beginner", "goal": "hypertrophy", "injuries": [], "equipment": None} | overrides
    return coach.coach_context(user=user, **fields)


def row(exercise, **overrides):
    return {
        "exercise_id": str(exercise.public_id),
        "sets": 3,
        "reps_min": 8,
        "reps_max": 12,
        "rest_seconds": 90,
    } | overrides


def test_a_user_with_a_shoulder_injury_never_gets_an_exercise_contraindicated_for_it(user, library):
    shoulder = [e for e in Exercise.objects.approved() if any("shoulder" in c for c in e.contraindications)]
    assert shoulder  # the library has such exercises: bench press, overhead press, dips...
    banned = {str(e.public_id) for e in shoulder}
    for focus in ([], ["chest"], ["shoulders"], ["push"], ["upper"]):
        answer, _ = coach.workout_generate(
            user=user,
            goal="strength",
            duration_minutes=90,
            equipment=["barbell", "dumbbell", "bench", "cable", "machine"],
            focus=focus,
            experience_level="intermediate",
            injuries=["shoulder"],
        )
        assert answer["exercises"]
        assert not banned & {r["exercise_id"] for r in answer["exercises"]}
        assert any("shoulder" in w for w in answer["warnings"])
    program, _ = coach.program_generate(
        user=user,
        goal="hypertrophy",
        days_per_week=6,
        session_minutes=90,
        equipment=["barbell", "dumbbell", "bench", "cable", "machine"],
        experience_level="advanced",
        weeks=4,
        injuries=["shoulder"],
    )
    assert not banned & {r["exercise_id"] for day in program["days"] for r in day["exercises"]}
    suggestions = coach.exercise_suggest(
        user=user,
        reason="variety",
        equipment=["barbell", "dumbbell", "bench"],
        muscle="chest",
        injuries=["shoulder"],
    )
    assert suggestions["alternatives"]
    assert not banned & {str(a["exercise_id"]) for a in suggestions["alternatives"]}


def test_a_contraindicated_exercise_in_a_plan_is_dropped_and_reported(user, library):
    bench = Exercise.objects.get(slug="barbell-bench-press")
    squat = Exercise.objects.get(slug="barbell-back-squat")
    report = safety.validate_workout(
        {"exercises": [row(bench), row(squat)]},
        ctx=context(user, injuries=["shoulder impingement"]),
        minutes=60,
    )
    assert [r["slug"] for r in report.plan["exercises"]] == ["barbell-back-squat"]
    assert "contraindicated" in report.severe


def test_unknown_exercises_are_dropped_and_names_are_mapped_to_library_ids(user, library):
    squat = Exercise.objects.get(slug="barbell-back-squat")
    plan = {
        "exercises": [
            {
                "exercise_id": "moon-squat",
                "name": "Moon squat",
                "sets": 3,
                "reps_min": 5,
                "reps_max": 8,
                "rest_seconds": 120,
            },
            {
                "exercise_id": "x",
                "name": squat.name,
                "sets": 3,
                "reps_min": 5,
                "reps_max": 8,
                "rest_seconds": 120,
            },
        ]
    }
    report = safety.validate_workout(plan, ctx=context(user), minutes=60)
    assert [r["exercise_id"] for r in report.plan["exercises"]] == [str(squat.public_id)]
    assert "unknown_exercise" in report.severe
    assert "mapped_by_name" in report.problems


def test_volume_and_intensity_over_the_beginner_caps_are_trimmed(user, library):
    names = ["barbell-back-squat", "leg-press", "romanian-deadlift", "walking-lunge", "leg-extension"]
    exercises = [
        Exercise.objects.get(slug=slug) for slug in names if Exercise.objects.filter(slug=slug).exists()
    ]
    plan = {
        "exercises": [row(e, sets=10, reps_min=1, reps_max=3, rpe=10, rest_seconds=900) for e in exercises]
    }
    report = safety.validate_workout(plan, ctx=context(user), minutes=None)
    caps = safety.CAPS["beginner"]
    assert {"volume_over_cap", "intensity_over_cap", "rest_adjusted"} <= set(report.problems)
    assert report.plan["sets_per_group"]["legs"] <= caps.session_group_cap
    for item in report.plan["exercises"]:
        assert item["sets"] <= caps.sets_per_exercise
        assert item["reps_min"] >= caps.min_reps
        assert item["rpe"] <= caps.rpe_cap
        assert item["rest_seconds"] <= safety.REST_MAX


def test_a_program_over_the_weekly_cap_is_trimmed_to_it(user, library):
    squat = Exercise.objects.get(slug="barbell-back-squat")
    press = Exercise.objects.get(slug="leg-press")
    day = {"name": "Legs", "exercises": [row(squat, sets=3), row(press, sets=3)]}
    report = safety.validate_program({"days": [day] * 5}, ctx=context(user), minutes=None)
    assert "volume_over_cap" in report.severe
    assert report.plan["weekly_sets_per_group"]["legs"] == safety.CAPS["beginner"].weekly_cap


def test_equipment_the_user_lacks_is_dropped(user, library):
    squat = Exercise.objects.get(slug="barbell-back-squat")
    report = safety.validate_workout({"exercises": [row(squat)]}, ctx=context(user, equipment=[]), minutes=60)
    assert report.plan["exercises"] == []
    assert "equipment_unavailable" in report.severe


# Everyday words -> a contraindication of the seeded library that names the same area.
EVERYDAY_INJURIES = [
    ("hips", "hip impingement"),
    ("ribs", "sternum or rib injury"),
    ("pecs", "recent pectoral injury"),
    ("pregnant", "pregnancy"),
    ("hypertension", "high blood pressure"),
    ("spine", "lower back pain"),
    ("lumbar", "lower back pain"),
    ("rotator cuff", "shoulder impingement"),
]


@pytest.mark.parametrize(("word", "condition"), EVERYDAY_INJURIES, ids=[w for w, _ in EVERYDAY_INJURIES])
def test_everyday_injury_words_match_the_librarys_contraindications(library, word, condition):
    items, _ = coach.library_items()
    flagged = [item for item in items if condition in item.contraindications]
    assert flagged, f"the library names {condition!r}"
    for item in flagged:
        assert condition in safety.injury_conflicts(item, [word])
    unrelated = [item for item in items if item.contraindications == ("wrist pain",)]
    assert unrelated
    assert not any(safety.injury_conflicts(item, [word]) for item in unrelated)


@pytest.mark.parametrize(
    ("rpe", "kept"),
    [
        (-3, None),
        (0.5, None),
        (float("nan"), None),
        (float("inf"), None),
        ("hard", None),
        (12, 8.0),
        (7, 7.0),
    ],
)
def test_an_rpe_outside_one_to_the_cap_is_dropped_or_lowered_and_reported(user, library, rpe, kept):
    squat = Exercise.objects.get(slug="barbell-back-squat")
    report = safety.validate_workout({"exercises": [row(squat, rpe=rpe)]}, ctx=context(user), minutes=None)
    assert report.plan["exercises"][0]["rpe"] == kept
    assert ("intensity_over_cap" in report.severe) is (rpe != 7)


def test_model_text_that_diagnoses_or_doses_is_removed_with_a_warning(user, library):
    squat = Exercise.objects.get(slug="barbell-back-squat")
    plan = {
        "name": "You probably have a torn meniscus",
        "exercises": [row(squat, notes="Take 400 mg ibuprofen before this.")],
        "rationale": ["Squats first.", "You have a hernia, so go light."],
    }
    report = safety.validate_workout(plan, ctx=context(user), minutes=None)
    assert report.plan["name"] == "Workout"
    assert report.plan["exercises"][0]["notes"] == ""
    assert report.plan["rationale"] == ["Squats first."]
    assert "unsafe_text" in report.problems
    assert safety.UNSAFE_TEXT_WARNING in report.warnings
    program = safety.validate_program(
        {
            "name": "Plan",
            "description": "I diagnose tendinitis.",
            "days": [{"name": "A", "exercises": [row(squat)]}],
        },
        ctx=context(user),
        minutes=None,
    )
    assert program.plan["description"] == ""
