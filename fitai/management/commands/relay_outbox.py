"""Publish the outbox's pending Celery tasks: once, or in a loop (the beat task does the same)."""

import signal
import time

from django.core.management.base import BaseCommand

from fitai.outbox import BATCH_SIZE, relay_outbox


class Command(BaseCommand):
    help = (
        "Publish pending outbox messages to the Celery broker, oldest first, and purge old sent ones. "
        "Safe to run beside the beat task and other relays: rows are locked with SKIP LOCKED."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep relaying until SIGTERM or Ctrl-C.")
        parser.add_argument(
            "--interval", type=float, default=2.0, help="Seconds between runs with --loop (default 2)."
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="Rows per transaction.")

    def handle(self, *args, loop: bool, interval: float, batch_size: int, **options) -> None:
        if not loop:
            sent = relay_outbox(batch_size=batch_size)
            self.stdout.write(f"{sent} message(s) sent.")
            return
        stopping = False

        def stop(signum, frame) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        total = 0
        try:
            while not stopping:
                total += relay_outbox(batch_size=batch_size)
                time.sleep(interval)
        except KeyboardInterrupt:
            pass
        self.stdout.write(f"{total} message(s) sent.")
