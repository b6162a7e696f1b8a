"""Data export: everything a person owns across the apps (`fitai.exporting`), as one versioned JSON
document or a zip of one CSV file per table.

Small exports (at most `FITAI_EXPORT_SYNC_MAX_ROWS` rows, 5000 by default, counted with COUNT
queries first) are built in the request. Larger ones become a `DataExport` built by a Celery task
on the `analytics` queue, which reports its progress on the row, stores the file privately under
`exports/<user public id>/` and announces `export.ready` after commit; the file is served through
expiring private links until `expires_at` (`FITAI_EXPORT_TTL_HOURS`, 24 by default), after which
the nightly clean-up deletes it. A person has at most one export pending or running at a time (a
database constraint); asking again returns that one.
"""

import csv
import io
import json
import logging
import re
import secrets
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from fitai import events, exporting, outbox
from fitai.erasure import storage_delete
from fitai.errors import ConflictError, NotFoundError
from progress.models import DataExport

logger = logging.getLogger("progress.exports")

FORMAT_NAME = "fitai-export"
FORMAT_VERSION = 1
EXPORT_DIR = "exports"
# A pending or running export older than this lost its worker: it no longer blocks a new one.
STALE_AFTER = timedelta(hours=1)
ACTIVE = [DataExport.Status.PENDING, DataExport.Status.RUNNING]
EXPIRED = "expired"  # Shown for a ready export past `expires_at`; not stored.

CONTENT_TYPES = {DataExport.Format.JSON: "application/json", DataExport.Format.CSV: "application/zip"}
EXTENSIONS = {DataExport.Format.JSON: "json", DataExport.Format.CSV: "zip"}
# Spreadsheets run cells that start like a formula; numbers are left alone.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")


class ExportNotFoundError(NotFoundError):
    default_code = "export_not_found"
    default_message = "No such export."


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str


def sync_max_rows() -> int:
    return int(getattr(settings, "FITAI_EXPORT_SYNC_MAX_ROWS", 5000))


def export_ttl() -> timedelta:
    return timedelta(hours=float(getattr(settings, "FITAI_EXPORT_TTL_HOURS", 24)))


def download_name(*, format: str, on: datetime | None = None) -> str:
    return f"fitai-export-{(on or timezone.now()):%Y-%m-%d}.{EXTENSIONS[format]}"


# --- Building and rendering -----------------------------------------------------------------------


def export_is_small(*, user: User) -> bool:
    """Whether the export is small enough to answer in the request (COUNT queries only)."""
    return exporting.user_row_count(user) <= sync_max_rows()


def export_document(*, user: User, on_progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """The versioned export document: who, when, and every table of every registered app."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "user": {"id": str(user.public_id), "username": user.username, "email": user.email},
        "tables": exporting.user_tables(user, on_progress=on_progress),
    }


def export_render(*, document: dict[str, Any], format: str) -> ExportFile:
    """The document as a JSON file, or as a zip of `<table>.csv` files plus `manifest.json`."""
    if format == DataExport.Format.JSON:
        content = json.dumps(document, ensure_ascii=False, indent=2).encode()
    else:
        content = _zip_of_csv(document)
    return ExportFile(
        content=content, content_type=CONTENT_TYPES[format], filename=download_name(format=format)
    )


def _zip_of_csv(document: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    manifest = {key: value for key, value in document.items() if key != "tables"}
    manifest["tables"] = {name: len(rows) for name, rows in document["tables"].items()}
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for name, rows in document["tables"].items():
            archive.writestr(f"{name}.csv", _csv(rows))
    return buffer.getvalue()


def _csv(rows: list[dict[str, Any]]) -> str:
    """One table as CSV: columns in first-seen order, nested values as JSON text."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.writer(out)
    if columns:
        writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def export_now(*, user: User, format: str) -> ExportFile:
    """Build and render the user's export in the caller (small exports)."""
    return export_render(document=export_document(user=user), format=format)


# --- Background exports ---------------------------------------------------------------------------


@transaction.atomic
def export_start(*, user: User, format: str) -> tuple[DataExport, bool]:
    """Queue a background export, or return the one already pending or running (and False)."""
    now = timezone.now()
    _fail_stale(now=now, user=user)
    running = DataExport.objects.filter(user=user, status__in=ACTIVE).first()
    if running is not None:
        return running, False
    try:
        with transaction.atomic():
            export = DataExport.objects.create(user=user, format=format)
    except IntegrityError:  # A concurrent request started one first.
        running = DataExport.objects.filter(user=user, status__in=ACTIVE).first()
        if running is None:
            raise ConflictError("An export just finished; ask again.", code="export_conflict") from None
        return running, False
    from progress.tasks import data_export_task

    export_pk = export.pk
    outbox.enqueue(data_export_task, export_pk)
    return export, True


def _fail_stale(*, now: datetime, user: User | None = None) -> int:
    stale = DataExport.objects.filter(status__in=ACTIVE, created_at__lt=now - STALE_AFTER)
    if user is not None:
        stale = stale.filter(user=user)
    return stale.update(status=DataExport.Status.FAILED, error="Timed out.", finished_at=now)


def export_run(*, export_id: int) -> DataExport | None:
    """Build a pending export, reporting progress on its row; store the file and announce it.

    Runs outside a transaction so pollers see the progress. A failure marks the export failed
    (and frees the person to ask again) instead of retrying: the cause is logged for operators.
    """
    claimed = DataExport.objects.filter(pk=export_id, status__in=ACTIVE).update(
        status=DataExport.Status.RUNNING, progress=1
    )
    if not claimed:
        return None  # Already done, failed, or the person was erased meanwhile.
    export = DataExport.objects.select_related("user").get(pk=export_id)
    try:
        name = _export_build_and_store(export)
    except Exception:
        logger.exception("Export %s failed", export.public_id)
        DataExport.objects.filter(pk=export_id).update(
            status=DataExport.Status.FAILED, error="The export failed.", finished_at=timezone.now()
        )
        return DataExport.objects.filter(pk=export_id).first()
    now = timezone.now()
    with transaction.atomic():
        finished = DataExport.objects.filter(pk=export_id, status=DataExport.Status.RUNNING).update(
            status=DataExport.Status.READY,
            progress=100,
            file=name,
            finished_at=now,
            expires_at=now + export_ttl(),
        )
        if finished:
            events.emit(exporting.EXPORT_READY, export_id=str(export.public_id), user_id=export.user_id)
    if not finished:  # Erased or timed out while building: nobody may find the file.
        storage_delete([name])
        return None
    return DataExport.objects.get(pk=export_id)


def _export_build_and_store(export: DataExport) -> str:
    def report(done: int, total: int) -> None:
        DataExport.objects.filter(pk=export.pk).update(progress=max(1, min(90, 90 * done // total)))

    document = export_document(user=export.user, on_progress=report)
    rendered = export_render(document=document, format=export.format)
    DataExport.objects.filter(pk=export.pk).update(progress=95)
    name = f"{EXPORT_DIR}/{export.user.public_id}/{secrets.token_hex(16)}.{EXTENSIONS[export.format]}"
    return default_storage.save(name, ContentFile(rendered.content))


def export_cleanup(*, now: datetime | None = None) -> int:
    """Delete the files of expired exports (their rows stay and read `expired`) and fail exports
    whose worker vanished; return how many files were deleted."""
    now = now or timezone.now()
    _fail_stale(now=now)
    expired = list(DataExport.objects.filter(expires_at__lte=now).exclude(file="").values_list("pk", "file"))
    if not expired:
        return 0
    DataExport.objects.filter(pk__in=[pk for pk, _ in expired]).update(file="")
    storage_delete(name for _, name in expired)
    return len(expired)


# --- Reads ----------------------------------------------------------------------------------------


def export_get_for_user(*, user: User, export_id: str) -> DataExport:
    """One of the user's exports by public id; anyone else's, or a malformed id, is not found."""
    try:
        public_id = uuid.UUID(str(export_id))
    except ValueError:
        raise ExportNotFoundError() from None
    export = DataExport.objects.filter(user=user, public_id=public_id).first()
    if export is None:
        raise ExportNotFoundError()
    return export


def export_state(export: DataExport, *, now: datetime | None = None) -> str:
    """The status to show: a ready export whose file expired or was cleaned up reads `expired`."""
    if export.status == DataExport.Status.READY:
        now = now or timezone.now()
        if not export.file or (export.expires_at is not None and export.expires_at <= now):
            return EXPIRED
    return export.status
