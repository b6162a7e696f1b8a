"""`manage.py import_exercises FILE --format free-exercise-db|wger`: load a public exercise data set."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from exercises.importers import FORMATS, ImportFormatError, ImportReport, exercises_import, parse
from exercises.models import Exercise
from fitai.console import ProgressBar

MAX_FILE_BYTES = 50 * 1024 * 1024
SHOWN_SKIPS = 20
SHOWN_IGNORED = 10


class Command(BaseCommand):
    help = (
        "Import exercises from a free-exercise-db JSON file or a wger exerciseinfo page. "
        "Idempotent: a second run of the same file changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path to the JSON file.")
        parser.add_argument("--format", required=True, choices=FORMATS, dest="source")
        parser.add_argument(
            "--status",
            choices=[Exercise.Status.APPROVED, Exercise.Status.PENDING],
            default=Exercise.Status.APPROVED,
            help="Status of created exercises (approved by default); updates keep the current one.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change, write nothing.")

    def handle(self, *args: Any, file: str, source: str, status: str, dry_run: bool, **options: Any) -> None:
        data = self._load(Path(file))
        try:
            parsed = parse(data, source=source)
        except ImportFormatError as error:
            raise CommandError(f"{file}: {error}") from None
        progress = ProgressBar(self.stderr) if options["verbosity"] >= 1 else None
        try:
            report = exercises_import(parsed=parsed, status=status, dry_run=dry_run, progress=progress)
        finally:
            if progress is not None:
                progress.close()
        if options["verbosity"] >= 1:
            self._report(report, Path(file).name)

    def _load(self, path: Path) -> Any:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
            with path.open(encoding="utf-8") as handle:
                return json.load(handle)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text.") from None
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
            ) from None
        except RecursionError:
            raise CommandError(f"{path} nests its JSON too deeply.") from None

    def _report(self, report: ImportReport, filename: str) -> None:
        write = self.stdout.write
        totals = (
            f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
            f"skipped {len(report.skipped)}"
        )
        write(f"{report.source} import of {filename}: {report.rows} rows in {report.seconds:.1f} s")
        write(self.style.SUCCESS(totals) if not report.skipped else self.style.WARNING(totals))
        if report.skipped:
            by_code = ", ".join(f"{code} {count}" for code, count in report.skipped_by_code().most_common())
            write(f"Skipped by reason: {by_code}")
            shown = report.skipped[:SHOWN_SKIPS]
            write(f"Skipped rows ({len(shown)} of {len(report.skipped)} shown):")
            for skip in shown:
                write(f"  {skip}")
        if report.ignored:
            names = report.ignored.most_common()
            listed = ", ".join(f"{name} x{count}" for name, count in names[:SHOWN_IGNORED])
            more = f" and {len(names) - SHOWN_IGNORED} more" if len(names) > SHOWN_IGNORED else ""
            write(f"Left out (names we do not map): {listed}{more}")
        for note in report.notes:
            write(self.style.WARNING(note))
        if report.dry_run:
            write(self.style.NOTICE("Dry run: everything was rolled back, nothing was written."))
