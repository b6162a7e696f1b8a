"""Recommendations: item-item collaborative filtering over implicit feedback, with content-based
and popularity fallbacks, each served item stored so feedback can attach to it.

The implicit feedback matrix (users x items, one per kind) adds these signals; every weight is a
named constant below, so the README and the code cannot drift apart.

Exercises
- logged: completed, not deleted workouts that contain the exercise, counted once per workout:
  ``3 x log2(1 + min(n, 64))`` - one workout gives 3, the tenth adds little (habits, not volume).
- program: the exercise is in one of the user's own live programs: 1.5.
- favourite: the exercise is in a program the user favourited: 0.5 (a weak "I like this plan").
- rating: an exercise rating above 3 gives ``1 x (score - 3)``; ratings of 1-2 add nothing and
  keep the exercise out of that user's recommendations (an explicit dislike).

Programs (templates)
- uses: completed workouts started from the program: ``2 x log2(1 + min(n, 64))``.
- favourite: 2. fork: forking a program counts 2 for the original.
- rating: above 3 gives ``1.5 x (score - 3)``; 1-2 keeps it out, as for exercises.

Model. Columns of the matrix are scaled to unit length, ``S = Xn^T Xn`` is the cosine similarity
(scipy.sparse), shrunk by co-occurrence ``c / (c + 2)`` so that a pair seen by one person does not
look as similar as one seen by twenty; each item keeps its 30 nearest neighbours above 0.01. The
nightly `similarity_rebuild_task` replaces the whole table of a kind in one transaction, so
readers see the old model or the new one, never half of each.

Scoring for one user. ``score(j) = sum over the user's items i of sim(i, j) x weight(i)``; a
thumbs-up adds the item to the user's profile with weight 2 (its neighbours rise); a thumbs-down
removes the item for good and multiplies each neighbour by ``1 - 0.5 x sim(down, j)``. The reason
names the item that contributed most ("Because you train Bench Press"). Excluded: for exercises,
those in the user's last 10 completed workouts or in their own programs (they already do them);
older exercises stay eligible at half score (worth coming back to). For programs, the user's own
and every program they already used, favourited, forked or rated.

Fallbacks, in order, to fill the list: content-based (exercises hitting the muscle groups the user
trains, ranked by the share of their training in those groups; or, with no history, exercises of
the profile's fitness level; programs of the user's level or of the goals of programs they use),
then popular (exercises by this month's use, programs by favourites and rating). Every result says
its `source`. Only approved, live exercises and programs the user may see (not their own) appear.

Stored rows. Each served item is a `Recommendation` whose public id is the result's `id`. A refresh
within `REUSE_MINUTES` reuses the row of the same item (updated to the fresh score and reason)
unless feedback was already given on it, so reloading the page does not inflate the served counts
behind the acceptance rates.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import numpy as np
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from scipy import sparse

from accounts.models import Profile, User
from ai.models import ItemSimilarity, Recommendation, RecommendationFeedback
from exercises.models import Exercise, ExerciseRating
from exercises.selectors import exercises_popular
from fitai.errors import NotFoundError
from templates_app.models import TemplateExercise, TemplateFavorite, TemplateRating, WorkoutTemplate
from templates_app.selectors import templates_visible_to
from workouts.models import Workout, WorkoutExercise

Kind = Recommendation.Kind
Source = Recommendation.Source

# --- Weights of the implicit feedback (documented in the module docstring and the README) -------
EXERCISE_LOGGED_WEIGHT = 3.0
EXERCISE_PROGRAM_WEIGHT = 1.5
EXERCISE_FAVOURITE_WEIGHT = 0.5
EXERCISE_RATING_WEIGHT = 1.0
TEMPLATE_USE_WEIGHT = 2.0
TEMPLATE_FAVOURITE_WEIGHT = 2.0
TEMPLATE_FORK_WEIGHT = 2.0
TEMPLATE_RATING_WEIGHT = 1.5
COUNT_CAP = 64
DISLIKE_MAX_SCORE = 2

# --- The similarity model --------------------------------------------------------------------
NEIGHBOURS = 30
MIN_SIMILARITY = 0.01
SHRINKAGE = 2.0

# --- Scoring ----------------------------------------------------------------------------------
RECENT_WORKOUTS = 10
REVISIT_FACTOR = 0.5
UP_WEIGHT = 2.0
DOWN_DAMPING = 0.5
REUSE_MINUTES = 60
CONTENT_CANDIDATES = 200
MAX_LIMIT = 50

Interactions = dict[tuple[int, int], float]


def _add(into: Interactions, user_id: int, item_id: int, weight: float) -> None:
    if weight > 0:
        into[(user_id, item_id)] = into.get((user_id, item_id), 0.0) + weight


def _count_weight(weight: float, n: int) -> float:
    return weight * math.log2(1 + min(n, COUNT_CAP))


def exercise_signals(*, user_id: int | None = None) -> dict[str, Interactions]:
    """Each exercise signal as {(user id, exercise id): weight}, for everyone or one user."""
    mine = (lambda field: Q(**{field: user_id})) if user_id is not None else (lambda field: Q())
    signals: dict[str, Interactions] = {"logged": {}, "program": {}, "favourite": {}, "rating": {}}
    logged = (
        WorkoutExercise.objects.filter(
            mine("workout__owner_id"),
            workout__status=Workout.Status.COMPLETED,
            workout__deleted_at__isnull=True,
        )
        .values("workout__owner_id", "exercise_id")
        .annotate(n=Count("workout_id", distinct=True))
        .order_by()
    )
    for row in logged:
        _add(
            signals["logged"],
            row["workout__owner_id"],
            row["exercise_id"],
            _count_weight(EXERCISE_LOGGED_WEIGHT, row["n"]),
        )
    in_programs = (
        TemplateExercise.objects.filter(
            mine("day__template__owner_id"), day__template__deleted_at__isnull=True
        )
        .values_list("day__template__owner_id", "exercise_id")
        .distinct()
        .order_by()
    )
    for owner_id, exercise_id in in_programs:
        _add(signals["program"], owner_id, exercise_id, EXERCISE_PROGRAM_WEIGHT)
    favourites = (
        TemplateFavorite.objects.filter(
            mine("user_id"), template__deleted_at__isnull=True, template__days__exercises__isnull=False
        )
        .values_list("user_id", "template__days__exercises__exercise_id")
        .distinct()
        .order_by()
    )
    for fan_id, exercise_id in favourites:
        _add(signals["favourite"], fan_id, exercise_id, EXERCISE_FAVOURITE_WEIGHT)
    ratings = ExerciseRating.objects.filter(mine("user_id"), score__gt=3).values_list(
        "user_id", "exercise_id", "score"
    )
    for rater_id, exercise_id, score in ratings:
        _add(signals["rating"], rater_id, exercise_id, EXERCISE_RATING_WEIGHT * (score - 3))
    return signals


def template_signals(*, user_id: int | None = None) -> dict[str, Interactions]:
    """Each program signal as {(user id, template id): weight}, for everyone or one user."""
    mine = (lambda field: Q(**{field: user_id})) if user_id is not None else (lambda field: Q())
    signals: dict[str, Interactions] = {"uses": {}, "favourite": {}, "fork": {}, "rating": {}}
    uses = (
        Workout.objects.filter(
            mine("owner_id"), status=Workout.Status.COMPLETED, deleted_at__isnull=True, template__isnull=False
        )
        .values("owner_id", "template_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in uses:
        _add(
            signals["uses"], row["owner_id"], row["template_id"], _count_weight(TEMPLATE_USE_WEIGHT, row["n"])
        )
    for fan_id, template_id in TemplateFavorite.objects.filter(mine("user_id")).values_list(
        "user_id", "template_id"
    ):
        _add(signals["favourite"], fan_id, template_id, TEMPLATE_FAVOURITE_WEIGHT)
    forks = WorkoutTemplate.objects.alive().filter(mine("owner_id"), forked_from__isnull=False)
    for owner_id, original_id in forks.values_list("owner_id", "forked_from_id"):
        _add(signals["fork"], owner_id, original_id, TEMPLATE_FORK_WEIGHT)
    ratings = TemplateRating.objects.filter(mine("user_id"), score__gt=3).values_list(
        "user_id", "template_id", "score"
    )
    for rater_id, template_id, score in ratings:
        _add(signals["rating"], rater_id, template_id, TEMPLATE_RATING_WEIGHT * (score - 3))
    return signals


SIGNALS = {Kind.EXERCISE: exercise_signals, Kind.TEMPLATE: template_signals}


def _merged(signals: dict[str, Interactions]) -> Interactions:
    total: Interactions = {}
    for interactions in signals.values():
        for (user_id, item_id), weight in interactions.items():
            _add(total, user_id, item_id, weight)
    return total


def item_similarities(interactions: Interactions) -> list[tuple[int, int, float]]:
    """Top-`NEIGHBOURS` cosine neighbours of every item, shrunk by co-occurrence, deterministic."""
    if not interactions:
        return []
    users = sorted({user_id for user_id, _ in interactions})
    items = sorted({item_id for _, item_id in interactions})
    user_index = {user_id: n for n, user_id in enumerate(users)}
    item_index = {item_id: n for n, item_id in enumerate(items)}
    keys = sorted(interactions)
    rows = np.fromiter((user_index[u] for u, _ in keys), dtype=np.int64, count=len(keys))
    cols = np.fromiter((item_index[i] for _, i in keys), dtype=np.int64, count=len(keys))
    data = np.fromiter((interactions[key] for key in keys), dtype=np.float64, count=len(keys))
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(len(users), len(items)))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=0)).ravel())
    normalised = matrix @ sparse.diags(1.0 / norms)
    similarity = (normalised.T @ normalised).tocsr()
    seen = (matrix > 0).astype(np.float64)
    together = (seen.T @ seen).tocsr()
    together.data = together.data / (together.data + SHRINKAGE)
    similarity = similarity.multiply(together).tocsr()
    similarity.setdiag(0)
    similarity.eliminate_zeros()
    item_ids = np.asarray(items, dtype=np.int64)
    pairs: list[tuple[int, int, float]] = []
    for row in range(similarity.shape[0]):
        start, end = similarity.indptr[row], similarity.indptr[row + 1]
        others, scores = similarity.indices[start:end], np.round(similarity.data[start:end], 6)
        keep = scores >= MIN_SIMILARITY
        others, scores = others[keep], scores[keep]
        order = np.lexsort((item_ids[others], -scores))[:NEIGHBOURS]  # ties by id: deterministic
        pairs.extend((items[row], int(item_ids[others[n]]), float(scores[n])) for n in order)
    return pairs


@transaction.atomic
def similarity_rebuild(*, kinds: Iterable[str] = (Kind.EXERCISE, Kind.TEMPLATE)) -> dict[str, int]:
    """Recompute the item-item model of each kind and swap it in at once; return pairs per kind."""
    built_at = timezone.now()
    counts: dict[str, int] = {}
    for kind in kinds:
        pairs = item_similarities(_merged(SIGNALS[kind]()))
        ItemSimilarity.objects.filter(kind=kind).delete()
        ItemSimilarity.objects.bulk_create(
            [
                ItemSimilarity(kind=kind, item_id=item_id, other_id=other_id, score=score, built_at=built_at)
                for item_id, other_id, score in pairs
            ],
            batch_size=1000,
        )
        counts[str(kind)] = len(pairs)
    return counts


# --- Serving ----------------------------------------------------------------------------------


@dataclass
class Candidate:
    item_id: int
    score: float
    source: str
    reason: str  # may hold `{name}`: the name of the item `because` points at
    because: int | None = None


@dataclass
class Served:
    recommendation: Recommendation
    item: Any
    candidate: Candidate


@dataclass
class History:
    """What one user's history says, for one kind."""

    weights: dict[int, float]
    liked: set[int]  # thumbs-up: part of the profile, boosts neighbours
    disliked: set[int]  # thumbs-down and ratings of 1-2: never shown, neighbours damped
    excluded: set[int]  # what the user already has


def _feedback_items(*, user: User, kind: str) -> tuple[set[int], set[int]]:
    rows = RecommendationFeedback.objects.filter(user=user, recommendation__kind=kind).values_list(
        "recommendation__item_id", "rating"
    )
    up = {item_id for item_id, rating in rows if rating == RecommendationFeedback.Rating.UP}
    down = {item_id for item_id, rating in rows if rating == RecommendationFeedback.Rating.DOWN}
    return up - down, down


def _exercise_profile(user: User) -> History:
    signals = exercise_signals(user_id=user.pk)
    weights = {item_id: weight for (_, item_id), weight in _merged(signals).items()}
    recent_workouts = Workout.objects.filter(
        owner=user, status=Workout.Status.COMPLETED, deleted_at__isnull=True
    ).order_by("-completed_at", "-pk")[:RECENT_WORKOUTS]
    recent = set(
        WorkoutExercise.objects.filter(workout__in=recent_workouts.values("pk")).values_list(
            "exercise_id", flat=True
        )
    )
    disliked = set(
        ExerciseRating.objects.filter(user=user, score__lte=DISLIKE_MAX_SCORE).values_list(
            "exercise_id", flat=True
        )
    )
    up, down = _feedback_items(user=user, kind=Kind.EXERCISE)
    in_programs = {item_id for (_, item_id) in signals["program"]}
    return History(weights, up, disliked | down, recent | in_programs)


def _template_profile(user: User) -> History:
    weights = {item_id: weight for (_, item_id), weight in _merged(template_signals(user_id=user.pk)).items()}
    disliked = set(
        TemplateRating.objects.filter(user=user, score__lte=DISLIKE_MAX_SCORE).values_list(
            "template_id", flat=True
        )
    )
    up, down = _feedback_items(user=user, kind=Kind.TEMPLATE)
    return History(weights, up, disliked | down, set(weights))


def _collaborative(*, kind: str, profile: History) -> tuple[dict[int, float], dict[int, tuple[int, bool]]]:
    """Scores of unseen items from the neighbours of the user's items, and each one's best source."""
    basis = dict(profile.weights)
    for item_id in profile.liked:
        basis[item_id] = basis.get(item_id, 0.0) + UP_WEIGHT
    neighbours = ItemSimilarity.objects.filter(
        kind=kind, item_id__in=set(basis) | profile.disliked
    ).values_list("item_id", "other_id", "score")
    scores: dict[int, float] = defaultdict(float)
    best: dict[int, tuple[float, int]] = {}
    damping: dict[int, float] = defaultdict(float)
    for item_id, other_id, similarity in neighbours:
        if item_id in profile.disliked:
            damping[other_id] = max(damping[other_id], similarity)
        if item_id not in basis:
            continue
        contribution = similarity * basis[item_id]
        scores[other_id] += contribution
        if other_id not in best or (contribution, -item_id) > (best[other_id][0], -best[other_id][1]):
            best[other_id] = (contribution, item_id)
    final: dict[int, float] = {}
    for item_id, score in scores.items():
        if item_id in profile.excluded or item_id in profile.disliked:
            continue
        score *= 1 - DOWN_DAMPING * damping.get(item_id, 0.0)
        if item_id in profile.weights:
            score *= REVISIT_FACTOR
        final[item_id] = score
    because = {
        item_id: (
            best[item_id][1],
            best[item_id][1] in profile.liked and best[item_id][1] not in profile.weights,
        )
        for item_id in final
    }
    return final, because


def _ranked(scores: dict[int, float]) -> list[tuple[int, float]]:
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def _fitness_level(user: User) -> str:
    return Profile.objects.filter(user=user).values_list("fitness_level", flat=True).first() or ""


class _Kind:
    """The parts of the pipeline that differ between exercises and programs."""

    kind: str

    def profile(self, user: User) -> History:
        raise NotImplementedError

    def visible(self, user: User) -> QuerySet:
        raise NotImplementedError

    def collaborative_reason(self, liked: bool) -> str:
        raise NotImplementedError

    def content(self, *, user: User, profile: History, skip: set[int], need: int) -> list[Candidate]:
        raise NotImplementedError

    def popular(self, *, user: User, skip: set[int], need: int) -> list[Candidate]:
        raise NotImplementedError

    def items(self, *, user: User, ids: list[int]) -> dict[int, Any]:
        raise NotImplementedError

    def names(self, ids: set[int]) -> dict[int, str]:
        raise NotImplementedError


class _Exercises(_Kind):
    kind = Kind.EXERCISE

    def profile(self, user: User) -> History:
        return _exercise_profile(user)

    def visible(self, user: User) -> QuerySet:
        return Exercise.objects.approved()

    def collaborative_reason(self, liked: bool) -> str:
        return "Because you liked {name}" if liked else "Because you train {name}"

    def content(self, *, user: User, profile: History, skip: set[int], need: int) -> list[Candidate]:
        """Exercises for the muscle groups the user trains; or, with no history, of their level."""
        through = Exercise.primary_muscles.through
        if not profile.weights:
            level = _fitness_level(user)
            if not level:
                return []
            ids = (
                Exercise.objects.approved()
                .filter(difficulty=level)
                .exclude(pk__in=skip)
                .order_by("-popularity", "-rating_score", "name")
                .values_list("pk", flat=True)[:need]
            )
            return [Candidate(pk, 0.5, Source.CONTENT, f"Suits your level ({level})") for pk in ids]
        groups: dict[str, float] = defaultdict(float)
        top: dict[str, tuple[float, int]] = {}
        for exercise_id, group in through.objects.filter(exercise_id__in=profile.weights).values_list(
            "exercise_id", "muscle__group"
        ):
            weight = profile.weights[exercise_id]
            groups[group] += weight
            if group not in top or (weight, -exercise_id) > (top[group][0], -top[group][1]):
                top[group] = (weight, exercise_id)
        total = sum(groups.values()) or 1.0
        rows = (
            through.objects.filter(
                muscle__group__in=groups,
                exercise__status=Exercise.Status.APPROVED,
                exercise__deleted_at__isnull=True,
            )
            .exclude(exercise_id__in=skip)
            .values_list("exercise_id", "muscle__group")
            .distinct()
            .order_by("-exercise__popularity", "exercise_id")[: CONTENT_CANDIDATES * 4]
        )
        scores: dict[int, float] = defaultdict(float)
        best_group: dict[int, str] = {}
        for exercise_id, group in rows:
            scores[exercise_id] += groups[group] / total
            if exercise_id not in best_group or groups[group] > groups[best_group[exercise_id]]:
                best_group[exercise_id] = group
        return [
            Candidate(
                pk,
                round(score, 6),
                Source.CONTENT,
                f"Works your {best_group[pk]}, like {{name}}",
                top[best_group[pk]][1],
            )
            for pk, score in _ranked(scores)[:need]
        ]

    def popular(self, *, user: User, skip: set[int], need: int) -> list[Candidate]:
        rows = exercises_popular(period="month").exclude(pk__in=skip).values_list("pk", "popularity")[:need]
        return [
            Candidate(pk, round(float(score), 6), Source.POPULAR, "Popular with FitAI members")
            for pk, score in rows
        ]

    def items(self, *, user: User, ids: list[int]) -> dict[int, Any]:
        exercises = (
            Exercise.objects.approved()
            .filter(pk__in=ids)
            .only("pk", "public_id", "slug", "name", "difficulty", "category")
            .prefetch_related("primary_muscles")
        )
        return {exercise.pk: exercise for exercise in exercises}

    def names(self, ids: set[int]) -> dict[int, str]:
        return dict(Exercise.objects.filter(pk__in=ids).values_list("pk", "name"))


class _Templates(_Kind):
    kind = Kind.TEMPLATE

    def profile(self, user: User) -> History:
        return _template_profile(user)

    def visible(self, user: User) -> QuerySet:
        return templates_visible_to(user=user).exclude(owner=user)

    def collaborative_reason(self, liked: bool) -> str:
        return "Because you liked {name}" if liked else "Because you follow {name}"

    def content(self, *, user: User, profile: History, skip: set[int], need: int) -> list[Candidate]:
        """Programs of the user's level, or for the goals of the programs they follow."""
        level = _fitness_level(user)
        goals: dict[str, float] = defaultdict(float)
        top: dict[str, tuple[float, int]] = {}
        for pk, goal in WorkoutTemplate.objects.filter(pk__in=profile.weights).values_list("pk", "goal"):
            goals[goal] += profile.weights[pk]
            if goal not in top or (profile.weights[pk], -pk) > (top[goal][0], -top[goal][1]):
                top[goal] = (profile.weights[pk], pk)
        if not level and not goals:
            return []
        total = sum(goals.values()) or 1.0
        matching = Q(goal__in=goals) | (Q(difficulty=level) if level else Q(pk__in=[]))
        rows = (
            self.visible(user)
            .filter(matching)
            .exclude(pk__in=skip)
            .order_by("-favorite_count", "-rating_score", "pk")
            .values_list("pk", "goal", "difficulty")[:CONTENT_CANDIDATES]
        )
        scores: dict[int, float] = {}
        reasons: dict[int, tuple[str, int | None]] = {}
        for pk, goal, difficulty in rows:
            goal_share = goals.get(goal, 0.0) / total
            level_match = 1.0 if level and difficulty == level else 0.0
            scores[pk] = 0.5 * goal_share + 0.5 * level_match
            if goal in top and goal_share >= level_match / 2:
                reasons[pk] = (f"A {goal.replace('_', ' ')} program, like {{name}}", top[goal][1])
            else:
                reasons[pk] = (f"Matches your level ({level})", None)
        return [
            Candidate(pk, round(score, 6), Source.CONTENT, *reasons[pk])
            for pk, score in _ranked(scores)[:need]
        ]

    def popular(self, *, user: User, skip: set[int], need: int) -> list[Candidate]:
        rows = (
            self.visible(user)
            .exclude(pk__in=skip)
            .order_by("-favorite_count", "-rating_score", "-use_count", "-created_at")
            .values_list("pk", "favorite_count")[:need]
        )
        return [
            Candidate(pk, float(score), Source.POPULAR, "Popular with FitAI members") for pk, score in rows
        ]

    def items(self, *, user: User, ids: list[int]) -> dict[int, Any]:
        templates = (
            self.visible(user)
            .filter(pk__in=ids)
            .only("pk", "public_id", "name", "goal", "difficulty", "days_per_week")
        )
        return {template.pk: template for template in templates}

    def names(self, ids: set[int]) -> dict[int, str]:
        return dict(WorkoutTemplate.objects.filter(pk__in=ids).values_list("pk", "name"))


KINDS: dict[str, _Kind] = {Kind.EXERCISE: _Exercises(), Kind.TEMPLATE: _Templates()}


@transaction.atomic
def recommendations_for(*, user: User, kind: str, limit: int = 10) -> list[Served]:
    """The user's recommendations of one kind, best first, each recorded as a `Recommendation`.

    Collaborative results come first, then content-based, then popular ones fill the list. A fixed
    number of queries whatever the history or the limit.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown recommendation kind {kind!r}.")
    limit = max(1, min(limit, MAX_LIMIT))
    pipeline = KINDS[kind]
    profile = pipeline.profile(user)
    blocked = profile.excluded | profile.disliked

    scores, because = _collaborative(kind=kind, profile=profile)
    visible = (
        set(pipeline.visible(user).filter(pk__in=list(scores)).values_list("pk", flat=True))
        if scores
        else set()
    )
    chosen = [(pk, score) for pk, score in _ranked(scores) if pk in visible][:limit]
    candidates = [
        Candidate(
            pk,
            round(score, 6),
            Source.COLLABORATIVE,
            pipeline.collaborative_reason(because[pk][1]),
            because[pk][0],
        )
        for pk, score in chosen
    ]

    if len(candidates) < limit:
        skip = blocked | {c.item_id for c in candidates}
        candidates += pipeline.content(user=user, profile=profile, skip=skip, need=limit - len(candidates))
    if len(candidates) < limit:
        skip = blocked | {c.item_id for c in candidates}
        candidates += pipeline.popular(user=user, skip=skip, need=limit - len(candidates))

    named_ids = {c.because for c in candidates if c.because is not None}
    named = pipeline.names(named_ids) if named_ids else {}
    for candidate in candidates:
        if candidate.because is not None:
            candidate.reason = candidate.reason.format(name=named.get(candidate.because, "what you do"))

    items = pipeline.items(user=user, ids=[c.item_id for c in candidates]) if candidates else {}
    candidates = [c for c in candidates if c.item_id in items]
    rows = _recommendations_record(user=user, kind=kind, candidates=candidates)
    return [Served(rows[c.item_id], items[c.item_id], c) for c in candidates]


def _recommendations_record(
    *, user: User, kind: str, candidates: list[Candidate]
) -> dict[int, Recommendation]:
    """Store what is served: reuse a recent row of the same item that has no feedback yet."""
    if not candidates:
        return {}
    since = timezone.now() - timedelta(minutes=REUSE_MINUTES)
    recent: dict[int, Recommendation] = {}
    for row in Recommendation.objects.filter(
        user=user,
        kind=kind,
        item_id__in=[c.item_id for c in candidates],
        created_at__gte=since,
        feedback__isnull=True,
    ).order_by("created_at", "pk"):
        recent[row.item_id] = row  # the newest wins
    reused, fresh = [], []
    rows: dict[int, Recommendation] = {}
    for candidate in candidates:
        row = recent.get(candidate.item_id)
        if row is None:
            row = Recommendation(user=user, kind=kind, item_id=candidate.item_id)
            fresh.append(row)
        else:
            reused.append(row)
        row.score, row.reason, row.source = candidate.score, candidate.reason[:300], candidate.source
        rows[candidate.item_id] = row
    if reused:
        Recommendation.objects.bulk_update(reused, ["score", "reason", "source"])
    if fresh:
        Recommendation.objects.bulk_create(fresh)
    return rows


# --- Feedback ---------------------------------------------------------------------------------


def recommendation_get_for_user(*, user: User, recommendation_id: UUID | str) -> Recommendation:
    """One of the user's own recommendations; anyone else's, or a malformed id, is not found."""
    try:
        public_id = UUID(str(recommendation_id))
    except ValueError:
        raise NotFoundError("No such recommendation.") from None
    recommendation = Recommendation.objects.filter(user=user, public_id=public_id).first()
    if recommendation is None:
        raise NotFoundError("No such recommendation.")
    return recommendation


_UNSET: Any = object()


@transaction.atomic
def recommendation_feedback(
    *,
    recommendation: Recommendation,
    rating: str,
    accepted: bool | None = _UNSET,
    comment: str = _UNSET,
) -> RecommendationFeedback:
    """Record the user's verdict on a served item (one per recommendation; a later PUT replaces the
    rating and the fields it sends, keeping the others). A `down` hides the item from this user's
    later results and damps its neighbours; an `up` boosts its neighbours."""
    feedback = RecommendationFeedback.objects.select_for_update().filter(
        recommendation=recommendation
    ).first() or RecommendationFeedback(recommendation=recommendation, user_id=recommendation.user_id)
    feedback.rating = rating
    if accepted is not _UNSET:
        feedback.accepted = accepted
    if comment is not _UNSET:
        feedback.comment = comment
    feedback.save()
    return feedback


def recommendation_acceptance_by_source(*, since: datetime | None = None) -> list[dict[str, Any]]:
    """Per source: items served, feedback given, thumbs up/down, accepted, and the acceptance rate
    (accepted / served), so the sources can be compared."""
    rows = Recommendation.objects.all()
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    stats = (
        rows.values("source")
        .annotate(
            served=Count("pk"),
            rated=Count("feedback"),
            up=Count("feedback", filter=Q(feedback__rating=RecommendationFeedback.Rating.UP)),
            down=Count("feedback", filter=Q(feedback__rating=RecommendationFeedback.Rating.DOWN)),
            accepted=Count("feedback", filter=Q(feedback__accepted=True)),
        )
        .order_by("source")
    )
    return [
        {**row, "acceptance_rate": row["accepted"] / row["served"] if row["served"] else 0.0} for row in stats
    ]
