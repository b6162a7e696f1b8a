"""Choose the settings module before Django starts; imported by every entry point."""

import os


def use_default_settings() -> None:
    """Point Django at the settings for `DJANGO_ENV` unless DJANGO_SETTINGS_MODULE says otherwise."""
    production = os.environ.get("DJANGO_ENV") == "production"
    os.environ.setdefault(
        "DJANGO_SETTINGS_MODULE", "fitai.settings.production" if production else "fitai.settings.base"
    )
