"""A realistic, deterministic demo population for load tests and benchmarks.

`manage.py seed_demo --users 1000 --weeks 52 --seed 1` creates members (`demo_user_<n>`,
`demo-user-<n>@fitai.local`, all with `--password`), their profiles in varied time zones, a friend
graph, programs, three or four completed workouts a week with progressive sets on library
exercises, weekly weigh-ins, posts with likes and comments, and two challenges. Rows are written
with `bulk_create` in batches, never through per-row services, which would take hours; the derived
data is then built once: the progress aggregates (`analytics_rebuild` per member), program and
exercise counters, and challenge scores. Personal records are not computed (one replay per member
and exercise would dominate the run); `records_rebuild` can fill them later.

The same `--seed` and `--until` give the same rows (ids and timestamps of creation aside).
`--reset` first deletes the members of an earlier run, and everything that cascades from them.
Models are looked up by name: this command sits in the bottom layer yet composes all of them.
"""

import random
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from importlib import import_module
from time import monotonic
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from fitai.console import ProgressBar

EMAIL = "demo-user-{n}@fitai.local"
USERNAME = "demo_user_{n}"
DEFAULT_PASSWORD = "fitai-demo-load-2026"  # noqa: S105 - demo accounts for load tests, documented
BATCH = 2000
USERS_PER_CHUNK = 50
TIMEZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Madrid",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Africa/Lagos",
)
PLAN_KINDS = ("strength", "hypertrophy", "full body")
LEVELS = ("beginner", "intermediate", "advanced")
POSTS = (
    "Leg day done, stairs are now my enemy.",
    "New week, new plan. Who's in?",
    "Finally felt strong on bench today.",
    "Rest day walk with the dog.",
    "Slept well, lifted well.",
    "Small progress is still progress.",
)
COMMENTS = ("Nice work!", "Keep it up", "Strong!", "Same here", "What program is this?")


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _round(weight: float) -> Decimal:
    """Plates come in 2.5 kg steps."""
    return (Decimal(round(weight / 2.5)) * Decimal("2.5")).quantize(Decimal("0.01"))


class Command(BaseCommand):
    help = "Create a realistic demo population with bulk inserts (deterministic with --seed)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--users", type=int, default=100)
        parser.add_argument("--weeks", type=int, default=12)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="Every demo member's password.")
        parser.add_argument(
            "--until", type=date.fromisoformat, default=None, help="Last day (default today)."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete the members of an earlier run first."
        )

    def handle(self, *args, users: int, weeks: int, seed: int, password: str, until, reset: bool, **options):
        if users < 2 or weeks < 1:
            raise CommandError("--users must be at least 2 and --weeks at least 1.")
        self.m = {name: apps.get_model(name) for name in MODELS}
        User = self.m["accounts.User"]
        existing = User.objects.filter(email__startswith="demo-user-", email__endswith="@fitai.local")
        if existing.exists():
            if not reset:
                raise CommandError("Demo members exist already; pass --reset to replace them.")
            # Challenges outlive their creator; the demo's go with the demo.
            self.m["community.Challenge"].objects.filter(creator__in=existing).delete()
            existing.delete()
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        self.until = until or timezone.localdate()
        self.start = self.until - timedelta(weeks=weeks) + timedelta(days=1)
        self.bar = ProgressBar(self.stderr)
        if not self.m["exercises.Exercise"].objects.filter(status="approved").exists():
            import_module("exercises.seed").library_load()
        started = monotonic()
        with transaction.atomic():
            members = self._members(users, make_password(password))
            self._friends(members)
            programs = self._programs(members)
            self._workouts(members, programs, weeks)
            self._metrics(members, weeks)
            self._community(members, weeks)
        inserted = monotonic()
        self._derived(members)
        self.bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {users} demo members over {weeks} weeks: rows in {inserted - started:.1f} s, "
                f"derived data in {monotonic() - inserted:.1f} s."
            )
        )

    # --- people --------------------------------------------------------------------------------
    def _members(self, count: int, password_hash: str) -> list:
        User, Profile = self.m["accounts.User"], self.m["accounts.Profile"]
        joined = timezone.make_aware(datetime.combine(self.start - timedelta(days=30), time(9)))
        members = User.objects.bulk_create(
            [
                User(
                    public_id=_uuid(self.rng),
                    email=EMAIL.format(n=n),
                    username=USERNAME.format(n=n),
                    first_name=f"Demo{n}",
                    password=password_hash,
                    email_verified=True,
                    email_verified_at=joined,
                    date_joined=joined,
                )
                for n in range(1, count + 1)
            ],
            batch_size=BATCH,
        )
        profiles = []
        for member in members:
            zone = self.rng.choice(TIMEZONES)
            member.zone = ZoneInfo(zone)
            profiles.append(
                Profile(
                    user=member,
                    fitness_level=self.rng.choice(LEVELS),
                    height_cm=Decimal(self.rng.randint(155, 200)),
                    preferences={
                        "timezone": zone,
                        "units": self.rng.choice(["metric", "metric", "imperial"]),
                    },
                    interests=self.rng.sample(["strength", "running", "yoga", "hypertrophy", "mobility"], 2),
                )
            )
        Profile.objects.bulk_create(profiles, batch_size=BATCH)
        return members

    def _friends(self, members: list) -> None:
        """Each member asks a few others until they have 3 to 10 friends (as the population allows)."""
        Friendship = self.m["accounts.Friendship"]
        wanted = {m.pk: min(self.rng.randint(3, 10), len(members) - 1) for m in members}
        friends: dict[int, set[int]] = {m.pk: set() for m in members}
        pairs = []
        for member in members:
            candidates = [m.pk for m in members if m.pk != member.pk]
            self.rng.shuffle(candidates)
            for other in candidates:
                if len(friends[member.pk]) >= wanted[member.pk]:
                    break
                if other in friends[member.pk] or len(friends[other]) >= 10:
                    continue
                friends[member.pk].add(other)
                friends[other].add(member.pk)
                low, high = sorted((member.pk, other))
                pairs.append(
                    Friendship(
                        user_low_id=low, user_high_id=high, status="accepted", requested_by_id=member.pk
                    )
                )
        Friendship.objects.bulk_create(pairs, batch_size=BATCH)
        self.friends = friends

    # --- training ------------------------------------------------------------------------------
    def _programs(self, members: list) -> list:
        """One member in ten writes a three-day program; half of them are public."""
        Template = self.m["templates_app.WorkoutTemplate"]
        Day, TExercise, TSet = (
            self.m[n]
            for n in (
                "templates_app.TemplateDay",
                "templates_app.TemplateExercise",
                "templates_app.TemplateSet",
            )
        )
        self.exercises = list(
            self.m["exercises.Exercise"]
            .objects.filter(status="approved", deleted_at__isnull=True, category="strength")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if len(self.exercises) < 6:
            raise CommandError("The exercise library needs at least six strength exercises.")
        authors = [m for m in members if self.rng.random() < 0.1] or members[:1]
        programs = Template.objects.bulk_create(
            [
                Template(
                    public_id=_uuid(self.rng),
                    owner=author,
                    name=f"{author.first_name}'s {self.rng.choice(PLAN_KINDS)} plan",
                    goal=self.rng.choice(["strength", "hypertrophy", "general_fitness"]),
                    visibility="public" if i % 2 == 0 else "private",
                    days_per_week=3,
                    duration_weeks=8,
                )
                for i, author in enumerate(authors)
            ],
            batch_size=BATCH,
        )
        days = Day.objects.bulk_create(
            [Day(template=p, index=i, name=f"Day {i + 1}") for p in programs for i in range(3)],
            batch_size=BATCH,
        )
        moves = TExercise.objects.bulk_create(
            [
                TExercise(day=d, order=o, exercise_id=pk)
                for d in days
                for o, pk in enumerate(self.rng.sample(self.exercises, 4))
            ],
            batch_size=BATCH,
        )
        TSet.objects.bulk_create(
            [TSet(template_exercise=t, order=o, reps_min=6, reps_max=10) for t in moves for o in range(3)],
            batch_size=BATCH,
        )
        for program in programs:
            program.day_moves = [
                [t.exercise_id for t in moves if t.day.template_id == program.pk and t.day.index == i]
                for i in range(3)
            ]
        return programs

    def _workouts(self, members: list, programs: list, weeks: int) -> None:
        """3-4 workouts a week, 4 exercises of 3 sets, each lift 1 % heavier a week."""
        Workout, WExercise, WSet = (
            self.m[n] for n in ("workouts.Workout", "workouts.WorkoutExercise", "workouts.WorkoutSet")
        )
        public = [p for p in programs if p.visibility == "public"]
        for first in range(0, len(members), USERS_PER_CHUNK):
            chunk = members[first : first + USERS_PER_CHUNK]
            plans = []  # (workout, [(exercise id, [(reps, weight)])])
            for member in chunk:
                program = self.rng.choice(public) if public and self.rng.random() < 0.4 else None
                pool = self.rng.sample(self.exercises, 6)
                base = {pk: self.rng.uniform(20, 80) for pk in pool}
                for week in range(weeks):
                    monday = self.start + timedelta(weeks=week)
                    for n, offset in enumerate(sorted(self.rng.sample(range(7), self.rng.choice([3, 4])))):
                        day = monday + timedelta(days=offset)
                        if day > self.until:
                            continue
                        started = datetime.combine(
                            day,
                            time(self.rng.randint(6, 20), self.rng.choice([0, 15, 30, 45])),
                            tzinfo=member.zone,
                        )
                        seconds = self.rng.randint(40, 80) * 60
                        day_index = n % 3
                        moves = program.day_moves[day_index] if program else self.rng.sample(pool, 4)
                        lifts = []
                        for pk in moves:
                            weight = base.setdefault(pk, self.rng.uniform(20, 80)) * (1 + 0.01 * week)
                            lifts.append((pk, [(self.rng.randint(5, 10), _round(weight)) for _ in range(3)]))
                        sets = [s for _, performed in lifts for s in performed]
                        workout = Workout(
                            public_id=_uuid(self.rng),
                            owner=member,
                            template=program,
                            template_day=day_index if program else None,
                            name=f"Day {day_index + 1}" if program else f"Workout {day:%a}",
                            status="completed",
                            started_at=started,
                            completed_at=started + timedelta(seconds=seconds),
                            active_seconds=seconds,
                            volume_kg=sum((reps * weight for reps, weight in sets), Decimal(0)),
                            total_sets=len(sets),
                            total_reps=sum(reps for reps, _ in sets),
                        )
                        plans.append((workout, lifts))
            Workout.objects.bulk_create([w for w, _ in plans], batch_size=BATCH)
            entries = [
                (WExercise(workout=w, index=i, exercise_id=pk), performed)
                for w, lifts in plans
                for i, (pk, performed) in enumerate(lifts)
            ]
            WExercise.objects.bulk_create([e for e, _ in entries], batch_size=BATCH)
            WSet.objects.bulk_create(
                [
                    WSet(
                        workout_id=e.workout_id,
                        workout_exercise=e,
                        index=i,
                        reps=reps,
                        weight_kg=weight,
                        completed_at=e.workout.started_at + timedelta(minutes=3 * i + 10 * e.index),
                    )
                    for e, performed in entries
                    for i, (reps, weight) in enumerate(performed)
                ],
                batch_size=BATCH,
            )
            self.bar(min(first + USERS_PER_CHUNK, len(members)), len(members))

    def _metrics(self, members: list, weeks: int) -> None:
        BodyMetric = self.m["accounts.BodyMetric"]
        rows = []
        for member in members:
            weight = self.rng.uniform(55, 110)
            for week in range(weeks):
                weight += self.rng.uniform(-0.6, 0.4)
                day = self.start + timedelta(weeks=week)
                rows.append(
                    BodyMetric(
                        id=_uuid(self.rng),
                        user=member,
                        kind="weight",
                        value=Decimal(f"{weight:.2f}"),
                        unit="kg",
                        measured_at=datetime.combine(day, time(7), tzinfo=member.zone),
                    )
                )
        BodyMetric.objects.bulk_create(rows, batch_size=BATCH)

    # --- community -----------------------------------------------------------------------------
    def _community(self, members: list, weeks: int) -> None:
        """A post per member every other week, liked and commented on by friends; two challenges."""
        Activity, Like, Comment = (
            self.m[n] for n in ("community.Activity", "community.Like", "community.Comment")
        )
        posts, when = [], []
        for member in members:
            for week in range(0, weeks, 2):
                posts.append(
                    Activity(
                        public_id=_uuid(self.rng),
                        author=member,
                        type="post",
                        text=self.rng.choice(POSTS),
                        visibility=self.rng.choice(["friends", "public"]),
                    )
                )
                day = min(self.start + timedelta(weeks=week, days=self.rng.randint(0, 6)), self.until)
                when.append(datetime.combine(day, time(self.rng.randint(7, 22)), tzinfo=member.zone))
        likes, comments = [], []
        for post in posts:
            friends = sorted(self.friends[post.author_id])
            fans = self.rng.sample(friends, min(len(friends), self.rng.randint(0, 5)))
            talkers = self.rng.sample(friends, min(len(friends), self.rng.randint(0, 2)))
            post.like_count, post.comment_count = len(fans), len(talkers)
            likes += [(post, fan) for fan in fans]
            comments += [(post, talker, self.rng.choice(COMMENTS), _uuid(self.rng)) for talker in talkers]
        Activity.objects.bulk_create(posts, batch_size=BATCH)
        # created_at is auto_now_add: spread the posts over the weeks afterwards.
        for post, moment in zip(posts, when, strict=True):
            post.created_at = moment
        Activity.objects.bulk_update(posts, ["created_at"], batch_size=BATCH)
        Like.objects.bulk_create([Like(activity=p, user_id=u) for p, u in likes], batch_size=BATCH)
        Comment.objects.bulk_create(
            [Comment(public_id=pid, activity=p, author_id=u, text=text) for p, u, text, pid in comments],
            batch_size=BATCH,
        )
        Challenge, Participant = self.m["community.Challenge"], self.m["community.ChallengeParticipant"]
        self.challenges = Challenge.objects.bulk_create(
            [
                Challenge(
                    public_id=_uuid(self.rng),
                    creator=members[0],
                    title=title,
                    type=kind,
                    start_date=max(self.start, self.until - timedelta(days=27)),
                    end_date=self.until + timedelta(days=14),
                    visibility="public",
                )
                for title, kind in (
                    ("Most workouts this month", "workout_count"),
                    ("Volume club", "total_volume"),
                )
            ]
        )
        joined = []
        for challenge in self.challenges:
            crowd = [m for m in members if self.rng.random() < 0.3] or members[:2]
            challenge.participant_count = len(crowd)
            joined += [Participant(challenge=challenge, user=m) for m in crowd]
        Participant.objects.bulk_create(joined, batch_size=BATCH)
        Challenge.objects.bulk_update(self.challenges, ["participant_count"])

    # --- derived data --------------------------------------------------------------------------
    def _derived(self, members: list) -> None:
        """Aggregates per member, then the counters and scores that read them."""
        rebuild = import_module("progress.aggregates").analytics_rebuild
        self.stderr.write("Building the progress aggregates…")
        for done, member in enumerate(members, start=1):
            rebuild(user=member)
            self.bar(done, len(members))
        self.bar.close()
        Template = self.m["templates_app.WorkoutTemplate"]
        programs = list(
            Template.objects.filter(owner__in=members).annotate(
                uses=Count("workouts"), done=Count("workouts", filter=Q(workouts__status="completed"))
            )
        )
        for program in programs:
            program.use_count, program.completion_count = program.uses, program.done
        Template.objects.bulk_update(programs, ["use_count", "completion_count"], batch_size=BATCH)
        import_module("exercises.services").popularity_recompute(today=self.until)
        refresh = import_module("community.challenges").challenge_scores_refresh
        for challenge in self.challenges:
            with transaction.atomic():  # the scores are written under a row lock
                refresh(challenge=challenge)


MODELS = (
    "accounts.User",
    "accounts.Profile",
    "accounts.Friendship",
    "accounts.BodyMetric",
    "exercises.Exercise",
    "templates_app.WorkoutTemplate",
    "templates_app.TemplateDay",
    "templates_app.TemplateExercise",
    "templates_app.TemplateSet",
    "workouts.Workout",
    "workouts.WorkoutExercise",
    "workouts.WorkoutSet",
    "community.Activity",
    "community.Like",
    "community.Comment",
    "community.Challenge",
    "community.ChallengeParticipant",
)
