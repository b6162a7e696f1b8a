"""Data export: every app says what a user owns in its models; one call collects it all.

The export counterpart of `fitai.erasure`. An app registers an exporter in its
`AppConfig.ready()`, naming the models it covers and those it deliberately leaves out:

    # progress/apps.py
    def ready(self):
        from progress.exporting import register_exporter
        register_exporter()

    # progress/exporting.py
    def register_exporter() -> None:
        exporting.register(
            "progress",
            progress_export,
            count=progress_export_count,
            models=["progress.CheckIn", "progress.ProgressPhoto", "progress.Goal", "progress.Milestone"],
            excluded={"progress.DataExport": "The export jobs themselves."},
        )

An exporter is `(user) -> {table name: [row, ...]}`: flat tables (children carry their parent's
public id and position, so the same tables make one JSON document and a zip of CSV files) whose
rows hold the user's own data. Ids are public UUIDs where the model has one, never primary keys.
Nothing of other people goes in beyond what the user already sees of them: a friendship names
the other person by public id and username only. Values may be anything `plain()` understands
(decimals, dates, UUIDs, nested lists and dicts); the registry turns them into JSON values.

`count` is `(user) -> int`, the number of rows the exporter would return, with COUNT queries
only: the API uses it to choose between answering at once and exporting in the background.

The community and AI apps (posts, comments, likes, notifications, AI history) register their
exporters the same way once they exist; nothing here needs to change.

`unregistered_user_models()` lists models holding a foreign key to the user model that no
exporter claims or excludes (with a reason); the suite keeps it empty and a system check warns
about it, so a new model cannot silently escape the export.
"""

import datetime
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from fitai import events
from fitai.erasure import user_models

# Emitted when a background export is ready: `export_id` (its public id) and `user_id` (pk).
# The community app turns it into a notification carrying the download link.
EXPORT_READY = "export.ready"
events.declare(EXPORT_READY)

Table = list[dict[str, Any]]
Exporter = Callable[[Any], dict[str, Table]]
RowCounter = Callable[[Any], int]


@dataclass(frozen=True)
class RegisteredExporter:
    name: str
    function: Exporter
    count: RowCounter
    models: tuple[str, ...]
    excluded: tuple[tuple[str, str], ...]


_registry: dict[str, RegisteredExporter] = {}


def _label(model: type[models.Model] | str) -> str:
    return model if isinstance(model, str) else model._meta.label


def register(
    name: str,
    exporter: Exporter,
    *,
    count: RowCounter,
    models: Iterable[type[models.Model] | str],
    excluded: Mapping[type[models.Model] | str, str] | None = None,
) -> None:
    """Add `exporter` under `name`, claiming `models` and excluding `excluded` (label → reason).

    Call from `AppConfig.ready()`. Registering the same name again replaces it in place; a model
    claimed or excluded by two exporters is a configuration error, and so is an empty reason.
    """
    labels = tuple(_label(model) for model in models)
    left_out = tuple((_label(model), reason) for model, reason in (excluded or {}).items())
    if any(not reason.strip() for _, reason in left_out):
        raise ImproperlyConfigured(f"Exporter {name!r}: say why each excluded model is left out.")
    mine = set(labels) | {label for label, _ in left_out}
    for other in _registry.values():
        shared = mine & (set(other.models) | {label for label, _ in other.excluded})
        if other.name != name and shared:
            raise ImproperlyConfigured(
                f"Models {sorted(shared)} are already covered by the exporter {other.name!r}: "
                "one model, one exporter."
            )
    _registry[name] = RegisteredExporter(
        name=name, function=exporter, count=count, models=labels, excluded=left_out
    )


def unregister(name: str) -> None:
    _registry.pop(name, None)


def exporters() -> list[RegisteredExporter]:
    """The registered exporters in registration order (layer order: accounts first)."""
    return list(_registry.values())


def claimed_models() -> set[str]:
    """Labels of every model some exporter covers."""
    return {label for exporter in _registry.values() for label in exporter.models}


def excluded_models() -> dict[str, str]:
    """Labels of the models deliberately left out of the export, with the reason."""
    return {label: reason for exporter in _registry.values() for label, reason in exporter.excluded}


def unregistered_user_models() -> list[str]:
    """Labels of user-related models no exporter claims or excludes; should be empty.

    Auto-created many-to-many tables count as covered when the model declaring them is.
    """
    covered = claimed_models() | set(excluded_models())
    missing = []
    for model in user_models():
        owner = model._meta.auto_created or model
        if model._meta.label not in covered and owner._meta.label not in covered:
            missing.append(model._meta.label)
    return sorted(missing)


@checks.register(checks.Tags.models)
def check_user_models_are_exported(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn about models that point at users but are neither exported nor excluded on purpose."""
    return [
        checks.Warning(
            f"{label} has a foreign key to the user model but no exporter covers or excludes it.",
            hint="Claim or exclude (with a reason) it with fitai.exporting.register() in its app's ready().",
            obj=label,
            id="fitai.W002",
        )
        for label in unregistered_user_models()
    ]


def user_row_count(user: Any) -> int:
    """How many rows the user's export holds, counted without loading them."""
    return sum(exporter.count(user) for exporter in _registry.values())


def user_tables(user: Any, *, on_progress: Callable[[int, int], None] | None = None) -> dict[str, Table]:
    """Run every exporter for `user`; return all tables with JSON-ready rows.

    `on_progress(done, total)` is called after each exporter, for background exports.
    """
    tables: dict[str, Table] = {}
    registered = exporters()
    for done, exporter in enumerate(registered, start=1):
        for table, rows in exporter.function(user).items():
            if table in tables:
                raise ImproperlyConfigured(
                    f"Exporter {exporter.name!r} returned table {table!r}, which another exporter "
                    "already returned: prefix table names with the app's subject."
                )
            tables[table] = [plain(row) for row in rows]
        if on_progress is not None:
            on_progress(done, len(registered))
    return tables


def plain(value: Any) -> Any:
    """`value` as JSON values: decimals as strings (exact, as the API answers them), times and
    dates in ISO 8601, UUIDs as strings; dicts and lists converted all the way down."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    raise TypeError(f"Cannot export a {type(value).__name__}: convert it in the exporter.")
