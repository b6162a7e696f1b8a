"""The one safety validator every provider's plan passes, whoever wrote it.

It repairs what it can and reports what it had to change (`problems`), so the caller can decide
whether the plan is still trustworthy: the rules engine's plans are used as repaired, while an
LLM plan with a severe problem is thrown away for the rules engine's (`ai.coach`).

Checks, per exercise then per session then per week:

- Library only: an exercise is found by UUID, slug or exact name among approved exercises; an
  unknown one is dropped (`unknown_exercise`), a name that matches is mapped to its id.
- Injuries: an exercise whose `contraindications` mention a declared injury (word match, e.g.
  "shoulder" hits "shoulder impingement" and "shoulder instability") is dropped (`contraindicated`).
  Words are normalised (a plural "s" is dropped from words over three letters: "hips" is "hip") and
  a small synonym map (`INJURY_SYNONYMS`) turns everyday words into the library's vocabulary
  ("pecs" -> pectoral, "lumbar" -> back, "rotator cuff" -> shoulder, "pregnant" -> pregnancy,
  "hypertension" -> blood pressure), so what people type meets what the contraindications say.
- Equipment: an exercise needing equipment the user does not have is dropped.
- Experience: an exercise more than one step above the user's level is dropped (`too_advanced`).
- Intensity caps by experience (`CAPS`): RPE at most 8 / 9 / 10, and no fewer reps than 5 / 3 / 1
  for beginners / intermediates / advanced lifters (`intensity_over_cap`). An RPE above the cap is
  lowered to it; one below 1, not a finite number or not a number at all is dropped (also
  `intensity_over_cap`: a model that writes it is not trusted with the rest).
- Volume caps by experience: sets per exercise, working sets per muscle group per session and per
  session, and per muscle group per week across a program (`volume_over_cap`); extra sets are
  trimmed from the end, where the isolation work is.
- Rest between 30 s and 5 min (`rest_adjusted`); reps between 1 and 30 with min <= max; a session
  no longer than asked (`too_long`, trimmed from the end).
- Text: a name, note, focus, description or rationale line that diagnoses or doses (the chat's
  `UNSAFE_REPLY` check, which lives here) is removed or replaced (`unsafe_text`, with a warning).

Warnings for the user are attached: injuries respected, each exercise's first safety note, and a
pointer to a professional for pain.
"""

import math
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
# Everyday words (already singular) -> words of the library's contraindications
# (exercises/seed_data/library.json: "hip impingement", "sternum or rib injury", "recent pectoral
# injury", "pregnancy", "high blood pressure", "lower back pain", "disc herniation", "spinal
# stenosis", "shoulder impingement", "knee pain", "achilles tendinopathy", ...).
INJURY_SYNONYMS: dict[str, set[str]] = {
    "pec": {"pectoral"},
    "pectorial": {"pectoral"},
    "chest": {"pectoral", "sternum"},
    "breastbone": {"sternum"},
    "pregnant": {"pregnancy"},
    "hypertension": {"blood", "pressure"},
    "spine": {"back", "spinal", "disc"},
    "spinal": {"back", "spinal", "disc"},
    "lumbar": {"back", "disc", "spinal"},
    "vertebra": {"back", "spinal", "disc"},
    "herniated": {"disc", "herniation"},
    "hernia": {"herniation", "abdominal", "groin"},
    "rotator": {"shoulder"},
    "cuff": {"shoulder"},
    "labrum": {"shoulder", "hip"},
    "acl": {"knee"},
    "mcl": {"knee"},
    "meniscu": {"knee"},
    "patella": {"knee"},
    "kneecap": {"knee"},
    "heel": {"achille"},
    "carpal": {"wrist"},
    "cervical": {"neck"},
    "adductor": {"groin"},
    "dvt": {"thrombosis"},
    "abdomen": {"abdominal"},
    "stomach": {"abdominal"},
}


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _words(text: str) -> set[str]:
    return {_singular(w) for w in re.findall(r"[a-z]+", text.lower())}


def injury_keys(injury: str) -> set[str]:
    """The meaningful words of a declared injury, singular, with their library synonyms."""
    keys = _words(injury) - GENERIC_WORDS
    return keys | {synonym for key in keys for synonym in INJURY_SYNONYMS.get(key, ())}


def injury_conflicts(item: LibraryItem, injuries: list[str]) -> list[str]:
    """The contraindications of `item` that a declared injury names (by a meaningful word)."""
    hits = []
    for condition in item.contraindications:
        condition_words = _words(condition)
        for injury in injuries:
            injury_text = injury.strip().lower()
            named = injury_text in condition.lower() or injury_keys(injury_text) & condition_words
            if injury_text and named:
                hits.append(condition)
                break
    return hits


# A diagnosis or a dose, which no provider may give (checked on chat replies and on coach plans).
UNSAFE_REPLY = re.compile(
    r"\b(you (probably |likely |may |might |most likely )?(have|are suffering from) (a |an )?"
    r"(torn|tear|sprain|fracture|tendini?tis|tendoni?tis|hernia|herniated|strain|injury|"
    r"condition|disorder|infection)|i diagnose|my diagnosis|diagnosis is|"
    r"take \d+ ?(mg|milligrams?|pills?|tablets?)|\d+ ?mg (of|every)|"
    r"(take|try) (some )?(ibuprofen|paracetamol|acetaminophen|aspirin|painkillers?|antibiotics?))\b"
)
UNSAFE_TEXT_WARNING = (
    "Some of the coach's wording was removed: it does not diagnose or recommend medication. " + PROFESSIONAL
)


def reply_is_unsafe(text: str) -> bool:
    """Whether a provider's text diagnoses or doses, which the coach never does."""
    return bool(UNSAFE_REPLY.search(str(text).lower()))


def safe_text(value: Any, *, limit: int, default: str, report: "SafetyReport") -> str:
    """`value` as text, or `default` when it diagnoses or doses (noted once in the report)."""
    text = str(value or "")[:limit]
    if text and reply_is_unsafe(text):
        if "unsafe_text" not in report.problems:
            report.warnings.append(UNSAFE_TEXT_WARNING)
        report.problems.append("unsafe_text")
        return default
    return text or default


def _rationale(value: Any, report: "SafetyReport") -> list[str]:
    if not isinstance(value, list):
        return []
    lines = [safe_text(r, limit=500, default="", report=report) for r in value if r]
    return [line for line in lines if line][:12]


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
        except (TypeError, ValueError, OverflowError):
            rpe = math.nan
        if not math.isfinite(rpe) or rpe < 1:
            report.problems.append("intensity_over_cap")
            report.warnings.append(f"{item.name}: the suggested effort (RPE) made no sense and was left out.")
            rpe = None
        elif rpe > caps.rpe_cap:
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
        "notes": safe_text(raw.get("notes"), limit=300, default="", report=report),
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
        "name": safe_text(plan.get("name"), limit=120, default="Workout", report=report),
        "exercises": _public(exercises),
        "estimated_minutes": estimated_minutes(exercises),
        "total_sets": sum(e["sets"] for e in exercises),
        "sets_per_group": group_sets(exercises),
        "rationale": _rationale(plan.get("rationale"), report),
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
                    "name": safe_text(raw_day.get("name"), limit=80, default="Day", report=report),
                    "focus": safe_text(raw_day.get("focus"), limit=120, default="", report=report),
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
        "name": safe_text(plan.get("name"), limit=120, default="AI program", report=report),
        "description": safe_text(plan.get("description"), limit=2000, default="", report=report),
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
        "rationale": _rationale(plan.get("rationale"), report),
    }
    return report
