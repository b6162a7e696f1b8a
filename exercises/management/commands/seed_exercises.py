"""`manage.py seed_exercises [--demo N]`: load FitAI's own exercise library, and demo exercises on request."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from exercises.seed import LIBRARY_PATH, demo_exercises_create, library_load


class Command(BaseCommand):
    help = (
        f"Load FitAI's own exercise library ({LIBRARY_PATH.name}) as approved exercises. Idempotent: "
        "entries are matched by source 'seed' and their slug, updated in place, and a second run creates "
        "nothing. An entry naming an unknown muscle, equipment or variation stops the load before anything "
        "is written. `manage.py seed` (make run) loads the same library."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--demo",
            type=int,
            default=0,
            metavar="N",
            help=(
                "Also make sure N synthetic approved exercises exist, for benchmarks: "
                '"Demo Exercise 00001 <muscle> <equipment>" and so on, the same on every machine '
                "(source 'seed', source_id 'demo-00001'). Existing ones are skipped, so --demo 1000 after "
                "--demo 500 creates 500."
            ),
        )

    def handle(self, *args: Any, demo: int, **options: Any) -> None:
        if demo < 0:
            raise CommandError("--demo takes a number of exercises, zero or more.")
        stdout = self.stdout if options["verbosity"] >= 1 else None
        with transaction.atomic():
            library_load(stdout=stdout)
            if demo:
                demo_exercises_create(count=demo, stdout=stdout)
