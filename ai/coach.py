"""AI coach use cases: workout and program generation, exercise suggestions, goal assessment and
program optimisation.

Each one: look in the answer cache (a cached answer is free, even with the quota spent), reserve
one request of the daily quota (`ai.calls.quota_reserved`), load the user's context once
(library, recovery, history), ask the configured provider (`ai.providers.get_provider`), pass
its plan through the safety validator (`ai.safety`), log the call (`ai.calls.call_log`) and
answer; identical requests within `FITAI_AI_CACHE_SECONDS` come from the cache
(`ai.calls.cached_answer`). Every answer names its
`provider` and, when the rules engine stood in, the `fallback_reason`.

Saving goes through the owning apps' services: a planned workout through
`workouts.services.workout_create`, a private program through `templates_app.services`; programs
have no `source` field, so an AI program says `source: ai` in the answer and keeps its rationale
in its description.
"""

import copy
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.profiles import profile_get, user_preferences
from ai import safety
from ai.calls import cached_answer, call_log, quota_reserved
from ai.models import AICall
from ai.providers import get_provider
from ai.providers.base import CoachContext, LibraryItem, Result
from ai.providers.rules import RECOVERY_SETS, RulesProvider, program_changes
from exercises.models import Exercise, Muscle
from fitai.errors import NotFoundError
from progress.aggregates import local_day, user_zone
from progress.goals import goal_get_for_user, goals_progress
from progress.models import Goal, MuscleDaySummary
from templates_app import services as template_services
from templates_app.models import WorkoutTemplate
from templates_app.selectors import template_get_visible, templates_visible_to, with_program
from workouts.models import Workout, WorkoutExercise, WorkoutSet
from workouts.services import workout_create

WORKOUT_GENERATE = "workout_generate"
EXERCISE_SUGGEST = "exercise_suggest"
GOAL_OPTIMIZE = "goal_optimize"
PROGRAM_GENERATE = "program_generate"
PROGRAM_OPTIMIZE = "program_optimize"
RECOVERY_DAYS = 3  # today and the two days before: the last 72 hours
VARIETY_DAYS = 14
HISTORY_SESSIONS = 3


# --- Context ------------------------------------------------------------------------------------------


def library_items() -> tuple[list[LibraryItem], dict[str, str]]:
    """Approved live exercises with their muscles and equipment (four queries), and muscle -> group."""
    groups = dict(Muscle.objects.values_list("slug", "group"))
    exercises = (
        Exercise.objects.approved()
        .prefetch_related("primary_muscles", "secondary_muscles", "equipment", "variations")
        .order_by("name", "pk")
    )
    items = [
        LibraryItem(
            pk=e.pk,
            public_id=e.public_id,
            slug=e.slug,
            name=e.name,
            primary=frozenset(m.slug for m in e.primary_muscles.all()),
            secondary=frozenset(m.slug for m in e.secondary_muscles.all()),
            groups=frozenset(m.group for m in e.primary_muscles.all()),
            equipment=frozenset(q.slug for q in e.equipment.all()),
            category=e.category,
            mechanics=e.mechanics,
            force=e.force,
            difficulty=e.difficulty,
            contraindications=tuple(str(c) for c in e.contraindications or [] if isinstance(c, str)),
            safety_notes=e.safety_notes,
            variations=frozenset(v.pk for v in e.variations.all()),
            popularity=e.popularity,
        )
        for e in exercises
    ]
    return items, groups


def _profile(user: User) -> tuple[str, Decimal | None]:
    """(fitness level, height in cm) from the profile (created if a new account has none yet).

    `profile_get` keeps the profile on the user object, so one request reads it once: the context,
    the answer and the preferences all ask for it (three queries per AI request before).
    """
    profile = profile_get(user=user)
    return profile.fitness_level or "", profile.height_cm


def _experience(user: User, requested: str | None) -> str:
    return requested or _profile(user)[0] or "beginner"


def coach_context(
    *,
    user: User,
    experience: str | None = None,
    goal: str = "general_fitness",
    injuries: list[str] | None = None,
    equipment: list[str] | None = None,
) -> CoachContext:
    """The user's context: the library, and (unless the user turned training history off in their
    AI preferences) the sets per muscle group of the last 72 hours and the exercises of the last
    two weeks. `equipment=None` means no restriction; an empty list means bodyweight only."""
    library, groups = library_items()
    experience = _experience(user, experience)
    zone = user_zone(user)
    today = local_day(timezone.now(), zone)
    recent_sets: dict[str, float] = {}
    recent_exercises: set[int] = set()
    if user_preferences(user=user)["ai"].get("use_training_history", True):
        for group, sets in MuscleDaySummary.objects.filter(
            user=user, day__gte=today - timedelta(days=RECOVERY_DAYS - 1)
        ).values_list("muscle_group", "sets"):
            recent_sets[group] = recent_sets.get(group, 0.0) + float(sets)
        recent_exercises = set(
            WorkoutExercise.objects.filter(
                workout__owner=user, workout__created_at__gte=timezone.now() - timedelta(days=VARIETY_DAYS)
            ).values_list("exercise_id", flat=True)
        )
    line = RECOVERY_SETS[experience]
    return CoachContext(
        user_id=user.pk,
        experience=experience,
        goal=goal,
        injuries=[i.strip() for i in injuries or [] if i.strip()],
        equipment=None if equipment is None else {e.strip().lower() for e in equipment if e.strip()},
        library=library,
        muscle_groups=groups,
        recovering={g: s for g, s in sorted(recent_sets.items()) if s >= line},
        recent_sets=recent_sets,
        recent_exercises=recent_exercises,
        today=today,
    )


# --- Running a provider -------------------------------------------------------------------------------


def _log(user: User, endpoint: str, result: Result, reservation: AICall | None = None) -> None:
    call_log(
        reservation=reservation,
        user=user,
        endpoint=endpoint,
        provider=result.provider,
        outcome=AICall.Outcome.FALLBACK if result.fallback_reason else AICall.Outcome.OK,
        model=result.model,
        tokens_in=result.tokens_in,
        tokens_out=result.tokens_out,
        latency_ms=result.latency_ms,
        fallback_reason=result.fallback_reason,
    )


def _answer(*, user: User, endpoint: str, request: dict[str, Any], produce) -> dict[str, Any]:
    """Cache, then quota, provider, log: `produce()` returns (answer, Result). The cache comes
    first so an identical request stays free once the quota is spent."""

    def compute() -> dict[str, Any]:
        with quota_reserved(user=user, endpoint=endpoint) as reservation:
            answer, result = produce()
            _log(user, endpoint, result, reservation)
        return answer

    def on_hit(answer: dict[str, Any]) -> None:
        call_log(
            user=user, endpoint=endpoint, provider=answer.get("provider", ""), outcome=AICall.Outcome.CACHED
        )

    return cached_answer(
        key_parts={"user": user.pk, "endpoint": endpoint, "request": request}, compute=compute, on_hit=on_hit
    )


def _meta(result: Result) -> dict[str, Any]:
    return {"provider": result.provider, "fallback_reason": result.fallback_reason or None}


def _validated_workout(ctx: CoachContext, request: dict[str, Any]) -> tuple[dict[str, Any], Result]:
    provider = get_provider()
    result = provider.workout(ctx=ctx, request={**request, "_endpoint": WORKOUT_GENERATE})
    report = safety.validate_workout(result.data, ctx=ctx, minutes=request["duration_minutes"])
    if report.severe and result.provider != "rules":  # never trust a repaired model plan
        fallback = RulesProvider().workout(ctx=ctx, request=request)
        fallback.fallback_reason = "unsafe_output:" + ",".join(report.severe)
        fallback.model, fallback.tokens_in, fallback.tokens_out = (
            result.model,
            result.tokens_in,
            result.tokens_out,
        )
        result = fallback
        report = safety.validate_workout(result.data, ctx=ctx, minutes=request["duration_minutes"])
    return {**report.plan, "warnings": [*result.warnings, *report.warnings]}, result


# --- Use cases ----------------------------------------------------------------------------------------


def workout_generate(
    *,
    user: User,
    goal: str,
    duration_minutes: int,
    equipment: list[str],
    focus: list[str],
    experience_level: str | None,
    injuries: list[str],
    save: bool = False,
) -> tuple[dict[str, Any], Workout | None]:
    """A workout from library exercises with sets, reps, rest and rationale; `save` also creates it
    as a planned workout (its exercises with target sets) and answers its id."""
    request = {
        "goal": goal,
        "duration_minutes": duration_minutes,
        "equipment": sorted(equipment),
        "focus": focus,
        "experience_level": _experience(user, experience_level),
        "injuries": sorted(injuries),
    }

    def produce():
        ctx = coach_context(
            user=user, experience=experience_level, goal=goal, injuries=injuries, equipment=equipment
        )
        plan, result = _validated_workout(ctx, request)
        return {**_meta(result), **request, **plan}, result

    answer = _answer(user=user, endpoint=WORKOUT_GENERATE, request=request, produce=produce)
    workout = None
    if save:
        workout = _workout_save(user=user, answer=answer)
        answer = {**answer, "workout_id": workout.public_id}
    return answer, workout


@transaction.atomic
def _workout_save(*, user: User, answer: dict[str, Any]) -> Workout:
    if not answer["exercises"]:
        raise ValidationError({"exercises": ["No exercise fits this request: nothing to save."]})
    exercises = [
        {
            "exercise_id": UUID(row["exercise_id"]),
            "notes": f"{row['sets']} x {row['reps_min']}-{row['reps_max']}, rest {row['rest_seconds']} s"[
                :500
            ],
            "sets": [{"set_type": "working", "reps": row["reps_max"]} for _ in range(row["sets"])],
        }
        for row in answer["exercises"]
    ]
    workout, _ = workout_create(
        owner=user, name=answer["name"], exercises=exercises, notes="\n".join(answer["rationale"])[:4000]
    )
    return workout


def _exercise_lookup(ref: str) -> Q:
    try:
        return Q(public_id=UUID(str(ref)))
    except ValueError:
        return Q(slug=str(ref))


def exercise_suggest(
    *,
    user: User,
    reason: str,
    equipment: list[str],
    exercise_id: str | None = None,
    muscle: str | None = None,
    injuries: list[str] | None = None,
    experience_level: str | None = None,
) -> dict[str, Any]:
    """Ranked alternatives for an exercise or a muscle (slug or group), with reasons."""
    injuries = injuries or []
    original = None
    if exercise_id:
        original = Exercise.objects.approved().filter(_exercise_lookup(exercise_id)).first()
        if original is None:
            raise NotFoundError("No such exercise.")
    request = {
        "reason": reason,
        "equipment": sorted(equipment),
        "exercise_id": str(original.public_id) if original else None,
        "muscle": muscle,
        "injuries": sorted(injuries),
        "experience_level": _experience(user, experience_level),
    }

    def produce():
        ctx = coach_context(
            user=user,
            experience=experience_level,
            injuries=injuries,
            equipment=[] if reason == "no_equipment" else equipment,
        )
        ask: dict[str, Any] = {"reason": reason, "exercise_pk": original.pk if original else None}
        if muscle:
            key = muscle.strip().lower()
            if key in ctx.muscle_groups:
                ask["muscle"] = key
            elif key in set(ctx.muscle_groups.values()):
                ask["group"] = key
            else:
                raise ValidationError(
                    {"muscle": ["Name a muscle (e.g. biceps) or a muscle group (e.g. arms)."]}
                )
        result = get_provider().exercise_suggestions(ctx=ctx, request={**ask, "_endpoint": EXERCISE_SUGGEST})
        by_id = {str(i.public_id): i for i in ctx.library}
        alternatives = []
        for row in result.data["alternatives"]:
            item = by_id.get(row["exercise_id"])
            # The validator's rules, again: whatever ranked them, only safe library exercises leave.
            if item is None or not safety.usable(item, ctx):
                continue
            alternatives.append(
                {
                    "rank": len(alternatives),  # 0, 1, 2, ... over what is left: no gaps
                    "exercise_id": item.public_id,
                    "slug": item.slug,
                    "name": item.name,
                    "muscle_groups": sorted(item.groups),
                    "equipment": sorted(item.equipment),
                    "score": row["score"],
                    "reasons": row["reasons"],
                    "safety_note": safety.first_sentence(item.safety_notes),
                }
            )
        warnings = list(result.warnings)
        if ctx.injuries:
            warnings.append(
                f"Exercises not advised with {', '.join(ctx.injuries)} were left out. {safety.PROFESSIONAL}"
            )
        if reason == "pain":
            warnings.append(safety.PROFESSIONAL)
        return {**_meta(result), **request, "alternatives": alternatives, "warnings": warnings}, result

    return _answer(user=user, endpoint=EXERCISE_SUGGEST, request=request, produce=produce)


def _goal_facts(*, user: User, goal: Goal) -> dict[str, Any]:
    progress = goals_progress(user=user, goals=[goal])[goal.pk]
    return {
        "type": goal.type,
        "target_value": float(goal.target_value),
        "deadline": goal.deadline,
        "current_value": float(progress.current) if progress.current is not None else None,
        "trend_per_week": float(progress.trend_per_week) if progress.trend_per_week is not None else None,
        "height_cm": float(height) if (height := _profile(user)[1]) else None,
    }


def goal_optimize(
    *,
    user: User,
    goal_id: str | None = None,
    type: str | None = None,
    target_value: Decimal | None = None,
    deadline=None,
    exercise_id: str | None = None,
) -> dict[str, Any]:
    """An assessment of a saved goal, or of goal fields before saving it."""
    if goal_id:
        goal = goal_get_for_user(user=user, goal_id=goal_id)
    else:
        exercise = None
        if exercise_id:
            exercise = Exercise.objects.approved().filter(_exercise_lookup(exercise_id)).first()
            if exercise is None:
                raise ValidationError({"exercise_id": ["No such exercise."]})
        if type in {Goal.Type.LIFT_1RM, Goal.Type.LIFT_REPS} and exercise is None:
            raise ValidationError({"exercise_id": ["A lift goal needs its exercise."]})
        # Unsaved: progress is computed from the user's data as if the goal were set now.
        goal = Goal(
            user=user,
            type=type,
            title="draft",
            target_value=target_value,
            deadline=deadline,
            exercise=exercise,
            created_at=timezone.now(),
        )
    request = {
        "goal_id": str(goal.public_id) if goal.pk else None,
        "type": goal.type,
        "target_value": str(goal.target_value),
        "deadline": goal.deadline,
        "exercise_id": str(goal.exercise.public_id) if goal.exercise_id else None,
    }

    def produce():
        ctx = coach_context(user=user)
        facts = {**_goal_facts(user=user, goal=goal), "today": ctx.today}
        result = get_provider().goal_assessment(ctx=ctx, request=facts)
        return {
            **_meta(result),
            "goal_id": request["goal_id"],
            "exercise_id": request["exercise_id"],
            **result.data,
        }, result

    return _answer(user=user, endpoint=GOAL_OPTIMIZE, request=request, produce=produce)


def _program_document(plan: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    description = "\n".join(["Generated by FitAI's coach.", *plan["rationale"]])
    return {
        "name": plan["name"][:120],
        "description": description[:4000],
        "goal": request["goal"],
        "difficulty": request["experience_level"],
        "visibility": "private",
        "days_per_week": len(plan["days"]),
        "duration_weeks": request["weeks"],
        "tags": ["ai"],
        "days": [
            {
                "name": day["name"],
                "focus": day["focus"],
                "exercises": [
                    {
                        "exercise_id": UUID(str(row["exercise_id"])),
                        "notes": row["notes"][:500],
                        "rest_seconds": row["rest_seconds"],
                        "progression": {"type": "double", "increment_kg": 2.5},
                        "sets": [
                            {
                                "set_type": "working",
                                "reps_min": row["reps_min"],
                                "reps_max": row["reps_max"],
                                "rpe": Decimal(str(row["rpe"])) if row.get("rpe") is not None else None,
                            }
                            for _ in range(row["sets"])
                        ],
                    }
                    for row in day["exercises"]
                ],
            }
            for day in plan["days"]
        ],
    }


def program_generate(
    *,
    user: User,
    goal: str,
    days_per_week: int,
    session_minutes: int,
    equipment: list[str],
    experience_level: str | None,
    weeks: int,
    injuries: list[str] | None = None,
    save: bool = True,
) -> tuple[dict[str, Any], WorkoutTemplate | None]:
    """A private program with a rationale, saved through the programs app (the coach page
    previews it first with `save=False`)."""
    injuries = injuries or []
    request = {
        "goal": goal,
        "days_per_week": days_per_week,
        "session_minutes": session_minutes,
        "equipment": sorted(equipment),
        "experience_level": _experience(user, experience_level),
        "weeks": weeks,
        "injuries": sorted(injuries),
    }

    def produce():
        ctx = coach_context(
            user=user, experience=experience_level, goal=goal, injuries=injuries, equipment=equipment
        )
        result = get_provider().program(ctx=ctx, request={**request, "_endpoint": PROGRAM_GENERATE})
        report = safety.validate_program(result.data, ctx=ctx, minutes=session_minutes)
        if report.severe and result.provider != "rules":
            fallback = RulesProvider().program(ctx=ctx, request=request)
            fallback.fallback_reason = "unsafe_output:" + ",".join(report.severe)
            fallback.model, fallback.tokens_in, fallback.tokens_out = (
                result.model,
                result.tokens_in,
                result.tokens_out,
            )
            result = fallback
            report = safety.validate_program(result.data, ctx=ctx, minutes=session_minutes)
        return {
            **_meta(result),
            **request,
            **report.plan,
            "warnings": [*result.warnings, *report.warnings],
        }, result

    answer = _answer(user=user, endpoint=PROGRAM_GENERATE, request=request, produce=produce)
    if not answer["days"]:
        raise ValidationError({"equipment": ["No exercise in the library fits this request: add equipment."]})
    if not save:
        return {**answer, "source": "ai", "template_id": None}, None
    template = template_services.template_create(
        owner=user, document=_program_document(answer, request), source=WorkoutTemplate.Source.AI
    )
    return {**answer, "source": "ai", "template_id": template.public_id}, template


def _owned_program(*, user: User, template_id: str) -> WorkoutTemplate:
    """The user's own program with its nesting; anyone else's is not found (even a visible one)."""
    template = template_get_visible(user=user, template_id=template_id)
    if template.owner_id != user.pk:
        raise NotFoundError("No such program.")
    return with_program(templates_visible_to(user=user)).get(pk=template.pk)


def _history(user: User, exercise_ids: set[int]) -> dict[int, list[list[tuple[int, float]]]]:
    """The last sessions of each exercise (newest first), as (reps, weight) working sets."""
    rows = (
        WorkoutSet.objects.filter(
            workout__owner=user,
            workout__status=Workout.Status.COMPLETED,
            workout_exercise__exercise_id__in=exercise_ids,
            reps__gt=0,
        )
        .exclude(set_type="warmup")
        .order_by("-workout__completed_at", "-workout_id", "workout_exercise__index", "index")
        .values_list("workout_exercise__exercise_id", "workout_id", "reps", "weight_kg")
    )
    sessions: dict[int, dict[int, list[tuple[int, float]]]] = defaultdict(dict)
    for exercise_id, workout_id, reps, weight in rows:
        per_exercise = sessions[exercise_id]
        if workout_id not in per_exercise and len(per_exercise) >= HISTORY_SESSIONS:
            continue
        per_exercise.setdefault(workout_id, []).append((reps, float(weight)))
    return {pk: list(by_workout.values()) for pk, by_workout in sessions.items()}


def _apply(document: dict[str, Any], changes: list[dict[str, Any]]) -> dict[str, Any]:
    days = document["days"]
    for change in changes:
        day = days[change["day_index"]]["exercises"]
        if change["type"] == "add_exercise":
            day.append(
                {
                    "exercise_id": UUID(change["exercise_id"]),
                    "notes": "Added by the coach for push/pull balance.",
                    "rest_seconds": 90,
                    "progression": {"type": "double", "increment_kg": 2.5},
                    "sets": [
                        {"set_type": "working", "reps_min": 8, "reps_max": 12} for _ in range(change["to"])
                    ],
                }
            )
            continue
        item = day[change["exercise_index"]]
        working = [s for s in item["sets"] if s["set_type"] != "warmup"]
        if change["field"] == "weight_kg":
            for row in working:
                row["weight_kg"] = Decimal(str(change["to"]))
        elif change["field"] == "reps_max":
            for row in working:
                row["reps_max"] = max(row["reps_max"], change["to"])
        elif change["field"] == "sets" and working:
            item["sets"].append(dict(working[-1]))
    return document


def _working_sets(document: dict[str, Any], library: dict[str, LibraryItem]) -> dict[str, int]:
    """Working sets (warm-ups excluded) per muscle group per week of a program document."""
    weekly: dict[str, int] = {}
    for day in document["days"]:
        for item in day["exercises"]:
            working = sum(1 for row in item["sets"] if row.get("set_type") != "warmup")
            for group in getattr(library.get(str(item["exercise_id"])), "groups", ()):
                weekly[group] = weekly.get(group, 0) + working
    return weekly


def _as_plan(document: dict[str, Any]) -> dict[str, Any]:
    """A program document in the shape the safety validator reads (one row per exercise)."""
    days = []
    for day in document["days"]:
        rows = []
        for item in day["exercises"]:
            working = [row for row in item["sets"] if row.get("set_type") != "warmup"] or item["sets"]
            first = working[0] if working else {}
            rows.append(
                {
                    "exercise_id": str(item["exercise_id"]),
                    "sets": len(working),
                    "reps_min": first.get("reps_min") or 8,
                    "reps_max": first.get("reps_max") or first.get("reps_min") or 8,
                    "rest_seconds": item.get("rest_seconds") or 90,
                    "rpe": first.get("rpe"),
                }
            )
        days.append({"name": day.get("name") or "Day", "exercises": rows})
    return {"name": document.get("name"), "days": days}


def _introduced_problems(before: dict[str, Any], after: dict[str, Any], ctx: CoachContext) -> list[str]:
    """Severe problems the changes add: the edited program runs through the validator that checks
    generated programs, compared with the program as it stands, so a program the user already
    wrote outside the caps is not blocked forever, but no change may make it less safe. Volume is
    checked by `program_optimize` itself (only the groups a change increases)."""

    def severe(document: dict[str, Any]) -> Counter:
        report = safety.validate_program(_as_plan(document), ctx=ctx, minutes=None)
        return Counter(p for p in report.problems if p in safety.SEVERE and p != "volume_over_cap")

    grown = severe(after) - severe(before)
    return sorted(grown)


def program_optimize(
    *,
    user: User,
    template_id: str,
    apply: bool = False,
    injuries: list[str] | None = None,
    experience_level: str | None = None,
) -> dict[str, Any]:
    """Proposed changes to your program from your logged workouts; `apply` saves them as the
    program's next version. Injuries are respected (no exercise they contraindicate is proposed),
    the caps are those of your experience (the request's, else your profile's fitness level), and
    before anything is saved the edited program passes the same validator as a generated one: a
    change that adds a severe problem, or raises a muscle group's weekly working sets over the cap,
    is not applied."""
    template = _owned_program(user=user, template_id=template_id)
    with quota_reserved(user=user, endpoint=PROGRAM_OPTIMIZE) as reservation:
        answer = _program_optimize(
            user=user,
            template=template,
            apply=apply,
            injuries=injuries or [],
            experience_level=experience_level,
        )
        _log(user, PROGRAM_OPTIMIZE, Result(data={}, provider="rules"), reservation)
    return answer


def _program_optimize(
    *,
    user: User,
    template: WorkoutTemplate,
    apply: bool,
    injuries: list[str],
    experience_level: str | None,
) -> dict[str, Any]:
    ctx = coach_context(user=user, experience=experience_level, goal=template.goal, injuries=injuries)
    days = [
        [
            {
                "pk": item.exercise_id,
                "sets": [
                    {
                        "set_type": s.set_type,
                        "reps_min": s.reps_min,
                        "reps_max": s.reps_max,
                        "weight_kg": s.weight_kg,
                    }
                    for s in item.sets.all()
                ],
            }
            for item in day.exercises.all()
        ]
        for day in template.days.all()
    ]
    history = _history(user, {row["pk"] for day in days for row in day})
    changes, rationale = program_changes(ctx=ctx, days=days, history=history)
    warnings: list[str] = []
    if ctx.injuries:
        by_id = {str(i.public_id): i for i in ctx.library}
        flagged = sorted(
            {
                item.name
                for day in template.days.all()
                for row in day.exercises.all()
                if (item := by_id.get(str(row.exercise.public_id)))
                and safety.injury_conflicts(item, ctx.injuries)
            }
        )
        if flagged:
            warnings.append(
                f"Not advised with {', '.join(ctx.injuries)}: {', '.join(flagged)}; "
                f"consider replacing them (exercise suggestions). {safety.PROFESSIONAL}"
            )
    version = template.version
    applied = False
    if apply and changes:
        current = template_services.program_document(template)
        document = _apply(copy.deepcopy(current), changes)
        by_id = {str(i.public_id): i for i in ctx.library}
        before, after = _working_sets(current, by_id), _working_sets(document, by_id)
        cap = safety.CAPS[ctx.experience].weekly_cap
        over = sorted(g for g, sets in after.items() if sets > before.get(g, 0) and sets > cap)
        problems = _introduced_problems(current, document, ctx)
        if over:
            warnings.append(f"Not applied: {', '.join(over)} would go over the weekly volume cap.")
        elif problems:
            warnings.append(f"Not applied: the changes failed the safety check ({', '.join(problems)}).")
        else:
            template = template_services.template_replace(
                template=template, user=user, document=document, version=template.version
            )
            version = template.version
            applied = True
    return {
        **_meta(Result(data={}, provider="rules")),
        "template_id": template.public_id,
        "version": version,
        "experience_level": ctx.experience,
        "applied": applied,
        "changes": changes,
        "rationale": rationale,
        "warnings": warnings,
    }
