from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Community"

    def ready(self) -> None:
        from community import subscribers as activity_subscribers
        from community.challenges import connect_challenges
        from community.erasure import ERASED_MODELS, community_erase
        from community.exporting import register_exporter
        from community.moderation import connect_banned_terms
        from community.notification_subscribers import connect_notifications
        from fitai import erasure

        erasure.register("community", community_erase, models=ERASED_MODELS)
        register_exporter()
        connect_notifications()
        activity_subscribers.connect()
        connect_challenges()
        connect_banned_terms()
