"""The coach chat: conversations with memory, answered by the rules engine or by the LLM.

Order of a reply (`chat_reply`):
1. the daily quota is checked (429 when spent);
2. a message asking for a medical diagnosis, about medication, an eating disorder or an emergency
   is refused with a pointer to a professional (to emergency services for emergencies) whatever the
   provider: the LLM never sees it. A message that mentions an injury or pain together with a
   question about exercises ("I have a shoulder injury, what exercises for chest?") is not a
   diagnosis question: the rules engine answers it with injury-aware guidance (library exercises
   for the asked-for muscle group that the injuries do not contraindicate, by `ai.safety`'s
   matcher, and a pointer to `/ai/exercise-suggest`), also without the LLM;
3. with `llm_enabled()` the LLM answers from a system prompt, the conversation's running summary, the
   last `RECENT_MESSAGES` messages, the injuries the user mentioned in the conversation (recent
   messages and summary) and a digest of the user's own training data; its reply is checked
   for diagnosis or dosing language (replaced by the refusal when found). An `LLMError` falls back to
   the rules engine with `fallback_reason`;
4. the rules engine answers, in this order, questions about the user's own data (a lift in a period,
   a best lift, workouts in a period, the body-weight trend), then from the knowledge base
   (`ai.knowledge`), then with a safe default that says what it can answer. It is deterministic:
   the same message and the same data give the same reply.

Memory: every turn stores two messages. Once a conversation holds more than `RECENT_MESSAGES`, the
two messages that just left the recent window are folded into `Conversation.summary`, an extractive
summary (topics and the facts the user stated about themselves) that stays small however long the
conversation grows. The same summary serves the LLM and the rules engine ("what did we talk about?").

Own data comes from the aggregates (`progress.DailySummary`, `progress.ExerciseDaySummary`) and the
body metrics, never from raw sets. Exercise names in a message are matched with a typo-tolerant
match (rapidfuzz) against the user's logged exercises first, then the approved library.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, QuerySet, Sum
from django.utils import timezone
from rapidfuzz import fuzz

from accounts.models import BodyMetric, User
from accounts.profiles import user_today
from ai.calls import call_log, quota_reserved
from ai.knowledge import STOPWORDS, knowledge_search, words_of
from ai.llm import LLMError, complete_text, llm_enabled
from ai.models import Conversation, Message
from ai.safety import (  # noqa: F401 (UNSAFE_REPLY: re-exported)
    INJURY_SYNONYMS,
    PROFESSIONAL,
    UNSAFE_REPLY,
    injury_conflicts,
    reply_is_unsafe,
)
from exercises.models import Exercise
from fitai.db import read_alias
from fitai.errors import NotFoundError
from progress.analytics import slope_per_week
from progress.models import DailySummary, ExerciseDaySummary

ENDPOINT = "chat"
RULES = "rules"
LLM_PROVIDER = "openai"
MAX_MESSAGE_CHARS = 2000
# How many earlier messages are sent with each LLM call; older ones live on in the summary.
# Even, because each turn stores a pair (the summary folds the pair that leaves the window).
RECENT_MESSAGES = 8
MAX_SUMMARY_TOPICS = 15
MAX_SUMMARY_FACTS = 6
TITLE_CHARS = 60


# --- Medical safety ---------------------------------------------------------------------------------

EMERGENCY = re.compile(
    r"\b(chest (pain|tightness|pressure)|pain in (my|the) chest|heart attack|can'?t breathe|cannot breathe|"
    r"short(ness)? of breath|passed out|pass(ing)? out|faint(ed|ing)?|collapsed?|stroke|"
    r"suicid\w*|kill myself|end my life|self[- ]harm|coughing (up )?blood)\b"
)
EATING = re.compile(
    r"\b(eating disorders?|anorexi\w*|bulimi\w*|binge(ing|s)?|purg(e|ing)|starv(e|ing) myself|"
    r"make myself (sick|throw up|vomit)|stop eating|not eating for days|laxatives?)\b"
)
MEDICATION = re.compile(
    r"\b(medications?|medicines?|meds|ibuprofen|paracetamol|acetaminophen|aspirin|painkillers?|"
    r"antibiotics?|insulin|prescri\w*|dosages?|doses?|steroids?|anabolic|sarms?|opioids?|"
    r"blood pressure pills?|antidepressants?)\b"
)
SYMPTOM = re.compile(
    r"\b(pain|painful|hurts?|hurting|hurted|swollen|swelling|numb(ness)?|tingl\w*|dizz\w*|"
    r"lightheaded|light-headed|nause\w*|diagnos\w*|torn|tear(ed)?|sprain(ed)?|fractur\w*|"
    r"broken|dislocat\w*|tendini?tis|tendoni?tis|hernia\w*|sciatica|slipped disc|herniated|"
    r"(i|i've|i have|i am|i'm) injured|injured my|my injury|(is|what'?s) wrong with my|"
    r"blood in|irregular heartbeat|palpitations?)\b"
)
# In the LLM's reply: a diagnosis or a dose (`UNSAFE_REPLY`, shared with the coach's validator).

REFUSAL_EMERGENCY = (
    "This could be an emergency. Stop exercising now and call your local emergency number (112 in "
    "Europe, 911 in the US) or have someone take you to the nearest emergency department. If you are "
    "thinking about harming yourself, contact a crisis line or emergency services right away. I am a "
    "training coach and cannot assess medical situations."
)
REFUSAL_EATING = (
    "I can't advise on eating disorders, and I don't want to give advice that could hurt you. Please "
    "talk to your doctor or a specialist in eating disorders; a national eating-disorder helpline can "
    "also point you to support. If you feel unsafe, contact emergency services. When you have "
    "professional support, I'm happy to help with training that fits your care plan."
)
REFUSAL_MEDICATION = (
    "I can't give advice about medication, doses or drugs. Please ask your doctor or a pharmacist, who "
    "know your health history. I'm glad to help with training, recovery habits and general nutrition."
)
REFUSAL_SYMPTOM = (
    "I can't diagnose pain, injuries or other symptoms. Please stop the movement that causes it and "
    "see a doctor or a physiotherapist, who can examine you; if the symptoms are severe or sudden, "
    "seek urgent care. In general terms: dull muscle soreness a day or two after training is normal, "
    "while sharp pain, joint pain, swelling or pain that lasts is a reason to get checked."
)


def medical_refusal(text: str) -> str | None:
    """The refusal for a message that asks for medical help, else None (emergencies first)."""
    lowered = text.lower()
    for pattern, refusal in (
        (EMERGENCY, REFUSAL_EMERGENCY),
        (EATING, REFUSAL_EATING),
        (MEDICATION, REFUSAL_MEDICATION),
        (SYMPTOM, REFUSAL_SYMPTOM),
    ):
        if pattern.search(lowered):
            return refusal
    return None


# --- Injury-aware exercise questions --------------------------------------------------------------

INJURY_MENTION = re.compile(
    r"\b(injur\w*|pain\w*|hurts?|hurting|sore|strain(ed|s)?|sprain(ed|s)?|tendini?tis|tendoni?tis|"
    r"tendinopathy|impingement|pregnan\w*|hypertension|high blood pressure|bad (knees?|back|shoulders?|"
    r"wrists?|elbows?|hips?|ankles?|neck))\b"
)
EXERCISE_QUESTION = re.compile(
    r"\b((what|which) (exercises?|moves?|movements?|lifts?|workouts?)|exercises? (for|to|that)|"
    r"(can|should|could) i (still )?(do|train|lift|work ?out|exercise|bench|squat|press)|alternatives?|"
    r"instead|replace|substitut\w*|safe (to|for)|(train|work) around|work ?out with)\b"
)
DIAGNOSIS = re.compile(
    r"\b(diagnos\w*|what'?s wrong|what is wrong|is it (torn|broken|fractured|a tear|serious)|"
    r"do i have|have i (torn|broken|got)|is my \w+ (torn|broken|fractured|injured)|"
    r"why (does|do|is|are) my \w+ (hurt|hurting|painful|swollen|sore)|what caused?s?)\b"
)
# Body areas a message may name (singular, as `ai.safety` normalises them).
BODY_AREAS = frozenset(
    {
        "shoulder",
        "knee",
        "back",
        "wrist",
        "elbow",
        "hip",
        "ankle",
        "neck",
        "rib",
        "sternum",
        "hamstring",
        "groin",
        "achille",
        "shin",
        "bicep",
        "pregnancy",
        "pectoral",
        "disc",
        "abdominal",
        *INJURY_SYNONYMS,
    }
)
TARGET_GROUPS = {
    "leg": "legs",
    "quad": "legs",
    "glute": "legs",
    "calve": "legs",
    "lower": "legs",
    "chest": "chest",
    "pec": "chest",
    "back": "back",
    "lat": "back",
    "shoulder": "shoulders",
    "delt": "shoulders",
    "arm": "arms",
    "bicep": "arms",
    "tricep": "arms",
    "core": "core",
    "ab": "core",
    "abdominal": "core",
}
TARGET = re.compile(
    r"\b(?:for|train|training|work|working|strengthen|build|hit|target)\s+(?:my\s+|the\s+)?([a-z]+)"
)
_CLAUSES = re.compile(r"[,.;:!?]|\bbut\b|\bso\b")


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def injuries_in(text: str) -> list[str]:
    """The body areas named in the clauses of `text` that mention an injury or pain, in order."""
    areas: list[str] = []
    for clause in _CLAUSES.split(text.lower()):
        if not INJURY_MENTION.search(clause):
            continue
        words = [_singular(w) for w in re.findall(r"[a-z]+", clause)]
        phrase = " ".join(words)
        if "high blood pressure" in phrase:
            areas.append("high blood pressure")
        if "rotator cuff" in phrase:
            areas.append("rotator cuff")
        areas += [w for w in words if w in BODY_AREAS and w not in {"rotator", "cuff"}]
    return list(dict.fromkeys(areas))


def injury_question(text: str) -> bool:
    """An exercise question from someone with an injury or pain, not a request for a diagnosis."""
    lowered = text.lower()
    mentions = INJURY_MENTION.search(lowered) and EXERCISE_QUESTION.search(lowered)
    return bool(mentions) and not DIAGNOSIS.search(lowered)


def conversation_injuries(*, history: list["Message"], summary: str) -> list[str]:
    """Injuries the user mentioned earlier in the conversation: recent messages and summary facts."""
    texts = [m.content for m in history if m.role == Message.Role.USER] + summary_facts(summary)
    return list(dict.fromkeys(area for text in texts for area in injuries_in(text)))


def _target_group(text: str) -> str | None:
    for match in TARGET.finditer(text.lower()):
        group = TARGET_GROUPS.get(_singular(match.group(1)))
        if group:
            return group
    return None


def injury_guidance(*, text: str, earlier: list[str]) -> "Answer":
    """Exercises for the asked-for group that none of the user's injuries contraindicates, and where
    to get a ranked list; never a judgement on the injury itself."""
    from ai.coach import library_items  # the coach's view of the library (one load, four queries)
    from ai.providers.base import RESISTANCE_CATEGORIES

    group = _target_group(text)
    injuries = list(dict.fromkeys([*injuries_in(text), *earlier]))
    listed = ", ".join(f'"{injury}"' for injury in injuries) or '"..."'
    pointer = (
        "For alternatives ranked for your equipment, use the coach's exercise suggestions "
        f'(POST /api/v1/ai/exercise-suggest with "reason": "pain" and "injuries": [{listed}]).'
    )
    if not injuries:
        body = (
            'Tell me where the injury or pain is (for example "shoulder" or "lower back") and which '
            f"muscles you want to train, and I'll list exercises that avoid loading it. {pointer} "
            f"I can't assess the injury itself. {PROFESSIONAL}"
        )
        return Answer(body)
    library, _ = library_items()
    pool = [
        item
        for item in library
        if item.category in RESISTANCE_CATEGORIES and (group is None or group in item.groups)
    ]
    safe = sorted(
        (item for item in pool if not injury_conflicts(item, injuries)),
        key=lambda item: (not item.is_compound, -item.popularity, item.name),
    )
    avoided = sorted(
        (item for item in pool if injury_conflicts(item, injuries)), key=lambda i: (-i.popularity, i.name)
    )
    what = ", ".join(injuries)
    target = f"for your {group}" if group else ""
    lines = [f"With your {what} in mind, here are options {target} that the library does not flag for it:"]
    if safe:
        lines += [f"- {item.name}" for item in safe[:5]]
    else:
        lines = [f"Every exercise {target} in the library is flagged for {what}: rest that area for now."]
    if avoided:
        lines.append(f"Leave out for now: {', '.join(item.name for item in avoided[:4])}.")
    lines.append("Start light, keep every rep pain-free, and stop a movement that hurts.")
    lines.append(pointer)
    lines.append(f"I can't assess the injury itself. {PROFESSIONAL}")
    facts = f"Injuries mentioned: {what}."
    return Answer(" ".join(lines[:1]) + "\n" + "\n".join(lines[1:]), facts=facts)


# --- Exercise matching -------------------------------------------------------------------------------

# Words that qualify a movement rather than name it: they only break ties between candidates.
MODIFIERS = frozenset(
    [
        "barbell",
        "dumbbell",
        "dumbbells",
        "kettlebell",
        "machine",
        "cable",
        "smith",
        "ez",
        "bar",
        "band",
        "banded",
        "weighted",
        "bodyweight",
        "seated",
        "standing",
        "lying",
        "single",
        "arm",
        "leg",
        "one",
        "with",
        "the",
        "and",
        "on",
        "of",
    ]
)
# Movement words shared by many exercises: "press" alone does not say which press.
GENERIC = frozenset(
    [
        "press",
        "curl",
        "row",
        "raise",
        "extension",
        "fly",
        "flye",
        "pulldown",
        "pushdown",
        "kickback",
        "crunch",
        "hold",
    ]
)
ALIASES = {
    "ohp": "overhead press",
    "rdl": "romanian deadlift",
    "dl": "deadlift",
    "bp": "bench press",
    "benched": "bench",
    "benching": "bench",
    "squatted": "squat",
    "squatting": "squat",
    "deadlifted": "deadlift",
    "pullup": "pull up",
    "pullups": "pull up",
    "chinup": "chin up",
    "chinups": "chin up",
    "pushup": "push up",
    "pushups": "push up",
}
# Which variant people mean when they name only the lift ("my bench" is the barbell bench press).
CANONICAL = {
    "bench": "barbell bench press",
    "squat": "barbell back squat",
    "deadlift": "conventional deadlift",
    "curl": "barbell curl",
    "row": "barbell row",
}
TOKEN_THRESHOLD = 80


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    logged: bool


def _message_tokens(text: str) -> set[str]:
    expanded = " ".join(ALIASES.get(word, word) for word in words_of(text))
    return {word for word in expanded.split() if word not in STOPWORDS}


def _token_in(token: str, tokens: set[str]) -> bool:
    """Exact for short words; one typo or so for longer ones ("sqaut", "benchh")."""
    if token in tokens:
        return True
    if len(token) < 4:
        return False
    return any(
        len(other) >= 4 and fuzz.ratio(token, other) >= (TOKEN_THRESHOLD if len(token) > 4 else 88)
        for other in tokens
    )


def _candidate_score(candidate: Candidate, tokens: set[str]) -> float:
    name_tokens = words_of(candidate.name)
    core = [token for token in name_tokens if token not in MODIFIERS] or name_tokens
    matched = [token for token in core if _token_in(token, tokens)]
    if not matched or (all(token in GENERIC for token in matched) and len(matched) < len(core)):
        return 0.0
    score = sum(0.5 if token in GENERIC else 1.0 for token in matched)
    score -= 0.1 * (len(core) - len(matched))
    score += 0.25 * sum(1 for token in name_tokens if token in MODIFIERS and token in tokens)
    name = " ".join(name_tokens)
    if any(canonical == name and _token_in(lift, tokens) for lift, canonical in CANONICAL.items()):
        score += 0.3
    return score + (0.5 if candidate.logged else 0.0)


def exercise_candidates(*, user: User) -> list[Candidate]:
    """The user's logged exercises, then the approved library (two queries)."""
    logged_ids = set(
        ExerciseDaySummary.objects.using(read_alias()).filter(user=user).values_list("exercise_id", flat=True)
    )
    rows = Exercise.objects.filter(pk__in=logged_ids).values_list("pk", "name").order_by("pk")
    logged = [Candidate(pk, name, True) for pk, name in rows]
    library = Exercise.objects.approved().exclude(pk__in=logged_ids).values_list("pk", "name").order_by("pk")
    return logged + [Candidate(pk, name, False) for pk, name in library]


def exercise_match(text: str, candidates: list[Candidate]) -> Candidate | None:
    """The exercise `text` names, tolerant of typos; ties go to logged, then shorter, then older ones."""
    tokens = _message_tokens(text)
    best: tuple[float, int, int] | None = None
    found = None
    for candidate in candidates:
        score = _candidate_score(candidate, tokens)
        if score <= 0:
            continue
        key = (score, -len(candidate.name), -candidate.id)
        if best is None or key > best:
            best, found = key, candidate
    return found


# --- The user's data -----------------------------------------------------------------------------------


def _kg(value: Decimal | float | int | None) -> str:
    number = round(float(value or 0), 1)
    return f"{int(number)}" if number == int(number) else f"{number}"


def _day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


@dataclass(frozen=True)
class Period:
    label: str
    start: date | None
    end: date


_LAST_N_DAYS = re.compile(r"\b(?:last|past) (\d{1,3}) days?\b")


def period_in(text: str, today: date) -> Period | None:
    """The calendar period a message names ("last week" is the previous Monday to Sunday)."""
    lowered = " ".join(words_of(text))
    monday = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    previous_month = (month - timedelta(days=1)).replace(day=1)
    if match := _LAST_N_DAYS.search(lowered):
        days = max(1, int(match.group(1)))
        return Period(f"in the last {days} days", today - timedelta(days=days - 1), today)
    named = [
        ("yesterday", Period("yesterday", today - timedelta(days=1), today - timedelta(days=1))),
        ("today", Period("today", today, today)),
        ("last week", Period("last week", monday - timedelta(days=7), monday - timedelta(days=1))),
        ("this week", Period("this week", monday, today)),
        ("last month", Period("last month", previous_month, month - timedelta(days=1))),
        ("this month", Period("this month", month, today)),
        ("last year", Period("last year", date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))),
        ("this year", Period("this year", date(today.year, 1, 1), today)),
        ("all time", Period("in total", None, today)),
        ("ever", Period("in total", None, today)),
        ("in total", Period("in total", None, today)),
    ]
    for phrase, period in named:
        if re.search(rf"\b{phrase}\b", lowered):
            return period
    return None


def _exercise_days(user: User, exercise_id: int) -> QuerySet[ExerciseDaySummary]:
    return ExerciseDaySummary.objects.using(read_alias()).filter(user=user, exercise_id=exercise_id)


def _session_line(row: ExerciseDaySummary) -> str:
    return (
        f"{_day(row.day)}: top set {_kg(row.max_weight_kg)} kg, {row.sets} sets, {row.reps} reps, "
        f"{_kg(row.volume_kg)} kg volume (estimated 1RM {_kg(row.best_e1rm)} kg)"
    )


def exercise_best(*, user: User, exercise: Candidate) -> str:
    """The heaviest weight and best estimated 1RM the user has logged for one exercise."""
    days = _exercise_days(user, exercise.id)
    heaviest = days.order_by("-max_weight_kg", "day").first()
    if heaviest is None:
        return f"You haven't logged {exercise.name} yet. Log a session and I can track your best."
    strongest = days.order_by("-best_e1rm", "day").first()
    return (
        f"Your best {exercise.name}: heaviest weight {_kg(heaviest.max_weight_kg)} kg "
        f"(on {_day(heaviest.day)}), best estimated 1RM {_kg(strongest.best_e1rm)} kg "
        f"(on {_day(strongest.day)})."
    )


def exercise_in_period(*, user: User, exercise: Candidate, period: Period) -> str:
    """Each training day of one exercise within a period, or the latest session before it."""
    days = _exercise_days(user, exercise.id).filter(day__lte=period.end)
    if period.start:
        days = days.filter(day__gte=period.start)
    rows = list(days.order_by("day")[:14])
    if rows:
        lines = "\n".join(f"- {_session_line(row)}" for row in rows)
        return f"Your {exercise.name} {period.label}:\n{lines}"
    latest = _exercise_days(user, exercise.id).order_by("-day").first()
    if latest is None:
        return f"You haven't logged {exercise.name} yet."
    return f"You didn't log {exercise.name} {period.label}. Your latest session was {_session_line(latest)}."


def exercise_overview(*, user: User, exercise: Candidate) -> str:
    latest = _exercise_days(user, exercise.id).order_by("-day").first()
    if latest is None:
        return f"You haven't logged {exercise.name} yet."
    best = exercise_best(user=user, exercise=exercise)
    return f"Your latest {exercise.name} session: {_session_line(latest)}. {best}"


def workouts_in_period(*, user: User, period: Period) -> str:
    """Completed workouts, sets and volume in a period, from the daily summaries."""
    rows = DailySummary.objects.using(read_alias()).filter(user=user, day__lte=period.end)
    if period.start:
        rows = rows.filter(day__gte=period.start)
    totals = rows.aggregate(
        workouts=Sum("workouts"), sets=Sum("sets"), volume=Sum("volume_kg"), days=Count("id")
    )
    count = totals["workouts"] or 0
    if not count:
        return f"You haven't completed any workouts {period.label}. A short session today is a fine start."
    noun = "workout" if count == 1 else "workouts"
    return (
        f"You completed {count} {noun} {period.label}: {totals['sets'] or 0} working sets and "
        f"{_kg(totals['volume'])} kg of volume in total."
    )


def weight_trend(*, user: User) -> str:
    """The body-weight trend over the last 90 days, from the weight measurements."""
    since = timezone.now() - timedelta(days=90)
    rows = list(
        BodyMetric.objects.using(read_alias())
        .filter(user=user, kind=BodyMetric.Kind.WEIGHT, measured_at__gte=since)
        .order_by("measured_at", "pk")
        .values_list("measured_at", "value")
    )
    if not rows:
        return (
            "You haven't logged your weight in the last 90 days. "
            "Add a measurement and I can follow the trend."
        )
    latest_at, latest = rows[-1]
    if len(rows) == 1:
        when = _day(latest_at.date())
        return f"Your latest weight is {_kg(latest)} kg ({when}). Log a few more to see a trend."
    first_at, first = rows[0]
    slope = slope_per_week([(moment.date(), float(value)) for moment, value in rows])
    change = float(latest) - float(first)
    direction = "down" if change < 0 else "up" if change > 0 else "unchanged"
    trend = f", a trend of {slope:+.2f} kg per week" if slope is not None else ""
    return (
        f"Your weight went from {_kg(first)} kg ({_day(first_at.date())}) to {_kg(latest)} kg "
        f"({_day(latest_at.date())}): {direction} {_kg(abs(change))} kg over {len(rows)} measurements{trend}."
    )


def data_context(*, user: User) -> str:
    """A short digest of the user's training for the LLM prompt (a handful of queries)."""
    today = user_today(user=user)
    month = today.replace(day=1)
    lines = [workouts_in_period(user=user, period=Period("this month", month, today))]
    top = (
        ExerciseDaySummary.objects.using(read_alias())
        .filter(user=user)
        .values("exercise__name")
        .annotate(days=Count("id"), top=Max("max_weight_kg"), e1rm=Max("best_e1rm"), last=Max("day"))
        .order_by("-days", "exercise__name")[:5]
    )
    for row in top:
        lines.append(
            f"{row['exercise__name']}: trained on {row['days']} days, last on {row['last']}, heaviest "
            f"{_kg(row['top'])} kg, best estimated 1RM {_kg(row['e1rm'])} kg."
        )
    lines.append(weight_trend(user=user))
    return "\n".join(lines)


# --- The rules engine -------------------------------------------------------------------------------

WORKOUT_COUNT = re.compile(
    r"\b(how many (workouts?|sessions?|times?)|number of (workouts?|sessions?)|how often did i|"
    r"workouts? (did i|have i)|did i (train|work ?out|go to the gym))\b"
)
WEIGHT_QUESTION = re.compile(
    r"\b(my (body ?)?weight|weight trend|how much do i weigh|my bodyweight|am i (losing|gaining) weight)\b"
)
ABOUT_ME = re.compile(r"\b(did i|have i|i did|i lifted|my|am i|how am i doing)\b")
BEST = re.compile(r"\b(best|pr|prs|record|records|max|heaviest|strongest|1rm|top)\b")
HOW_TO = re.compile(
    r"\b(how (do|should|can) i|how to|form|technique|cues?|tips?|improve|increase|progress)\b"
)
RECALL = re.compile(
    r"\b(what (did|have) we (talk|discuss|chat|cover)\w*|remind me what we|our conversation)\b"
)

DEFAULT_REPLY = (
    "I'm your training coach. I can answer from your own log, for example \"what did I bench last "
    'week?", "how many workouts this month?", "my best squat" or "my weight trend", and general '
    "questions about training: progressive overload, rep ranges, rest between sets, deloads, warm-ups, "
    "sleep and recovery, protein, plateaus, cardio and form cues for the big lifts. What would you like "
    "to know?"
)


@dataclass
class Answer:
    text: str
    provider: str = RULES
    fallback_reason: str = ""
    refused: bool = False
    model: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int = 0
    facts: str = ""


def _context_exercise(text: str, history: list[Message], candidates: list[Candidate]) -> Candidate | None:
    """The exercise named now, else the one named in the latest earlier user message (a follow-up)."""
    found = exercise_match(text, candidates)
    if found:
        return found
    for message in reversed(history):
        if message.role == Message.Role.USER and (found := exercise_match(message.content, candidates)):
            return found
    return None


def rules_answer(
    *, user: User, text: str, history: list[Message], summary: str, candidates: list[Candidate]
) -> Answer:
    """The deterministic answer: own data, then the knowledge base, then the default."""
    lowered = " ".join(words_of(text))
    today = user_today(user=user)
    period = period_in(text, today)
    if RECALL.search(lowered):
        topics = summary_topics(summary) + [
            topic
            for message in history
            if message.role == Message.Role.USER
            for topic in message_topics(message.content, candidates)
        ]
        unique = list(dict.fromkeys(topics))
        if not unique:
            return Answer("We haven't covered anything yet. Ask me about your training or a coaching topic.")
        return Answer(f"So far we talked about: {', '.join(unique)}.")
    if WORKOUT_COUNT.search(lowered):
        chosen = period or Period("this month", today.replace(day=1), today)
        body = workouts_in_period(user=user, period=chosen)
        return Answer(body, facts=body)
    named = exercise_match(text, candidates)
    asks_data = bool(ABOUT_ME.search(lowered) or period)
    how_to = bool(HOW_TO.search(lowered)) and not re.search(r"\b(did i|have i)\b", lowered)
    if WEIGHT_QUESTION.search(lowered) and named is None:
        body = weight_trend(user=user)
        return Answer(body, facts=body)
    exercise = named or (_context_exercise(text, history, candidates) if period and asks_data else None)
    entries = knowledge_search(text)
    if exercise and asks_data and not how_to:
        if period:
            body = exercise_in_period(user=user, exercise=exercise, period=period)
        elif BEST.search(lowered):
            body = exercise_best(user=user, exercise=exercise)
        else:
            body = exercise_overview(user=user, exercise=exercise)
        return Answer(body, facts=body)
    if entries:
        entry = entries[0]
        body = f"{entry.title}: {entry.answer}"
        reference = exercise_best(user=user, exercise=exercise) if exercise and asks_data else ""
        if reference:
            body += f"\n\nFor reference, from your log: {reference}"
        if len(entries) > 1:
            body += f"\n\nRelated topic you can ask about: {entries[1].title.lower()}."
        return Answer(body, facts=reference)
    if exercise:
        body = exercise_overview(user=user, exercise=exercise)
        return Answer(body, facts=body)
    return Answer(DEFAULT_REPLY)


# --- Memory --------------------------------------------------------------------------------------------

FACT = re.compile(
    r"\b(i am|i'm|i weigh|my goal|i want|i train|i have|i've been|i can|i work|i usually|i only|i prefer)\b",
    re.IGNORECASE,
)
_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def message_topics(text: str, candidates: list[Candidate]) -> list[str]:
    """What a user message was about: a knowledge topic and an exercise, when it names them."""
    topics = [entry.title.lower() for entry in knowledge_search(text, limit=1)]
    exercise = exercise_match(text, candidates)
    if exercise:
        topics.append(exercise.name)
    lowered = " ".join(words_of(text))
    if WORKOUT_COUNT.search(lowered):
        topics.append("workout count")
    if WEIGHT_QUESTION.search(lowered):
        topics.append("body-weight trend")
    return topics


def _facts(text: str) -> list[str]:
    return [sentence.strip()[:160] for sentence in _SENTENCES.split(text.strip()) if FACT.search(sentence)]


def summary_topics(summary: str) -> list[str]:
    for line in summary.splitlines():
        if line.startswith("Topics: "):
            return [topic for topic in line.removeprefix("Topics: ").split("; ") if topic]
    return []


def summary_facts(summary: str) -> list[str]:
    for line in summary.splitlines():
        if line.startswith("Facts: "):
            return [fact for fact in line.removeprefix("Facts: ").split(" | ") if fact]
    return []


def summary_update(summary: str, folded: list[Message], candidates: list[Candidate]) -> str:
    """Fold messages that left the recent window into the summary: topics and stated facts, newest kept."""
    topics, facts = summary_topics(summary), summary_facts(summary)
    for message in folded:
        if message.role != Message.Role.USER:
            continue
        topics += message_topics(message.content, candidates)
        facts += _facts(message.content)
    topics = list(dict.fromkeys(reversed(topics)))[:MAX_SUMMARY_TOPICS][::-1]
    facts = list(dict.fromkeys(reversed(facts)))[:MAX_SUMMARY_FACTS][::-1]
    lines = []
    if topics:
        lines.append("Topics: " + "; ".join(topics))
    if facts:
        lines.append("Facts: " + " | ".join(fact.replace(" | ", ", ") for fact in facts))
    return "\n".join(lines)


# --- The LLM --------------------------------------------------------------------------------------------

SYSTEM_PROMPT = (
    "You are FitAI's strength and conditioning coach. Answer briefly and concretely, in metric units, "
    "using the user's own training data below when it is relevant; do not invent numbers. Give general "
    "training guidance only. Never diagnose pain, injuries or other symptoms, never recommend "
    "medication, supplements doses or drugs, and never advise on eating disorders: for those, tell the "
    "user to see a doctor, physiotherapist or registered dietitian, and for emergencies (chest pain, "
    "fainting, trouble breathing) to call emergency services."
)


def llm_messages(
    *, user: User, text: str, summary: str, history: list[Message], facts: str
) -> list[dict[str, str]]:
    """System prompt, running summary, the user's injuries, the user's data, the recent messages and
    the new message."""
    messages = [{"role": "system", "content": SYSTEM_PROMPT}]
    if summary:
        messages.append({"role": "system", "content": f"Summary of the earlier conversation:\n{summary}"})
    earlier = conversation_injuries(history=history, summary=summary)
    injuries = list(dict.fromkeys([*earlier, *injuries_in(text)]))
    if injuries:
        messages.append(
            {
                "role": "system",
                "content": f"The user has mentioned these injuries or conditions: {', '.join(injuries)}. "
                "Never suggest an exercise that loads them; for the injury itself, point to a doctor or "
                "physiotherapist.",
            }
        )
    messages.append({"role": "system", "content": f"The user's training data:\n{data_context(user=user)}"})
    if facts:
        messages.append(
            {"role": "system", "content": f"Facts from the user's log for this question:\n{facts}"}
        )
    messages += [{"role": message.role, "content": message.content} for message in history]
    messages.append({"role": "user", "content": text})
    return messages


def _llm_answer(*, user: User, text: str, summary: str, history: list[Message], rules: Answer) -> Answer:
    """The LLM's answer, or the rules engine's with `fallback_reason` when it fails or oversteps."""
    try:
        reply = complete_text(
            messages=llm_messages(user=user, text=text, summary=summary, history=history, facts=rules.facts),
            user=user,
            endpoint=ENDPOINT,
        )
    except LLMError as error:
        rules.fallback_reason = error.reason or "llm_error"
        return rules
    usage = {
        "model": reply.model,
        "tokens_in": reply.tokens_in,
        "tokens_out": reply.tokens_out,
        "latency_ms": reply.latency_ms,
    }
    if not reply.text.strip():
        return Answer(rules.text, fallback_reason="empty_reply", **usage)
    if reply_is_unsafe(reply.text):
        return Answer(REFUSAL_SYMPTOM, fallback_reason="unsafe_reply", refused=True, **usage)
    return Answer(reply.text.strip()[:8000], provider=LLM_PROVIDER, **usage)


# --- Services and selectors -------------------------------------------------------------------------


def conversations_for_user(*, user: User) -> QuerySet[Conversation]:
    """The user's conversations, most recently active first."""
    return Conversation.objects.filter(user=user).order_by("-updated_at", "-pk")


def conversation_get_for_user(*, user: User, conversation_id: uuid.UUID | str) -> Conversation:
    """One of the user's conversations; anyone else's is not found."""
    conversation = Conversation.objects.filter(user=user, public_id=conversation_id).first()
    if conversation is None:
        raise NotFoundError("No such conversation.")
    return conversation


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    """A conversation's messages, oldest first."""
    return Message.objects.filter(conversation=conversation).order_by("created_at", "pk")


def _recent(conversation: Conversation | None) -> list[Message]:
    if conversation is None:
        return []
    latest = Message.objects.filter(conversation=conversation).order_by("-created_at", "-pk")
    return list(reversed(latest[:RECENT_MESSAGES]))


@dataclass
class ChatResult:
    conversation: Conversation
    message: Message
    answer: Answer


def _clean(message: str) -> str:
    text = (message or "").strip()
    if not text:
        raise ValidationError({"message": ["Write a message."]})
    if len(text) > MAX_MESSAGE_CHARS:
        raise ValidationError({"message": [f"Keep a message to {MAX_MESSAGE_CHARS} characters."]})
    return text


def chat_reply(*, user: User, message: str, conversation_id: uuid.UUID | str | None = None) -> ChatResult:
    """Answer one message in a new or existing conversation of the user's, and remember both."""
    text = _clean(message)
    conversation = (
        conversation_get_for_user(user=user, conversation_id=conversation_id) if conversation_id else None
    )
    with quota_reserved(user=user, endpoint=ENDPOINT) as reservation:
        return _chat_answer(user=user, conversation=conversation, text=text, reservation=reservation)


def _chat_answer(*, user: User, conversation: Conversation | None, text: str, reservation) -> ChatResult:
    history = _recent(conversation)
    summary = conversation.summary if conversation else ""
    candidates = exercise_candidates(user=user)
    refusal = medical_refusal(text)
    if refusal in (None, REFUSAL_SYMPTOM) and injury_question(text):
        # An exercise question from someone with an injury: guidance filtered by the injury matcher,
        # from the rules engine only (the LLM could name a contraindicated exercise).
        answer = injury_guidance(text=text, earlier=conversation_injuries(history=history, summary=summary))
    elif refusal:
        answer = Answer(refusal, refused=True)
    else:
        answer = rules_answer(user=user, text=text, history=history, summary=summary, candidates=candidates)
        if llm_enabled():
            answer = _llm_answer(user=user, text=text, summary=summary, history=history, rules=answer)
    attempted_llm = bool(answer.fallback_reason) or answer.provider == LLM_PROVIDER
    call_log(
        reservation=reservation,
        user=user,
        endpoint=ENDPOINT,
        provider=LLM_PROVIDER if attempted_llm else RULES,
        outcome="fallback" if answer.fallback_reason else "ok",
        model=answer.model,
        tokens_in=answer.tokens_in,
        tokens_out=answer.tokens_out,
        latency_ms=answer.latency_ms,
        fallback_reason=answer.fallback_reason,
    )
    return _conversation_record(
        user=user, conversation=conversation, text=text, answer=answer, candidates=candidates
    )


@transaction.atomic
def _conversation_record(
    *, user: User, conversation: Conversation | None, text: str, answer: Answer, candidates: list[Candidate]
) -> ChatResult:
    """Store the turn and fold the pair of messages that left the recent window into the summary."""
    if conversation is None:
        title = text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"
        conversation = Conversation.objects.create(user=user, title=title)
    else:
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    Message.objects.create(conversation=conversation, role=Message.Role.USER, content=text)
    reply = Message.objects.create(
        conversation=conversation, role=Message.Role.ASSISTANT, content=answer.text, provider=answer.provider
    )
    left = conversation.messages.count() - RECENT_MESSAGES
    if left > 0:
        folded = list(conversation_messages(conversation=conversation)[max(0, left - 2) : left])
        conversation.summary = summary_update(conversation.summary, folded, candidates)
    conversation.save(update_fields=["summary", "updated_at"])
    return ChatResult(conversation=conversation, message=reply, answer=answer)
