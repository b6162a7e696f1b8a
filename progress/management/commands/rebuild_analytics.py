"""`manage.py rebuild_analytics [--user ID_OR_EMAIL]`: recompute the training aggregates from raw sets."""

import contextlib
import uuid

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from accounts.models import User
from fitai.console import ProgressBar
from progress.aggregates import analytics_rebuild


class Command(BaseCommand):
    help = "Rebuild the per-day training aggregates of every user who trained, or of one user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="Only this user: public id, e-mail or username.")

    def handle(self, *args, **options) -> None:
        users = User.objects.filter(workouts__status="completed").distinct().order_by("pk")
        if options["user"]:
            who = options["user"]
            users = User.objects.filter(Q(username=who) | Q(email__iexact=who))
            with contextlib.suppress(ValueError):
                users = users | User.objects.filter(public_id=uuid.UUID(who))
            if not users.exists():
                raise CommandError(f"No user {options['user']!r}.")
        total = users.count()
        progress = ProgressBar(self.stderr) if options["verbosity"] >= 1 else None
        days = 0
        for done, user in enumerate(users.iterator(), start=1):
            days += analytics_rebuild(user=user)
            if progress is not None:
                progress(done, total)
        if progress is not None:
            progress.close()
        self.stdout.write(f"Rebuilt {days} training days for {total} user{'s' if total != 1 else ''}.")
