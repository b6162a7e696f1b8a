"""The provider interface of the AI coach, and what every provider is given and returns.

A provider turns a request plus the user's context (experience, injuries, equipment, the
exercise library, muscles still recovering) into a plan. It never reads the database itself: the
coach services (`ai.coach`) load the context once, so the rules engine and the LLM see the same
facts, and every plan then passes the one safety validator (`ai.safety`).

Results carry `provider` (who produced the answer) and `fallback_reason` (why the rules engine
stood in for the configured provider; empty otherwise), plus token accounting for the call log.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol
from uuid import UUID

EXPERIENCE_LEVELS = ("beginner", "intermediate", "advanced")
GOALS = ("strength", "hypertrophy", "endurance", "fat_loss", "general_fitness")
MUSCLE_GROUPS = ("legs", "chest", "back", "shoulders", "arms", "core")
# Groups pushed and pulled by upper-body work, for the push/pull balance.
UPPER_GROUPS = {"chest", "back", "shoulders", "arms"}
DIFFICULTY_RANK = {"beginner": 0, "intermediate": 1, "advanced": 2}
# Categories a resistance plan is built from; cardio, stretching and mobility are not sets x reps.
RESISTANCE_CATEGORIES = {"strength", "powerlifting", "olympic_weightlifting", "strongman", "plyometrics"}


@dataclass(frozen=True)
class LibraryItem:
    """One approved exercise as the coach sees it (muscles and equipment by slug)."""

    pk: int
    public_id: UUID
    slug: str
    name: str
    primary: frozenset[str]
    secondary: frozenset[str]
    groups: frozenset[str]  # analytics groups of the primary muscles
    equipment: frozenset[str]
    category: str
    mechanics: str
    force: str
    difficulty: str
    contraindications: tuple[str, ...]
    safety_notes: str
    variations: frozenset[int]
    popularity: float

    @property
    def is_compound(self) -> bool:
        return self.mechanics == "compound"


@dataclass
class CoachContext:
    """Everything a provider may use about the user and the library; loaded by `ai.coach`."""

    user_id: int
    experience: str
    goal: str
    injuries: list[str]
    equipment: set[str]
    library: list[LibraryItem]
    muscle_groups: dict[str, str]  # muscle slug -> analytics group
    recovering: dict[str, float]  # group -> working sets in the last 72 h (only groups over the line)
    recent_sets: dict[str, float] = field(default_factory=dict)  # group -> sets in the last 72 h
    recent_exercises: set[int] = field(default_factory=set)  # exercise pks done in the last 14 days
    today: date | None = None

    def by_pk(self) -> dict[int, LibraryItem]:
        return {item.pk: item for item in self.library}


@dataclass
class Result:
    """A provider's answer: `data` is the plan or assessment, already shaped for the response."""

    data: dict[str, Any]
    provider: str
    fallback_reason: str = ""
    model: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int = 0
    warnings: list[str] = field(default_factory=list)


class CoachProvider(Protocol):
    """What every provider implements; requests are validated dicts (see `ai.coach_serializers`)."""

    name: str

    def workout(self, *, ctx: CoachContext, request: dict[str, Any]) -> Result:
        """One session: `{name, exercises[{exercise_id, sets, reps_min, reps_max, rest_seconds, ...}],
        rationale[]}`."""
        ...

    def program(self, *, ctx: CoachContext, request: dict[str, Any]) -> Result:
        """A week of sessions repeated for `weeks`: `{name, description, days[...], rationale[]}`."""
        ...

    def exercise_suggestions(self, *, ctx: CoachContext, request: dict[str, Any]) -> Result:
        """Ranked alternatives: `{alternatives[{exercise_id, score, reasons[]}]}`."""
        ...

    def goal_assessment(self, *, ctx: CoachContext, request: dict[str, Any]) -> Result:
        """`{realistic, projected_date, safer_target?, safer_deadline?, weekly_rate, milestones, ...}`."""
        ...
