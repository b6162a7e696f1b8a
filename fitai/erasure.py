"""Account erasure: every app says how to erase a user from its models; one call runs them all.

An app registers an eraser in its `AppConfig.ready()`, naming every model it covers:

    # progress/apps.py
    def ready(self):
        from fitai import erasure
        from progress.erasure import progress_erase
        erasure.register("progress", progress_erase, models=["progress.CheckIn", "progress.Photo"])

An eraser is `(user) -> ErasureResult`: it deletes or anonymises the user's rows in its models
and returns how many per model label, plus the storage names of the user's files.

Order. `erase_user` runs the erasers in the REVERSE of registration order. Apps are readied in
INSTALLED_APPS order, which is layer order (accounts first, ai last), so the highest app runs
first and accounts — whose eraser deletes the user row and everything that still cascades from
it — runs last. Higher apps therefore see the user row and their own rows intact: they can
collect file names, anonymise what must outlive the user (another person's thread, a shared
challenge) and clear rows whose foreign key would otherwise PROTECT or SET_NULL. Within one app,
register the eraser that must run last first.

Everything runs in one transaction; stored files are deleted after commit (missing files are
fine, failures are logged), and an `ErasureRecord` keeps the counts and nothing identifying.

`unregistered_user_models()` lists models holding a foreign key to the user model that no eraser
claims; the suite keeps it empty and a system check warns about it, so a new model cannot
silently escape erasure. (Generic relations — a content type and an object id — cannot be seen
this way: the eraser of an app that has them must cover them by hand.)
"""

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.db import models, transaction

from fitai import events
from fitai.errors import NotFoundError
from fitai.models import ErasureRecord

logger = logging.getLogger("fitai.erasure")

# Carries only the id of the ErasureRecord: the person is gone by the time anyone hears of it.
USER_ERASED = "user.erased"
events.declare(USER_ERASED)


@dataclass
class ErasureResult:
    """What one eraser did: rows deleted or anonymised per model label, and files to delete."""

    counts: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def add(self, model: type[models.Model] | str, number: int) -> None:
        """Count `number` more rows of `model` (a model class or an `app_label.Model` label)."""
        label = model if isinstance(model, str) else model._meta.label
        if number:
            self.counts[label] = self.counts.get(label, 0) + number

    def add_deleted(self, deleted: tuple[int, dict[str, int]]) -> None:
        """Count what a `QuerySet.delete()` or `Model.delete()` reports, cascades included."""
        for label, number in deleted[1].items():
            self.add(label, number)


Eraser = Callable[[Any], ErasureResult]


@dataclass(frozen=True)
class RegisteredEraser:
    name: str
    function: Eraser
    models: tuple[str, ...]


_registry: dict[str, RegisteredEraser] = {}


def _label(model: type[models.Model] | str) -> str:
    return model if isinstance(model, str) else model._meta.label


def register(name: str, eraser: Eraser, *, models: Iterable[type[models.Model] | str]) -> None:
    """Add `eraser` under `name`, claiming `models`; call from `AppConfig.ready()`.

    Registering the same name again replaces it in place (ready() may run more than once in
    tests); a model claimed by two erasers is a configuration error.
    """
    labels = tuple(_label(model) for model in models)
    for other in _registry.values():
        shared = set(labels) & set(other.models)
        if other.name != name and shared:
            raise ImproperlyConfigured(
                f"Models {sorted(shared)} are already covered by the eraser {other.name!r}: "
                "one model, one eraser."
            )
    _registry[name] = RegisteredEraser(name=name, function=eraser, models=labels)


def unregister(name: str) -> None:
    _registry.pop(name, None)


def erasers() -> list[RegisteredEraser]:
    """The registered erasers in the order `erase_user` runs them: highest app first."""
    return list(reversed(_registry.values()))


def claimed_models() -> set[str]:
    """Labels of every model some eraser covers."""
    return {label for eraser in _registry.values() for label in eraser.models}


def user_models() -> list[type[models.Model]]:
    """Every concrete model that is the user model or holds a foreign key or one-to-one to it.

    Auto-created many-to-many tables are included; they count as covered when the model that
    declares the many-to-many is.
    """
    user_model = get_user_model()
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy:
            continue
        points_at_user = any(
            field.is_relation
            and (field.many_to_one or field.one_to_one)
            and field.related_model is not None
            and issubclass(field.related_model, user_model)
            for field in model._meta.concrete_fields
        )
        if model is user_model or points_at_user:
            found.append(model)
    return found


def unregistered_user_models() -> list[str]:
    """Labels of user-related models that no eraser claims (see `user_models`); should be empty."""
    claimed = claimed_models()
    missing = []
    for model in user_models():
        owner = model._meta.auto_created or model
        if model._meta.label not in claimed and owner._meta.label not in claimed:
            missing.append(model._meta.label)
    return sorted(missing)


@checks.register(checks.Tags.models)
def check_user_models_are_erased(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn about models that point at users but would escape account erasure."""
    return [
        checks.Warning(
            f"{label} has a foreign key to the user model but no eraser covers it.",
            hint="Register an eraser for it with fitai.erasure.register() in its app's ready().",
            obj=label,
            id="fitai.W001",
        )
        for label in unregistered_user_models()
    ]


def erase_user(user: Any) -> ErasureRecord:
    """Erase the user through every registered eraser in one transaction; return the audit record.

    The erasers must leave no row of the user behind (the last one, accounts', deletes the user
    row). Files are deleted once the transaction has committed; nothing is deleted if it fails.
    """
    user_model = get_user_model()
    user_pk = user.pk  # `Model.delete()` sets the instance's pk to None.
    counts: Counter[str] = Counter()
    files: set[str] = set()
    with transaction.atomic():
        # Serialises two erasures of the same account; the second finds nothing and fails.
        user = user_model._default_manager.select_for_update().filter(pk=user_pk).first()
        if user is None:
            raise NotFoundError("This account no longer exists.")
        for eraser in erasers():
            result = eraser.function(user)
            counts.update(result.counts)
            files.update(name for name in result.files if name)
        if user_model._default_manager.filter(pk=user_pk).exists():
            raise ImproperlyConfigured("No eraser deleted the user row: register the accounts eraser.")
        record = ErasureRecord.objects.create(counts=dict(sorted(counts.items())), file_count=len(files))
        transaction.on_commit(partial(storage_delete, sorted(files)))
        events.emit(USER_ERASED, erasure_id=str(record.pk))
    logger.info("Account erased: erasure %s, %s rows, %s files", record.pk, record.row_count, len(files))
    return record


def storage_delete(names: Iterable[str]) -> int:
    """Delete files from the default storage, tolerating missing ones; return how many failed.

    Call it after commit (`transaction.on_commit`), so a rolled-back change keeps its files.
    """
    failures = 0
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            failures += 1
            logger.exception("Could not delete stored file %s; delete it by hand", name)
    return failures
