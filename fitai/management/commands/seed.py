"""Load every app's seed data, idempotently, in layer order (`make run` calls it)."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the seed data of every FitAI app that has a `seed` module with a `seed(stdout)` function."

    def handle(self, *args, **options) -> None:
        seeded = 0
        for config in apps.get_app_configs():
            module_name = f"{config.name}.seed"
            if find_spec(module_name) is None:
                continue
            import_module(module_name).seed(self.stdout)
            seeded += 1
        self.stdout.write(self.style.SUCCESS(f"Seed data loaded from {seeded} app(s)."))
