"""Output shapes of challenges and leaderboards.

They read only what the selectors loaded or annotated (creator, exercise, the viewer's
participation) and the `today` the view puts in the context, so a page costs no query per row.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.friend_serializers import avatar_thumb_url, display_name
from accounts.models import User
from community.challenges import Status, challenge_status
from community.leaderboards import Leaderboard
from community.models import Challenge


class ChallengeUserSerializer(serializers.Serializer):
    """A person as a board or a challenge shows them (a public card)."""

    id = serializers.UUIDField(source="public_id")
    username = serializers.CharField()
    display_name = serializers.SerializerMethodField()
    avatar_url = serializers.SerializerMethodField(help_text="128 px avatar, or null.")

    def get_display_name(self, user: User) -> str:
        return display_name(user)

    def get_avatar_url(self, user: User) -> str | None:
        return avatar_thumb_url(user)


class ChallengeExerciseSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    slug = serializers.CharField()
    name = serializers.CharField()


class ChallengeSerializer(serializers.Serializer):
    """A challenge with the viewer's status in it (`is_joined`, `my_score`)."""

    id = serializers.UUIDField(source="public_id")
    title = serializers.CharField()
    description = serializers.CharField()
    type = serializers.ChoiceField(Challenge.Type.choices)
    exercise = ChallengeExerciseSerializer(allow_null=True, help_text="exercise_volume only.")
    target_value = serializers.FloatField(allow_null=True)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    visibility = serializers.ChoiceField(Challenge.Visibility.choices)
    status = serializers.SerializerMethodField(
        help_text="upcoming, active or finished, seen from your today."
    )
    participant_count = serializers.IntegerField()
    creator = ChallengeUserSerializer(allow_null=True)
    is_joined = serializers.BooleanField()
    my_score = serializers.FloatField(allow_null=True, help_text="Your score, or null when not joined.")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True, help_text="When the results were announced.")

    @extend_schema_field(serializers.ChoiceField(Status.ALL))
    def get_status(self, challenge: Challenge) -> str:
        return challenge_status(challenge, self.context["today"])


class StandingSerializer(serializers.Serializer):
    """Documents one entry; `leaderboard_data` builds it."""

    rank = serializers.IntegerField(help_text="Equal values share a rank (1, 2, 2, 4).")
    user = ChallengeUserSerializer()
    value = serializers.FloatField()


class MyStandingSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    value = serializers.FloatField()
    is_hidden = serializers.BooleanField(help_text="You hide from leaderboards: only you see this.")


class LeaderboardSerializer(serializers.Serializer):
    """A board: the top entries and your own place, even outside the top (`leaderboard_data`)."""

    challenge_id = serializers.UUIDField(allow_null=True)
    metric = serializers.CharField(help_text="The metric, or the challenge's type.")
    period = serializers.CharField(allow_null=True)
    scope = serializers.ChoiceField(["global", "friends"])
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    entries = StandingSerializer(many=True)
    me = MyStandingSerializer(allow_null=True, help_text="Null when you are not on the board.")
    backend = serializers.ChoiceField(["redis", "database"])


def leaderboard_data(
    board: Leaderboard, *, scope: str, metric: str, period: str | None, challenge: Challenge | None
) -> dict:
    """The board as the API returns it."""
    me = None
    if board.me is not None:
        me = {"rank": board.me.rank, "value": float(board.me.value), "is_hidden": board.me_hidden}
    return {
        "challenge_id": str(challenge.public_id) if challenge else None,
        "metric": metric,
        "period": period,
        "scope": scope,
        "start_date": board.start,
        "end_date": board.end,
        "entries": [
            {
                "rank": s.rank,
                "user": ChallengeUserSerializer(board.users[s.user_id]).data,
                "value": float(s.value),
            }
            for s in board.entries
        ],
        "me": me,
        "backend": board.backend,
    }


class ParticipationSerializer(serializers.Serializer):
    score = serializers.FloatField()
    rank = serializers.IntegerField()
    joined_at = serializers.DateTimeField()
    reached_target = serializers.BooleanField(allow_null=True, help_text="Null without a target.")


class ChallengeDetailSerializer(ChallengeSerializer):
    """A challenge, your participation, and the top of its board."""

    participation = ParticipationSerializer(allow_null=True, help_text="Null when you have not joined.")
    leaderboard = serializers.SerializerMethodField(help_text="The top of the board, and your place.")

    @extend_schema_field(LeaderboardSerializer)
    def get_leaderboard(self, challenge: Challenge) -> dict:
        return challenge.leaderboard  # built by the view with `leaderboard_data`
