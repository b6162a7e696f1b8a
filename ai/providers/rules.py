"""The rules engine: FitAI's default coach, deterministic and offline.

It builds from the exercise library only, with these training principles:

- Weekly volume per muscle group (legs, chest, back, shoulders, arms, core) aims inside a range by
  experience: 6-10 working sets for beginners, 10-16 for intermediates, 12-20 for advanced lifters
  (`ai.safety.CAPS`; the validator's hard ceilings are 12 / 20 / 25). A program spreads each
  group's weekly sets over the days that train it; one session holds 18 / 24 / 30 sets at most.
- Rep ranges and rest by goal: strength 3-6 reps on compounds (180 s rest), hypertrophy 6-10 /
  10-15 (120 / 75 s), endurance 12-20, fat loss 8-12 / 12-15 with short rests, general fitness 8-12.
  Beginners never go below 5 reps, and RPE stays at 7 / 8 / 8.5 by experience (caps 8 / 9 / 10).
- Compound movements before isolation, ranked by how many people use them, then by name, so the
  same input and data always give the same plan; single-group compounds are preferred, so one
  exercise does not silently add volume to other groups.
- Push/pull balance: sessions alternate pushing and pulling groups, splits pair push with pull
  days (1-3 days full body, 4 upper/lower, 5 upper/lower/push/pull/legs, 6 push/pull/legs twice),
  and program optimisation adds pulling sets when pushing outweighs pulling by more than 25 %.
- Recovery: a group with more working sets in the last 72 h than one hard session (6 / 8 / 10 by
  experience, from `progress.MuscleDaySummary`) is still recovering: left out of a workout unless
  asked for (then halved, with a warning), and penalised in exercise suggestions.
- Goals move at safe rates: body weight down at most 1 % a week (up 0.5 %), body fat 0.25 points a
  week, a lift's e1RM up 1.5 % / 0.5 % / 0.25 % a week by training age, reps +1 / 0.5 / 0.25 a week,
  one more workout a week every two weeks. A faster goal is flagged with a safer target and date.
  A date further out than 20 years (`MAX_PROJECTION_DAYS`, as for goals' own projections) is not
  projected: it answers null with a warning.
- Progression from logged performance: every working set at the top of the rep range → add load
  (5 kg lower-body compounds, 2.5 kg other compounds, 1 kg isolation, one rep bodyweight); three
  sessions without an e1RM gain → deload 10 %.
"""

import math
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ai.providers.base import (
    DIFFICULTY_RANK,
    MUSCLE_GROUPS,
    UPPER_GROUPS,
    CoachContext,
    LibraryItem,
    Result,
)
from ai.safety import CAPS, estimated_minutes, usable
from progress.goals import MAX_PROJECTION_DAYS

NAME = "rules"
CHOSEN_CATEGORIES = {"strength", "powerlifting"}
ADVANCED_CATEGORIES = {"olympic_weightlifting", "strongman"}
# goal -> {mechanics: (reps_min, reps_max, rest_seconds)}
SCHEMES = {
    "strength": {"compound": (3, 6, 180), "isolation": (6, 10, 90)},
    "hypertrophy": {"compound": (6, 10, 120), "isolation": (10, 15, 75)},
    "endurance": {"compound": (12, 20, 60), "isolation": (15, 20, 45)},
    "fat_loss": {"compound": (8, 12, 75), "isolation": (12, 15, 45)},
    "general_fitness": {"compound": (8, 12, 90), "isolation": (10, 15, 60)},
}
RPE = {"beginner": 7.0, "intermediate": 8.0, "advanced": 8.5}
SETS_PER_EXERCISE = {"beginner": 3, "intermediate": 3, "advanced": 4}
RECOVERY_SETS = {"beginner": 6, "intermediate": 8, "advanced": 10}
# A slot is (group, force or "", muscle slug or "").
FULL = [
    ("legs", "", ""),
    ("chest", "", ""),
    ("back", "", ""),
    ("shoulders", "", ""),
    ("arms", "", ""),
    ("core", "", ""),
]
UPPER = [("chest", "", ""), ("back", "", ""), ("shoulders", "", ""), ("arms", "", "")]
LOWER = [("legs", "", ""), ("core", "", "")]
PUSH = [("chest", "push", ""), ("shoulders", "push", ""), ("arms", "push", "")]
PULL = [("back", "pull", ""), ("shoulders", "pull", ""), ("arms", "pull", "")]
FOCUS_SLOTS = {"full_body": FULL, "upper": UPPER, "lower": LOWER, "push": PUSH, "pull": PULL, "legs": LOWER}
SPLITS = {
    1: [("Full body", FULL)],
    2: [("Full body A", FULL), ("Full body B", FULL)],
    3: [("Full body A", FULL), ("Full body B", FULL), ("Full body C", FULL)],
    4: [("Upper A", UPPER), ("Lower A", LOWER), ("Upper B", UPPER), ("Lower B", LOWER)],
    5: [("Upper", UPPER), ("Lower", LOWER), ("Push", PUSH), ("Pull", PULL), ("Legs", LOWER)],
    6: [
        ("Push A", PUSH),
        ("Pull A", PULL),
        ("Legs A", LOWER),
        ("Push B", PUSH),
        ("Pull B", PULL),
        ("Legs B", LOWER),
    ],
}
SAFE_RATES = {  # per week
    "lift_1rm": {"beginner": 0.015, "intermediate": 0.005, "advanced": 0.0025},  # share of current
    "lift_reps": {"beginner": 1.0, "intermediate": 0.5, "advanced": 0.25},
}


def _rank(item: LibraryItem) -> tuple:
    return (not item.is_compound, len(item.groups), -item.popularity, item.name)


def _choosable(ctx: CoachContext) -> list[LibraryItem]:
    categories = CHOSEN_CATEGORIES | (ADVANCED_CATEGORIES if ctx.experience == "advanced" else set())
    return [
        item
        for item in ctx.library
        if item.category in categories
        and item.force != "static"
        and DIFFICULTY_RANK.get(item.difficulty, 0) <= DIFFICULTY_RANK[ctx.experience]
        and usable(item, ctx)
    ]


def _fits(item: LibraryItem, slot: tuple[str, str, str]) -> bool:
    group, force, muscle = slot
    if muscle:
        return muscle in item.primary
    return group in item.groups and (not force or item.force == force)


def _scheme(goal: str, experience: str, item: LibraryItem) -> tuple[int, int, int]:
    reps_min, reps_max, rest = SCHEMES[goal]["compound" if item.is_compound else "isolation"]
    floor = CAPS[experience].min_reps
    if reps_min < floor:
        reps_min, reps_max = floor, max(reps_max, floor + 3)
    return reps_min, reps_max, rest


def _row(item: LibraryItem, sets: int, ctx: CoachContext, note: str = "") -> dict[str, Any]:
    reps_min, reps_max, rest = _scheme(ctx.goal, ctx.experience, item)
    return {
        "exercise_id": str(item.public_id),
        "name": item.name,
        "sets": sets,
        "reps_min": reps_min,
        "reps_max": reps_max,
        "rest_seconds": rest,
        "rpe": RPE[ctx.experience],
        "notes": note or f"{reps_min}-{reps_max} reps, leave 2-3 in reserve.",
        "_item": item,
    }


def _session(
    ctx: CoachContext, slots: list[tuple[str, str, str]], targets: list[int], minutes: int, used: set[int]
) -> list[dict[str, Any]]:
    """Fill each slot up to its set target (a compound, then an isolation), order compounds first,
    then trim from the end until the session fits in `minutes`."""
    pool = _choosable(ctx)
    per_exercise = SETS_PER_EXERCISE[ctx.experience]
    picked: list[tuple[int, dict[str, Any]]] = []
    chosen: set[int] = set()
    for position, (slot, target) in enumerate(zip(slots, targets, strict=True)):
        candidates = sorted((i for i in pool if _fits(i, slot) and i.pk not in chosen), key=_rank)
        # Vary between the days of a program: exercises not used yet come first.
        candidates.sort(key=lambda i: i.pk in used)
        compounds = [i for i in candidates if i.is_compound]
        isolations = [i for i in candidates if not i.is_compound]
        remaining = target
        for choice in (compounds[:1] or isolations[:1], isolations[:1] if compounds else isolations[1:2]):
            if remaining < 2 or not choice:
                continue
            item = choice[0]
            if item.pk in chosen:
                continue
            sets = min(per_exercise, remaining)
            remaining -= sets
            chosen.add(item.pk)
            picked.append((position, _row(item, sets, ctx)))
    rows = [row for _, row in sorted(picked, key=lambda p: (not p[1]["_item"].is_compound, p[0]))]
    while rows and estimated_minutes(rows) > minutes:
        rows[-1]["sets"] -= 1
        if rows[-1]["sets"] < 2:
            rows.pop()
    used.update(row["_item"].pk for row in rows)
    return rows


def _push_pull(rows: list[dict[str, Any]]) -> tuple[int, int]:
    push = sum(r["sets"] for r in rows if r["_item"].force == "push" and r["_item"].groups & UPPER_GROUPS)
    pull = sum(r["sets"] for r in rows if r["_item"].force == "pull" and r["_item"].groups & UPPER_GROUPS)
    return push, pull


def _strip(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "_item"} for row in rows]


def focus_slots(focus: list[str], muscle_groups: dict[str, str]) -> tuple[list[tuple[str, str, str]], bool]:
    """(slots, explicit): the request's focus as slots; none means full body (not explicit)."""
    slots: list[tuple[str, str, str]] = []
    for word in focus:
        key = word.strip().lower().replace(" ", "_").replace("-", "_")
        if key in FOCUS_SLOTS:
            slots += FOCUS_SLOTS[key]
        elif key in MUSCLE_GROUPS:
            slots.append((key, "", ""))
        elif word.strip().lower() in muscle_groups:
            slug = word.strip().lower()
            slots.append((muscle_groups[slug], "", slug))
    unique = list(dict.fromkeys(slots))
    return (unique, True) if unique else (list(FULL), False)


class RulesProvider:
    name = NAME

    # --- One workout ------------------------------------------------------------------------------

    def workout(self, *, ctx: CoachContext, request: dict[str, Any]) -> Result:
        caps = CAPS[ctx.experience]
        minutes = request["duration_minutes"]
        slots, explicit = focus_slots(request.get("focus", []), ctx.muscle_groups)
        rationale, warnings = [], []
        kept, targets = [], []
        base = max(2, min(caps.session_group_cap, caps.session_cap // len(slots), caps.weekly_max // 2))
        for slot in slots:
            group = slot[0]
            if group in ctx.recovering:
                if not explicit:
                    rationale.append(
                        f"{group.capitalize()} is left out: {ctx.recovering[group]:g} working sets in the "
                        "last 72 hours, so it is still recovering."
                    )
                    continue
                warnings.append(
                    f"{group.capitalize()} had {ctx.recovering[group]:g} working sets in the last 72 hours; "
                    "its volume is halved today."
                )
                kept.append(slot)
                targets.append(max(2, base // 2))
                continue
            kept.append(slot)
            targets.append(base)
        if not kept:  # Everything is recovering: a light full-body session instead of nothing.
            kept, targets = list(FULL), [2] * len(FULL)
            warnings.append("Every muscle group is still recovering: this is a light session.")
        rows = _session(ctx, kept, targets, minutes, set())
        push, pull = _push_pull(rows)
        label = (request.get("focus") and ", ".join(request["focus"])) or "full body"
        rationale = [
            f"A {ctx.goal.replace('_', ' ')} session for a {ctx.experience} ({label}, {minutes} min).",
            f"Compound lifts first while you are fresh, then isolation work; "
            f"{SCHEMES[ctx.goal]['compound'][0]}-{SCHEMES[ctx.goal]['compound'][1]} reps on compounds "
            f"for {ctx.goal.replace('_', ' ')}.",
            f"About {base} working sets per muscle group, inside the {caps.weekly_min}-{caps.weekly_max} "
            "weekly sets a group needs at your level when trained twice a week.",
            *([f"Push/pull balance: {push} pushing and {pull} pulling sets."] if push or pull else []),
            *rationale,
        ]
        if ctx.injuries:
            rationale.append(f"Exercises not advised with {', '.join(ctx.injuries)} were never considered.")
        plan = {
            "name": request.get("name") or f"{ctx.goal.replace('_', ' ').title()} session",
            "exercises": _strip(rows),
            "rationale": rationale,
        }
        return Result(data=plan, provider=NAME, warnings=warnings)

    # --- A program --------------------------------------------------------------------------------

    def program(self, *, ctx: CoachContext, request: dict[str, Any]) -> Result:
        caps = CAPS[ctx.experience]
        split = SPLITS[request["days_per_week"]]
        minutes = request["session_minutes"]
        frequency: dict[str, int] = {}
        for _, slots in split:
            for group in {slot[0] for slot in slots}:
                frequency[group] = frequency.get(group, 0) + 1
        middle = (caps.weekly_min + caps.weekly_max) // 2
        used: set[int] = set()
        days = []
        for name, slots in split:
            # A group split over several slots in a day (arms push and pull) shares its target.
            per_day = {g: math.ceil(middle / frequency[g]) for g in frequency}
            slots_of = {g: sum(1 for s in slots if s[0] == g) for g in frequency}
            targets = [min(caps.session_group_cap, max(2, per_day[s[0]] // slots_of[s[0]])) for s in slots]
            scale = min(1.0, caps.session_cap / sum(targets))
            targets = [max(2, int(t * scale)) for t in targets]
            rows = _session(ctx, slots, targets, minutes, used)
            focus = ", ".join(dict.fromkeys(s[0] for s in slots))
            days.append({"name": name, "focus": focus, "exercises": _strip(rows)})
        weeks = request["weeks"]
        goal = ctx.goal.replace("_", " ")
        rationale = [
            f"{request['days_per_week']} days a week: "
            + {
                1: "one full-body day",
                2: "full body twice",
                3: "full body three times",
                4: "an upper/lower split",
                5: "upper/lower plus push/pull/legs",
                6: "push/pull/legs twice",
            }[request["days_per_week"]]
            + ", so every muscle group is trained and pushing is matched by pulling.",
            f"Each group aims at about {middle} working sets a week ({caps.weekly_min}-{caps.weekly_max} "
            f"for a {ctx.experience}), compound lifts first, {goal} rep ranges.",
            f"Progression over {weeks} weeks: when every set reaches the top of the rep range, add load "
            "(2.5 kg upper body, 5 kg lower body); deload 10 % after three sessions without progress.",
        ]
        if weeks >= 6:
            rationale.append("Take a lighter week (half the sets) every 4-6 weeks.")
        plan = {
            "name": request.get("name") or f"AI {goal} program, {request['days_per_week']} days",
            "description": "",
            "days": days,
            "rationale": rationale,
        }
        return Result(data=plan, provider=NAME)

    # --- Exercise suggestions ---------------------------------------------------------------------

    def exercise_suggestions(self, *, ctx: CoachContext, request: dict[str, Any]) -> Result:
        by_pk = ctx.by_pk()
        original: LibraryItem | None = by_pk.get(request.get("exercise_pk"))
        reason = request["reason"]
        if original is not None:
            target, target_groups = set(original.primary), set(original.groups)
        elif request.get("muscle"):
            target = {request["muscle"]}
            target_groups = {ctx.muscle_groups[request["muscle"]]}
        else:
            target_groups = {request["group"]}
            target = {slug for slug, group in ctx.muscle_groups.items() if group in target_groups}
        categories = CHOSEN_CATEGORIES | ADVANCED_CATEGORIES | {"plyometrics"}
        warnings = []
        for group in sorted(target_groups & set(ctx.recovering)):
            warnings.append(
                f"{group.capitalize()} had {ctx.recovering[group]:g} working sets in the last 72 hours: "
                "keep it light today."
            )
        scored = []
        for item in ctx.library:
            if (
                item.pk == getattr(original, "pk", None)
                or item.category not in categories
                or not usable(item, ctx)
            ):
                continue
            if not (item.primary & target or item.groups & target_groups):
                continue
            if (
                reason == "pain"
                and original is not None
                and set(item.contraindications) & set(original.contraindications)
            ):
                continue
            score, reasons = 0.0, []
            overlap = len(item.primary & target) / len(item.primary | target)
            score += 0.5 * overlap
            if item.primary & target:
                reasons.append(f"works the same muscles ({', '.join(sorted(item.primary & target))})")
            else:
                score += 0.1
                reasons.append(f"trains your {', '.join(sorted(item.groups & target_groups))}")
            if original is not None:
                union = item.secondary | original.secondary
                if union:
                    score += 0.1 * len(item.secondary & original.secondary) / len(union)
                if item.mechanics == original.mechanics:
                    score += 0.1
                    reasons.append(f"also a {item.mechanics} movement")
                if item.force == original.force:
                    score += 0.05
                if item.pk in original.variations:
                    score += 0.15
                    reasons.append(f"a variation of {original.name}")
            other_recovering = (item.groups - target_groups) & set(ctx.recovering)
            if other_recovering:
                score -= 0.15 * len(other_recovering)
                reasons.append(f"but also loads {', '.join(sorted(other_recovering))}, still recovering")
            if reason == "no_equipment":
                reasons.append("needs no equipment")
            elif reason == "pain":
                if item.equipment & {"machine", "cable"}:
                    score += 0.1
                    reasons.append("a guided machine or cable path")
                rank_gap = DIFFICULTY_RANK.get(
                    getattr(original, "difficulty", "beginner"), 0
                ) - DIFFICULTY_RANK.get(item.difficulty, 0)
                score += 0.05 * max(0, rank_gap)
                if not item.contraindications:
                    score += 0.05
                reasons.append("none of the original's contraindications")
            elif reason == "variety":
                if item.pk in ctx.recent_exercises:
                    score -= 0.3
                else:
                    reasons.append("not in your last two weeks of training")
                if original is not None and item.equipment != original.equipment:
                    score += 0.05
            elif reason == "plateau":
                if item.is_compound:
                    score += 0.1
                if original is not None and item.equipment != original.equipment:
                    score += 0.1
                    reasons.append("a new stimulus with different equipment")
            elif reason == "busy":
                if item.is_compound:
                    score += 0.15
                    reasons.append("a compound: more muscle per set")
                if item.equipment <= {"bodyweight", "dumbbell", "kettlebell"}:
                    score += 0.1
                    reasons.append("little setup")
            scored.append((round(score, 3), item, reasons))
        scored.sort(key=lambda s: (-s[0], s[1].name))
        alternatives = [
            {"exercise_id": str(item.public_id), "score": score, "reasons": reasons}
            for score, item, reasons in scored[:5]
        ]
        return Result(data={"alternatives": alternatives}, provider=NAME, warnings=warnings)

    # --- Goal assessment --------------------------------------------------------------------------

    def goal_assessment(self, *, ctx: CoachContext, request: dict[str, Any]) -> Result:
        return Result(data=goal_assessment(ctx=ctx, facts=request), provider=NAME)


def _round(value: float, places: int = 2) -> float:
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def safe_weekly_rate(*, goal_type: str, current: float, direction: int, experience: str) -> float | None:
    """The fastest change a week that stays safe and sustainable (see the module docstring)."""
    if goal_type == "body_weight":
        return current * (0.01 if direction < 0 else 0.005)
    if goal_type == "body_fat":
        return 0.25
    if goal_type == "lift_1rm":
        return current * SAFE_RATES["lift_1rm"][experience] if current > 0 else None
    if goal_type == "lift_reps":
        return SAFE_RATES["lift_reps"][experience]
    if goal_type == "workout_frequency":
        return 0.5
    return None


def _weeks_ahead(today: date, weeks: float, warnings: list[str]) -> date | None:
    """`today` plus `weeks`, or None (with one warning) beyond `MAX_PROJECTION_DAYS`: a target
    that far away is not a plan, and the date arithmetic would overflow."""
    days = weeks * 7
    if not math.isfinite(days) or days > MAX_PROJECTION_DAYS:
        message = "At a safe pace this target is more than 20 years away: set a nearer target."
        if message not in warnings:
            warnings.append(message)
        return None
    return today + timedelta(days=math.ceil(days))


def goal_assessment(*, ctx: CoachContext, facts: dict[str, Any]) -> dict[str, Any]:
    """Realistic or not, at what weekly rate, when, and a safer target or deadline; see the
    module docstring for the rates. `facts` come from the user's own data (`ai.coach`)."""
    today: date = facts["today"]
    goal_type, target = facts["type"], float(facts["target_value"])
    current, trend, deadline = facts.get("current_value"), facts.get("trend_per_week"), facts.get("deadline")
    warnings: list[str] = []
    answer: dict[str, Any] = {
        "type": goal_type,
        "current_value": current,
        "target_value": target,
        "deadline": deadline,
        "realistic": None,
        "projected_date": None,
        "safer_target": None,
        "safer_deadline": None,
        "weekly_rate": {"required": None, "safe": None, "yours": trend},
        "milestones": [],
        "warnings": warnings,
        "rationale": [],
    }
    if current is None or (goal_type in {"lift_1rm", "lift_reps"} and current <= 0):
        warnings.append("There is no data to measure this goal yet: log it first for an assessment.")
        return answer
    direction = 1 if target >= current else -1
    delta = abs(target - current)
    safe = safe_weekly_rate(
        goal_type=goal_type, current=current, direction=direction, experience=ctx.experience
    )
    if safe is not None and not safe > 0:  # a zero reading cannot set a pace
        safe = None
    if goal_type == "workout_frequency":
        limit = 5 if ctx.experience == "beginner" else 6
        if target > limit:
            warnings.append(f"More than {limit} workouts a week leaves too little recovery at your level.")
    if goal_type == "body_weight" and facts.get("height_cm"):
        bmi = target / (float(facts["height_cm"]) / 100) ** 2
        if bmi < 18.5:
            warnings.append(f"A body weight of {target:g} kg is underweight for your height (BMI {bmi:.1f}).")
    if safe is None:
        answer["rationale"].append(
            "No safe rate is known for this kind of goal: the projection follows your trend."
        )
        if trend and trend * direction > 0:
            answer["projected_date"] = _weeks_ahead(today, delta / abs(trend), warnings)
        return answer
    answer["weekly_rate"]["safe"] = _round(safe)
    weeks_left = (deadline - today).days / 7 if deadline else None
    if delta == 0:
        answer.update(realistic=True, projected_date=today)
        return answer
    required = delta / weeks_left if weeks_left and weeks_left > 0 else None
    answer["weekly_rate"]["required"] = _round(required) if required is not None else None
    if deadline and (weeks_left or 0) <= 0:
        realistic = False
        warnings.append("The deadline has passed or is today.")
    else:
        realistic = required is None or required <= safe * 1.0001
    answer["realistic"] = realistic
    # Projection: your own trend when it moves towards the target (no faster than safe), else the safe rate.
    moving = trend is not None and trend * direction > 0
    pace = min(abs(trend), safe) if moving else safe
    answer["projected_date"] = _weeks_ahead(today, delta / pace, warnings)
    answer["safer_deadline"] = _weeks_ahead(today, delta / safe, warnings)
    if not realistic:
        if weeks_left and weeks_left > 0:
            answer["safer_target"] = _round(current + direction * safe * weeks_left, 1)
        what = {"body_weight": "kg of body weight", "body_fat": "points of body fat"}.get(goal_type, "a week")
        if goal_type == "body_weight" and direction < 0:
            warnings.append(
                f"Losing {required:.2f} kg a week is more than 1 % of your body weight a week: it costs "
                f"muscle and rarely lasts. Aim for at most {safe:.2f} kg a week."
            )
        else:
            warnings.append(
                f"The deadline needs {required:.2f} {what} a week; a safe pace is {safe:.2f}."
                if required is not None
                else "This goal is not reachable by its deadline."
            )
    plan_rate = min(required, safe) if required else safe
    value, due, step = current, today, 0
    while len(answer["milestones"]) < 6:
        step += 1
        due = today + timedelta(weeks=4 * step)
        value = current + direction * plan_rate * 4 * step
        if (value - target) * direction >= 0:
            break
        answer["milestones"].append(
            {"title": f"Milestone {step}", "target_value": _round(value, 1), "due_date": due}
        )
    if moving:
        answer["rationale"].append(f"Your last 4 weeks moved {trend:+.2f} a week towards the target.")
    elif trend is not None:
        answer["rationale"].append("Your recent trend does not move towards the target yet.")
    answer["rationale"].append(f"A safe pace for this goal is {safe:.2f} a week.")
    return answer


# --- Program optimisation -----------------------------------------------------------------------------


def _e1rm(reps: int, weight: float) -> float:
    return weight * (1 + reps / 30) if reps > 0 else 0.0


def _increment(item: LibraryItem) -> float:
    if not item.is_compound:
        return 1.0
    return 5.0 if item.groups == {"legs"} else 2.5


def _half_kg(value: float) -> float:
    return math.floor(value * 2) / 2


def program_changes(
    *, ctx: CoachContext, days: list[list[dict[str, Any]]], history: dict[int, list[list[tuple[int, float]]]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Proposed changes to a program from logged performance.

    `days[d][e]` is `{pk, sets: [{set_type, reps_min, reps_max, weight_kg}]}`; `history[pk]` is the
    exercise's last sessions, newest first, each a list of (reps, weight) working sets. Returns
    (changes, rationale); a change names its day and exercise position and the value before/after.
    """
    by_pk = ctx.by_pk()
    changes, rationale = [], []
    caps = CAPS[ctx.experience]
    for d, day in enumerate(days):
        for e, row in enumerate(day):
            item = by_pk.get(row["pk"])
            sessions = history.get(row["pk"], [])
            working = [s for s in row["sets"] if s["set_type"] != "warmup"]
            if item is None or not sessions or not working:
                continue
            top_reps = max(s["reps_max"] for s in working)
            last = sessions[0]
            top_weight = max(w for _, w in last)
            hit = len(last) >= len(working) and all(r >= top_reps for r, _ in last[: len(working)])
            best = [max(_e1rm(r, w) for r, w in session) for session in sessions[:3]]
            stalled = len(best) >= 3 and best[0] <= best[2] and best[0] <= best[1] and not hit
            base = {
                "day_index": d,
                "exercise_index": e,
                "exercise_id": str(item.public_id),
                "exercise_name": item.name,
            }
            if hit and top_weight > 0:
                new = top_weight + _increment(item)
                changes.append(
                    {
                        **base,
                        "type": "progress",
                        "field": "weight_kg",
                        "from": top_weight,
                        "to": new,
                        "reason": f"Every set reached {top_reps} reps at {top_weight:g} kg last time.",
                    }
                )
            elif hit:
                new_max = min(30, top_reps + 1)
                if new_max > top_reps:
                    changes.append(
                        {
                            **base,
                            "type": "progress",
                            "field": "reps_max",
                            "from": top_reps,
                            "to": new_max,
                            "reason": f"Every set reached {top_reps} reps: add a rep.",
                        }
                    )
            elif stalled and top_weight > 0:
                new = _half_kg(top_weight * 0.9)
                changes.append(
                    {
                        **base,
                        "type": "deload",
                        "field": "weight_kg",
                        "from": top_weight,
                        "to": new,
                        "reason": "No e1RM gain in your last three sessions: deload 10 % and build back.",
                    }
                )

    # Push/pull balance over the week's upper-body work.
    def sets_of(force: str) -> int:
        return sum(
            len([s for s in row["sets"] if s["set_type"] != "warmup"])
            for day in days
            for row in day
            if (i := by_pk.get(row["pk"])) and i.force == force and i.groups & UPPER_GROUPS
        )

    push, pull = sets_of("push"), sets_of("pull")
    for heavy, light, light_force in ((push, pull, "pull"), (pull, push, "push")):
        if heavy <= max(1, light) * 1.25 or heavy == 0:
            continue
        missing = heavy - light
        rationale.append(
            f"{heavy} {'pushing' if light_force == 'pull' else 'pulling'} sets against {light} "
            f"{light_force}ing sets a week: more {light_force}ing balances the shoulders."
        )
        for d, day in enumerate(days):
            for e, row in enumerate(day):
                item = by_pk.get(row["pk"])
                working = len([s for s in row["sets"] if s["set_type"] != "warmup"])
                if (
                    missing > 0
                    and item
                    and item.force == light_force
                    and item.groups & UPPER_GROUPS
                    and working < caps.sets_per_exercise
                ):
                    changes.append(
                        {
                            "day_index": d,
                            "exercise_index": e,
                            "exercise_id": str(item.public_id),
                            "exercise_name": item.name,
                            "type": "add_set",
                            "field": "sets",
                            "from": working,
                            "to": working + 1,
                            "reason": "Balance pushing with pulling.",
                        }
                    )
                    missing -= 1
        if missing > 2:
            slot = ("back", "pull", "") if light_force == "pull" else ("chest", "push", "")
            present = {row["pk"] for day in days for row in day}
            options = sorted(
                (i for i in _choosable(ctx) if _fits(i, slot) and i.pk not in present), key=_rank
            )
            if options and days:
                target_day = max(range(len(days)), key=lambda d: (len(days[d]) > 0, -d))
                item = options[0]
                changes.append(
                    {
                        "day_index": target_day,
                        "exercise_index": len(days[target_day]),
                        "exercise_id": str(item.public_id),
                        "exercise_name": item.name,
                        "type": "add_exercise",
                        "field": "exercise",
                        "from": None,
                        "to": 3,
                        "reason": f"The program has too little {light_force}ing: add {item.name}.",
                    }
                )
    if not changes:
        rationale.append("Nothing to change yet: keep logging the program's workouts.")
    return changes, rationale
