"""The one safety validator every provider's plan passes, whoever wrote it.

It repairs what it can and reports what it had to change (`problems`), so the caller can decide
whether the plan is still trustworthy: the rules engine's plans are used as repaired, while an
LLM plan with a severe problem is thrown away for the rules engine's (`ai.coach`).

Checks, per exercise then per session then per week:

- Library only: an exercise is found by UUID, slug or exact name among approved exercises; an
  unknown one is dropped (`unknown_exercise`), a name that matches is mapped to its id.
- Injuries: an exercise whose `contraindications` mention a declared injury (word match, e.g.
  "shoulder" hits "shoulder impingement" and "shoulder instability") is dropped (`contraindicated`).
- Equipment: an exercise needing equipment the user does not have is dropped.
- Experience: an exercise more than one step above the user's level is dropped (`too_advanced`).
- Intensity caps by experience (`CAPS`): RPE at most 8 / 9 / 10, and no fewer reps than 5 / 3 / 1
  for beginners / intermediates / advanced lifters (`intensity_over_cap`).
- Volume caps by experience: sets per exercise, working sets per muscle group per session and per
  session, and per muscle group per week across a program (`volume_over_cap`); extra sets are
  trimmed from the end, where the isolation work is.
- Rest between 30 s and 5 min (`rest_adjusted`); reps between 1 and 30 with min <= max; a session
  no longer than asked (`too_long`, trimmed from the end).

Warnings for the user are attached: injuries respected, each exercise's first safety note, and a
pointer to a professional for pain.
"""

import re
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from ai.providers.base import DIFFICULTY_RANK, CoachContext, LibraryItem


@dataclass(frozen=True)
class Caps:
    weekly_min: int  # working sets per muscle group per week: the rules engine aims in range
    weekly_max: int
    weekly_cap: int  # the validator's hard ceiling
    session_group_cap: int
    session_cap: int
    sets_per_exercise: int
    rpe_cap: int
    min_reps: int


CAPS = {
    "beginner": Caps(6, 10, 12, 6, 18, 4, 8, 5),
    "intermediate": Caps(10, 16, 20, 8, 24, 5, 9, 3),
    "advanced": Caps(12, 20, 25, 10, 30, 6, 10, 1),
}
REST_MIN, REST_MAX = 30, 300
REPS_MAX = 30
SECONDS_PER_SET = 40
WARMUP_MINUTES = 5
SEVERE = {
    "unknown_exercise",
    "contraindicated",
    "equipment_unavailable",
    "too_advanced",
    "volume_over_cap",
    "intensity_over_cap",
    "empty_plan",
}
GENERIC_WORDS = {
    "pain",
    "injury",
    "injured",
    "recent",
    "strain",
    "sore",
    "the",
    "and",
    "my",
    "left",
    "right",
    "bad",
    "weak",
    "mild",
    "chronic",
    "acute",
    "problem",
    "problems",
    "issue",
    "issues",
}
PROFESSIONAL = "Stop any movement that causes pain, and see a doctor or physiotherapist about an injury."


def _words(text: str) -> set[str]:
    words = set(re.findall(r"[a-z]+", text.lower()))
    return {w[:-1] if w.endswith("s") and len(w) > 4 else w for w in words}


def injury_conflicts(item: LibraryItem, injuries: list[str]) -> list[str]:
    """The contraindications of `item` that a declared injury names (by a meaningful word)."""
    hits = []
    for condition in item.contraindications:
        condition_words = _words(condition)
        for injury in injuries:
            injury_text = injury.strip().lower()
            keys = _words(injury_text) - GENERIC_WORDS
            if injury_text and (injury_text in condition.lower() or keys & condition_words):
                hits.append(condition)
                break
    return hits


def equipment_ok(item: LibraryItem, equipment: set[str] | None) -> bool:
    """None means no restriction; bodyweight is always available."""
    if equipment is None:
        return True
    return item.equipment <= (equipment | {"bodyweight"})


def level_ok(item: LibraryItem, experience: str) -> bool:
    return DIFFICULTY_RANK.get(item.difficulty, 0) <= DIFFICULTY_RANK.get(experience, 0) + 1


def usable(item: LibraryItem, ctx: CoachContext) -> bool:
    """What the rules engine may choose from: safe for the user, their equipment and level."""
    return (
        equipment_ok(item, ctx.equipment)
        and not injury_conflicts(item, ctx.injuries)
        and level_ok(item, ctx.experience)
    )


def first_sentence(text: str) -> str:
    text = text.strip()
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return (match.group(1) if match else text)[:300]


@dataclass
class SafetyReport:
    plan: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def severe(self) -> list[str]:
        return sorted({p for p in self.problems if p in SEVERE})


class _Index:
    """Find library exercises by UUID, slug or name."""

    def __init__(self, library: list[LibraryItem]) -> None:
        self.by_uuid = {str(item.public_id): item for item in library}
        self.by_slug = {item.slug: item for item in library}
        self.by_name = {item.name.strip().lower(): item for item in library}

    def find(self, ref: Any, name: Any) -> tuple[LibraryItem | None, bool]:
        """(item, mapped): `mapped` when only the name matched."""
        ref = str(ref or "").strip()
        try:
            ref_uuid = str(UUID(ref))
        except ValueError:
            ref_uuid = ""
        item = self.by_uuid.get(ref_uuid) or self.by_slug.get(ref.lower())
        if item is not None:
            return item, False
        for candidate in (name, ref):
            item = self.by_name.get(str(candidate or "").strip().lower())
            if item is not None:
                return item, True
        return None, False


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def estimated_minutes(exercises: list[dict[str, Any]]) -> int:
    seconds = sum(e["sets"] * (SECONDS_PER_SET + e["rest_seconds"]) for e in exercises)
    return WARMUP_MINUTES + round(seconds / 60)


def _clean_item(
    raw: dict[str, Any], *, ctx: CoachContext, index: _Index, caps: Caps, report: SafetyReport
) -> dict[str, Any] | None:
    item, mapped = index.find(raw.get("exercise_id"), raw.get("name"))
    label = str(raw.get("name") or raw.get("exercise_id") or "?")[:80]
    if item is None:
        report.problems.append("unknown_exercise")
        report.warnings.append(f"“{label}” is not in the exercise library and was left out.")
        return None
    if mapped:
        report.problems.append("mapped_by_name")
    conflicts = injury_conflicts(item, ctx.injuries)
    if conflicts:
        report.problems.append("contraindicated")
        report.warnings.append(f"{item.name} was left out: not advised with {', '.join(conflicts)}.")
        return None
    if not equipment_ok(item, ctx.equipment):
        report.problems.append("equipment_unavailable")
        report.warnings.append(f"{item.name} was left out: it needs equipment you did not list.")
        return None
    if not level_ok(item, ctx.experience):
        report.problems.append("too_advanced")
        report.warnings.append(f"{item.name} was left out: it is too advanced for now.")
        return None
    sets = _int(raw.get("sets"), 3)
    if sets > caps.sets_per_exercise:
        report.problems.append("volume_over_cap")
    sets = max(1, min(sets, caps.sets_per_exercise))
    reps_min = max(1, min(REPS_MAX, _int(raw.get("reps_min"), 8)))
    reps_max = max(1, min(REPS_MAX, _int(raw.get("reps_max"), reps_min)))
    if reps_min > reps_max:
        report.problems.append("reps_adjusted")
        reps_min, reps_max = reps_max, reps_min
    if reps_min < caps.min_reps:
        report.problems.append("intensity_over_cap")
        reps_min = caps.min_reps
        reps_max = max(reps_max, reps_min)
    rpe = raw.get("rpe")
    if rpe is not None:
        try:
            rpe = float(rpe)
        except (TypeError, ValueError):
            rpe = None
    if rpe is not None and rpe > caps.rpe_cap:
        report.problems.append("intensity_over_cap")
        rpe = float(caps.rpe_cap)
    rest = _int(raw.get("rest_seconds"), 90)
    if not REST_MIN <= rest <= REST_MAX:
        report.problems.append("rest_adjusted")
        rest = max(REST_MIN, min(REST_MAX, rest))
    return {
        "exercise_id": str(item.public_id),
        "slug": item.slug,
        "name": item.name,
        "muscle_groups": sorted(item.groups),
        "mechanics": item.mechanics,
        "force": item.force,
        "sets": sets,
        "reps_min": reps_min,
        "reps_max": reps_max,
        "rest_seconds": rest,
        "rpe": rpe,
        "notes": str(raw.get("notes") or "")[:300],
        "safety_note": first_sentence(item.safety_notes),
        "_pk": item.pk,
        "_groups": item.groups,
    }


def _trim(exercises: list[dict[str, Any]], over: "callable") -> bool:
    """Take sets off from the end while `over(exercises)` holds; drop emptied exercises."""
    trimmed = False
    for item in reversed(exercises):
        while item["sets"] > 0 and over(exercises, item):
            item["sets"] -= 1
            trimmed = True
    exercises[:] = [item for item in exercises if item["sets"] > 0]
    return trimmed


def group_sets(exercises: list[dict[str, Any]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for item in exercises:
        for group in item["_groups"]:
            totals[group] = totals.get(group, 0) + item["sets"]
    return totals


def _session(
    raw_items: Any, *, ctx: CoachContext, index: _Index, caps: Caps, minutes: int | None, report: SafetyReport
) -> list[dict[str, Any]]:
    exercises: list[dict[str, Any]] = []
    seen: set[int] = set()
    for raw in raw_items if isinstance(raw_items, list) else []:
        if not isinstance(raw, dict):
            report.problems.append("unknown_exercise")
            continue
        item = _clean_item(raw, ctx=ctx, index=index, caps=caps, report=report)
        if item is None:
            continue
        if item["_pk"] in seen:
            report.problems.append("duplicate_removed")
            continue
        seen.add(item["_pk"])
        exercises.append(item)

    def group_over(rows, item):
        totals = group_sets(rows)
        return any(totals.get(g, 0) > caps.session_group_cap for g in item["_groups"])

    if _trim(exercises, group_over):
        report.problems.append("volume_over_cap")
    if _trim(exercises, lambda rows, _: sum(r["sets"] for r in rows) > caps.session_cap):
        report.problems.append("volume_over_cap")
    if minutes:
        limit = minutes * 1.1 + 2
        if _trim(exercises, lambda rows, _: estimated_minutes(rows) > limit and len(rows) > 1):
            report.problems.append("too_long")
    return exercises


def _public(exercises: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"order": order, **{k: v for k, v in item.items() if not k.startswith("_")}}
        for order, item in enumerate(exercises)
    ]


def _common_warnings(ctx: CoachContext, exercises: list[dict[str, Any]], report: SafetyReport) -> None:
    if ctx.injuries:
        report.warnings.append(
            f"Exercises not advised with {', '.join(ctx.injuries)} were left out. {PROFESSIONAL}"
        )
    else:
        report.warnings.append(PROFESSIONAL)
    notes = []
    for item in exercises:
        if item["safety_note"] and item["name"] not in notes:
            notes.append(item["name"])
            report.warnings.append(f"{item['name']}: {item['safety_note']}")
        if len(notes) >= 3:
            break


def validate_workout(plan: dict[str, Any], *, ctx: CoachContext, minutes: int | None) -> SafetyReport:
    """Repair one session and say what was wrong with it."""
    report = SafetyReport(plan={})
    caps = CAPS[ctx.experience]
    exercises = _session(
        plan.get("exercises"), ctx=ctx, index=_Index(ctx.library), caps=caps, minutes=minutes, report=report
    )
    if not exercises:
        report.problems.append("empty_plan")
    _common_warnings(ctx, exercises, report)
    report.plan = {
        "name": str(plan.get("name") or "Workout")[:120],
        "exercises": _public(exercises),
        "estimated_minutes": estimated_minutes(exercises),
        "total_sets": sum(e["sets"] for e in exercises),
        "sets_per_group": group_sets(exercises),
        "rationale": [str(r)[:500] for r in plan.get("rationale", []) if r][:12]
        if isinstance(plan.get("rationale"), list)
        else [],
    }
    return report


def validate_program(plan: dict[str, Any], *, ctx: CoachContext, minutes: int | None) -> SafetyReport:
    """Repair every day of a program, then hold each muscle group under the weekly cap."""
    report = SafetyReport(plan={})
    caps = CAPS[ctx.experience]
    index = _Index(ctx.library)
    days = []
    for raw_day in plan.get("days", []) if isinstance(plan.get("days"), list) else []:
        if not isinstance(raw_day, dict):
            continue
        exercises = _session(
            raw_day.get("exercises"), ctx=ctx, index=index, caps=caps, minutes=minutes, report=report
        )
        if exercises:
            days.append(
                {
                    "name": str(raw_day.get("name") or "Day")[:80],
                    "focus": str(raw_day.get("focus") or "")[:120],
                    "exercises": exercises,
                }
            )
    weekly: dict[str, int] = {}
    for day in days:
        for group, sets in group_sets(day["exercises"]).items():
            weekly[group] = weekly.get(group, 0) + sets
    for group in sorted(g for g, sets in weekly.items() if sets > caps.weekly_cap):
        report.problems.append("volume_over_cap")
        excess = weekly[group] - caps.weekly_cap
        for day in reversed(days):
            for item in reversed(day["exercises"]):
                while excess > 0 and item["sets"] > 0 and group in item["_groups"]:
                    item["sets"] -= 1
                    excess -= 1
            day["exercises"] = [item for item in day["exercises"] if item["sets"] > 0]
    days = [day for day in days if day["exercises"]]
    if not days:
        report.problems.append("empty_plan")
    _common_warnings(ctx, [item for day in days for item in day["exercises"]], report)
    weekly = {}
    for day in days:
        for group, sets in group_sets(day["exercises"]).items():
            weekly[group] = weekly.get(group, 0) + sets
    report.plan = {
        "name": str(plan.get("name") or "AI program")[:120],
        "description": str(plan.get("description") or "")[:2000],
        "days": [
            {
                "index": i,
                "name": day["name"],
                "focus": day["focus"],
                "exercises": _public(day["exercises"]),
                "estimated_minutes": estimated_minutes(day["exercises"]),
            }
            for i, day in enumerate(days)
        ],
        "weekly_sets_per_group": dict(sorted(weekly.items())),
        "rationale": [str(r)[:500] for r in plan.get("rationale", []) if r][:12]
        if isinstance(plan.get("rationale"), list)
        else [],
    }
    return report
