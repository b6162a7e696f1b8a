"""Challenges: who may see and join them, how scores follow logged workouts, and how they end.

Visibility. A `public` challenge is seen by everyone, a `friends` one by its creator's friends, a
`private` one only by its creator and its participants (there is no invitation API yet, so in
practice the creator). Whoever is blocked by, or has blocked, the creator does not see the
creator's challenges (404) unless already a participant. Moderators see every challenge, but may
join only what they could join as members (403 `not_invited` otherwise). A muted member may join but
not open a challenge (its title and description are public text); a suspended one may do neither.

Window: `start_date` at most one year from today, `end_date` not before it, not in the past and at
most one year after `start_date` (a 400 naming the field otherwise).

Scores come from the training aggregates (`progress.models.DailySummary` and
`ExerciseDaySummary`), never from raw sets, so they follow exactly the rules of analytics: a
completed, live workout counts on the day it started in the participant's time zone, warm-up and
unfinished sets never count, volume is weight x reps. Only days inside `[start_date, end_date]`
(both included, in the participant's own time zone) count, whenever the participant joined:
- `workout_count`: completed workouts;
- `total_volume`: kg lifted; `exercise_volume`: kg lifted on the challenge's exercise;
- `total_sets`: sets;
- `streak_days`: the longest run of consecutive days with a completed workout.

`workout.changed` (after a completed workout is created, edited or deleted) queues
`challenge_scores_task`, which first brings the member's aggregates up to date itself (the
progress task queued on the same event may run on another worker at the same moment; the
refresh is idempotent and serialised per user) and then recomputes the member's scores in every
challenge not finished yet, and their leaderboard entries when Redis holds the boards.

End. A challenge is over once its last day has ended in every time zone: at 12:00 UTC the day
after `end_date`. Joining is refused (409 `challenge_ended`) once `end_date` is past in the joiner's
time zone. The beat task `challenges_finish_task` then recomputes every score a last time, stores
`finished_at` (so it runs once per challenge whatever the retries) and tells every participant
their final rank (`challenge_update` notification). The winners are the participants ranked first
with a score above zero (ties share a rank, so there can be several); each gets a `challenge_won`
activity. Only public challenges write `challenge_joined` / `challenge_won` activities: those carry
the title, which a friends-only or private challenge keeps from people outside it. After that
the scores are frozen: later edits of old workouts no longer move them.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.friendships import accepted_between, blocked_between
from accounts.models import Friendship, User
from community import leaderboards
from community.activities import activity_record
from community.models import Activity, Challenge, ChallengeParticipant
from community.notifications import notify
from exercises.models import Exercise
from exercises.selectors import exercises_visible_to
from fitai import events, outbox
from fitai.api.permissions import MODERATOR, user_has_role
from fitai.errors import ConflictError, ForbiddenError, NotFoundError
from progress.aggregates import local_day, user_zone
from progress.analytics import streaks
from progress.models import DailySummary, ExerciseDaySummary

logger = logging.getLogger("community.challenges")

Type = Challenge.Type
Visibility = Challenge.Visibility
CENT = Decimal("0.01")
MAX_TARGET = Decimal("1000000000")
# The last day of a challenge ends everywhere once it has ended at UTC-12.
LAST_TIME_ZONE_LAG = timedelta(hours=12)


class Status:
    UPCOMING = "upcoming"
    ACTIVE = "active"
    FINISHED = "finished"
    ALL = (UPCOMING, ACTIVE, FINISHED)


def today_of(user: User) -> date:
    """Today in the user's time zone (what "the end is past" and the status filters mean)."""
    return local_day(timezone.now(), user_zone(user))


def challenge_status(challenge: Challenge, today: date) -> str:
    """upcoming, active or finished, seen from `today` (the viewer's day)."""
    if challenge.finished_at is not None or challenge.end_date < today:
        return Status.FINISHED
    if challenge.start_date > today:
        return Status.UPCOMING
    return Status.ACTIVE


# --- Selectors --------------------------------------------------------------------------------------


def is_moderator(user: User) -> bool:
    return user_has_role(user, MODERATOR)


def _annotated(user: User) -> QuerySet[Challenge]:
    """Challenges with the viewer's relation to each (joined, score, friend or blocked creator)."""
    mine = ChallengeParticipant.objects.filter(challenge=OuterRef("pk"), user=user)
    return Challenge.objects.select_related("creator__profile", "exercise").annotate(
        is_joined=Exists(mine),
        my_score=Subquery(mine.values("score")[:1]),
        creator_is_friend=Exists(Friendship.objects.filter(accepted_between(user, OuterRef("creator_id")))),
        creator_blocked=Exists(Friendship.objects.filter(blocked_between(user, OuterRef("creator_id")))),
    )


def _member_visible() -> Q:
    """What a member may see, on a queryset from `_annotated` (rules in the module docstring)."""
    shown = Q(visibility=Visibility.PUBLIC) | Q(visibility=Visibility.FRIENDS, creator_is_friend=True)
    return Q(is_joined=True) | (shown & Q(creator_blocked=False))


def challenges_visible_to(*, user: User, moderator: bool | None = None) -> QuerySet[Challenge]:
    """Every challenge the user may see, annotated with their participation."""
    challenges = _annotated(user)
    if moderator is None:
        moderator = is_moderator(user)
    if moderator:
        return challenges
    return challenges.filter(_member_visible() | Q(creator=user))


def challenges_for_user(
    *, user: User, status: str | None = None, joined: bool | None = None, today: date | None = None
) -> QuerySet[Challenge]:
    """The visible challenges, newest start first, filtered by status (seen from the user's day)."""
    today = today or today_of(user)
    challenges = challenges_visible_to(user=user)
    if status == Status.UPCOMING:
        challenges = challenges.filter(start_date__gt=today, finished_at__isnull=True)
    elif status == Status.ACTIVE:
        challenges = challenges.filter(start_date__lte=today, end_date__gte=today, finished_at__isnull=True)
    elif status == Status.FINISHED:
        challenges = challenges.filter(Q(end_date__lt=today) | Q(finished_at__isnull=False))
    if joined is not None:
        challenges = challenges.filter(is_joined=joined)
    return challenges.order_by("-start_date", "-pk")


def _public_id(challenge_id: UUID | str) -> UUID:
    try:
        return UUID(str(challenge_id))
    except ValueError:
        raise NotFoundError("No such challenge.") from None


def challenge_get_visible(*, user: User, challenge_id: UUID | str) -> Challenge:
    """The challenge if the user may see it; anything else is simply not found."""
    challenge = challenges_visible_to(user=user).filter(public_id=_public_id(challenge_id)).first()
    if challenge is None:
        raise NotFoundError("No such challenge.")
    return challenge


def challenge_get_joinable(*, user: User, challenge_id: UUID | str) -> Challenge:
    """The challenge if the user may join it: 404 when unseen, 403 for a moderator who only sees it."""
    public_id = _public_id(challenge_id)
    challenge = challenges_visible_to(user=user, moderator=False).filter(public_id=public_id).first()
    if challenge is not None:
        return challenge
    if is_moderator(user) and Challenge.objects.filter(public_id=public_id).exists():
        raise ForbiddenError("Moderators see this challenge but may not join it.", code="not_invited")
    raise NotFoundError("No such challenge.")


def participation_of(*, challenge: Challenge, user: User) -> ChallengeParticipant | None:
    return ChallengeParticipant.objects.filter(challenge=challenge, user=user).first()


# --- Scores -----------------------------------------------------------------------------------------


def _daily_rows(user_ids: Iterable[int], start: date, end: date) -> dict[int, list[tuple]]:
    """{user id: [(day, workouts, volume, sets), ...]} from the aggregates, days in order."""
    rows: dict[int, list[tuple]] = defaultdict(list)
    summaries = (
        DailySummary.objects.filter(user_id__in=list(user_ids), day__gte=start, day__lte=end)
        .order_by("day")
        .values_list("user_id", "day", "workouts", "volume_kg", "sets")
    )
    for user_id, *row in summaries:
        rows[user_id].append(tuple(row))
    return rows


def _exercise_volumes(
    user_ids: Iterable[int], exercise_id: int, start: date, end: date
) -> dict[int, Decimal]:
    rows = ExerciseDaySummary.objects.filter(
        user_id__in=list(user_ids), exercise_id=exercise_id, day__gte=start, day__lte=end
    ).values_list("user_id", "volume_kg")
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for user_id, volume in rows:
        totals[user_id] += volume
    return totals


def score_from_days(challenge_type: str, days: list[tuple], window_end: date) -> Decimal:
    """A score from one member's days inside the window: [(day, workouts, volume, sets)]."""
    if challenge_type == Type.WORKOUT_COUNT:
        return Decimal(sum(workouts for _, workouts, _, _ in days))
    if challenge_type == Type.TOTAL_VOLUME:
        return sum((Decimal(volume) for _, _, volume, _ in days), Decimal(0)).quantize(CENT)
    if challenge_type == Type.TOTAL_SETS:
        return Decimal(sum(sets for _, _, _, sets in days))
    if challenge_type == Type.STREAK_DAYS:
        trained = [day for day, workouts, _, _ in days if workouts > 0]
        return Decimal(streaks(trained, window_end).longest_days)
    raise ValueError(f"{challenge_type} is not scored from daily totals.")


def _scores(challenge: Challenge, user_ids: list[int]) -> dict[int, Decimal]:
    """Each member's score in the challenge, from the aggregates of the window."""
    if challenge.type == Type.EXERCISE_VOLUME:
        totals = _exercise_volumes(user_ids, challenge.exercise_id, challenge.start_date, challenge.end_date)
        return {user_id: totals.get(user_id, Decimal(0)).quantize(CENT) for user_id in user_ids}
    rows = _daily_rows(user_ids, challenge.start_date, challenge.end_date)
    return {
        user_id: score_from_days(challenge.type, rows.get(user_id, []), challenge.end_date)
        for user_id in user_ids
    }


def _store(participants: Iterable[ChallengeParticipant], scores: dict[int, Decimal]) -> int:
    changed = [p for p in participants if p.score != scores[p.user_id]]
    for participant in changed:
        participant.score = scores[participant.user_id]
        participant.updated_at = timezone.now()
    ChallengeParticipant.objects.bulk_update(changed, ["score", "updated_at"])
    return len(changed)


@transaction.atomic
def scores_refresh(*, user_id: int) -> int:
    """Recompute the member's scores in every challenge not finished yet; return how many changed.

    Reads the aggregates of the whole span the challenges cover in one query (plus one per
    exercise challenge), so a member in many challenges costs the same as one.
    """
    participants = list(
        ChallengeParticipant.objects.select_for_update()
        .filter(user_id=user_id, challenge__finished_at__isnull=True)
        .select_related("challenge")
    )
    if not participants:
        return 0
    start = min(p.challenge.start_date for p in participants)
    end = max(p.challenge.end_date for p in participants)
    days = _daily_rows([user_id], start, end).get(user_id, [])
    changed = 0
    for participant in participants:
        challenge = participant.challenge
        if challenge.type == Type.EXERCISE_VOLUME:
            score = _scores(challenge, [user_id])[user_id]
        else:
            inside = [row for row in days if challenge.start_date <= row[0] <= challenge.end_date]
            score = score_from_days(challenge.type, inside, challenge.end_date)
        changed += _store([participant], {user_id: score})
    return changed


def challenge_scores_refresh(*, challenge: Challenge) -> int:
    """Recompute every participant's score in the challenge (a handful of queries in all)."""
    participants = list(ChallengeParticipant.objects.select_for_update().filter(challenge=challenge))
    if not participants:
        return 0
    return _store(participants, _scores(challenge, [p.user_id for p in participants]))


def scores_after_workout(*, user_id: int, workout_id: int | None = None) -> int:
    """After a workout changed: aggregates first, then the member's scores and board entries."""
    from progress.aggregates import workout_summarise

    has_challenges = ChallengeParticipant.objects.filter(
        user_id=user_id, challenge__finished_at__isnull=True
    ).exists()
    keeps_boards = leaderboards.keeps_incremental_boards()
    if not (has_challenges or keeps_boards):
        return 0
    if workout_id is not None:
        workout_summarise(workout_id=workout_id, user_id=user_id)
    changed = scores_refresh(user_id=user_id) if has_challenges else 0
    if keeps_boards:
        leaderboards.user_refresh(user_id=user_id)
    return changed


# --- Services ---------------------------------------------------------------------------------------


def _one_year_after(day: date) -> date:
    """The same day a year on (28 February after a 29th); `date.max` past the calendar's end."""
    if day.year >= date.max.year:
        return date.max
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _exercise(user: User, exercise_id: str) -> Exercise | None:
    """An exercise the user may log (approved, or their own submission), by UUID or slug."""
    try:
        lookup = Q(public_id=UUID(str(exercise_id)))
    except ValueError:
        lookup = Q(slug=str(exercise_id))
    return exercises_visible_to(user_public_id=str(user.public_id)).filter(lookup).first()


def _validated(
    *,
    user: User,
    type: str,
    start_date: date,
    end_date: date,
    exercise_id: str | None,
    target_value: Decimal | None,
) -> dict[str, Any]:
    """Check the window, the exercise and the target; raise one 400 naming every bad field."""
    errors: dict[str, list[str]] = {}
    today = today_of(user)
    if start_date > _one_year_after(today):
        # Also keeps every date the scores and boards compute from the window inside the calendar.
        errors["start_date"] = ["A challenge starts at most one year from today."]
    elif end_date < start_date:
        errors["end_date"] = ["The end cannot come before the start."]
    elif end_date > _one_year_after(start_date):
        errors["end_date"] = ["A challenge lasts at most one year."]
    elif end_date < today:
        errors["end_date"] = ["The end cannot be in the past."]
    exercise = None
    if type == Type.EXERCISE_VOLUME:
        exercise = _exercise(user, exercise_id) if exercise_id else None
        if exercise is None:
            errors["exercise_id"] = (
                ["No usable exercise with this id or slug."]
                if exercise_id
                else ["An exercise_volume challenge needs an exercise."]
            )
    elif exercise_id:
        errors["exercise_id"] = [f"A {type} challenge has no exercise."]
    if target_value is not None and not Decimal(0) < target_value <= MAX_TARGET:
        errors["target_value"] = [f"The target must be above 0 and at most {MAX_TARGET}."]
    if errors:
        raise ValidationError(errors)
    return {"exercise": exercise}


@transaction.atomic
def challenge_create(
    *,
    user: User,
    title: str,
    type: str,
    start_date: date,
    end_date: date,
    description: str = "",
    exercise_id: str | None = None,
    target_value: Decimal | None = None,
    visibility: str = Visibility.PUBLIC,
) -> Challenge:
    """Open a challenge and enter its creator (who gets the same joined activity as anyone)."""
    from community.moderation import restriction_check

    restriction_check(user=user, write="post")
    clean = _validated(
        user=user,
        type=type,
        start_date=start_date,
        end_date=end_date,
        exercise_id=exercise_id,
        target_value=target_value,
    )
    challenge = Challenge.objects.create(
        creator=user,
        title=title,
        description=description,
        type=type,
        start_date=start_date,
        end_date=end_date,
        target_value=target_value.quantize(CENT) if target_value is not None else None,
        visibility=visibility,
        **clean,
    )
    challenge_join(user=user, challenge=challenge)
    return challenge


@transaction.atomic
def challenge_join(*, user: User, challenge: Challenge) -> tuple[ChallengeParticipant, bool]:
    """Enter the member (idempotent); their score counts the window's workouts at once.

    Runs under the challenge's row lock, so concurrent joins neither duplicate a participant nor
    miscount `participant_count`. Visibility is the caller's check (`challenge_get_joinable`).
    """
    from community.moderation import restriction_check

    locked = Challenge.objects.select_for_update().get(pk=challenge.pk)
    existing = ChallengeParticipant.objects.filter(challenge=locked, user=user).first()
    if existing is not None:
        return existing, False
    restriction_check(user=user, write="join")
    if locked.finished_at is not None or locked.end_date < today_of(user):
        raise ConflictError("This challenge has ended.", code="challenge_ended")
    participant = ChallengeParticipant.objects.create(
        challenge=locked, user=user, score=_scores(locked, [user.pk])[user.pk]
    )
    Challenge.objects.filter(pk=locked.pk).update(participant_count=F("participant_count") + 1)
    if _shares_activities(locked):
        activity_record(
            author_id=user.pk,
            type=Activity.Type.CHALLENGE_JOINED,
            source_key=f"challenge_joined:{locked.public_id}",
            data=_activity_data(locked),
            visibility=Activity.Visibility.FRIENDS,
        )
    return participant, True


def _shares_activities(challenge: Challenge) -> bool:
    """Whether joining and winning write feed items (which carry the title): public challenges only.

    A joiner's friends are not the creator's friends, so a `friends` challenge's title would reach
    people who may not see the challenge; a `private` one's would reach outsiders too.
    """
    return challenge.visibility == Visibility.PUBLIC


def _activity_data(challenge: Challenge) -> dict[str, Any]:
    return {
        "challenge_id": str(challenge.public_id),
        "title": challenge.title,
        "type": challenge.type,
        "start_date": challenge.start_date.isoformat(),
        "end_date": challenge.end_date.isoformat(),
    }


def finish_cutoff(now: datetime) -> date:
    """Challenges whose `end_date` is before this day have ended in every time zone."""
    return (now.astimezone(UTC) - LAST_TIME_ZONE_LAG).date()


def final_ranks(scores: list[tuple[int, Decimal]]) -> dict[int, int]:
    """Competition ranks (1, 2, 2, 4) of (user id, score) pairs: equal scores share a rank."""
    ranks: dict[int, int] = {}
    ordered = sorted(scores, key=lambda item: -item[1])
    for position, (user_id, score) in enumerate(ordered, start=1):
        previous = ordered[position - 2] if position > 1 else None
        ranks[user_id] = ranks[previous[0]] if previous and previous[1] == score else position
    return ranks


@transaction.atomic
def challenge_finish(*, challenge_id: int, now: datetime | None = None) -> bool:
    """Announce one ended challenge's results, once: False when already done or not over yet."""
    now = now or timezone.now()
    challenge = Challenge.objects.select_for_update().filter(pk=challenge_id).first()
    if challenge is None or challenge.finished_at is not None or challenge.end_date >= finish_cutoff(now):
        return False
    challenge_scores_refresh(challenge=challenge)
    participants = list(
        ChallengeParticipant.objects.filter(challenge=challenge).values_list("user_id", "score")
    )
    ranks = final_ranks(participants)
    scores = dict(participants)
    winners = {user_id for user_id, rank in ranks.items() if rank == 1 and scores[user_id] > 0}
    challenge.finished_at = now
    challenge.save(update_fields=["finished_at"])
    url = f"/community/challenges/{challenge.public_id}"
    for user_id, rank in ranks.items():
        won = user_id in winners
        notify(
            recipient_id=user_id,
            type="challenge_update",
            title=f"You won {challenge.title}!" if won else f"{challenge.title} has ended",
            body=f"You finished #{rank} of {len(ranks)} with {_shown(scores[user_id])}.",
            url=url,
            data={
                "challenge_id": str(challenge.public_id),
                "rank": rank,
                "score": float(scores[user_id]),
                "won": won,
                "participants": len(ranks),
            },
        )
        if won and _shares_activities(challenge):
            activity_record(
                author_id=user_id,
                type=Activity.Type.CHALLENGE_WON,
                source_key=f"challenge_won:{challenge.public_id}",
                data={**_activity_data(challenge), "score": float(scores[user_id])},
                visibility=Activity.Visibility.FRIENDS,
            )
    logger.info("Challenge %s finished: %d participants, %d winners", challenge.pk, len(ranks), len(winners))
    return True


def _shown(score: Decimal) -> str:
    return f"{score.normalize():f}"


def challenges_finish(*, now: datetime | None = None) -> int:
    """Announce every challenge that has ended everywhere and is not announced yet; return how many."""
    now = now or timezone.now()
    pending = Challenge.objects.filter(finished_at__isnull=True, end_date__lt=finish_cutoff(now))
    return sum(challenge_finish(challenge_id=pk, now=now) for pk in pending.values_list("pk", flat=True))


# --- Events -----------------------------------------------------------------------------------------


def on_workout_changed(*, workout_id: int, user_id: int, **_: object) -> None:
    from community.tasks import challenge_scores_task

    outbox.enqueue(challenge_scores_task, user_id, workout_id)


def connect_challenges() -> None:
    """Subscribe to the workout events; called from `CommunityConfig.ready()`."""
    events.subscribe("workout.changed", on_workout_changed)
