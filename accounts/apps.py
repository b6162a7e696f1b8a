from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts.erasure import ERASED_MODELS, accounts_erase
        from accounts.exporting import register_exporter
        from accounts.friendships import declare_events
        from fitai import erasure

        declare_events()
        # Registered first of the domain apps, so it runs last: it deletes the user row.
        erasure.register("accounts", accounts_erase, models=ERASED_MODELS)
        register_exporter()
