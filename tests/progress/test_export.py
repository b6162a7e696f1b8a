"""`GET /api/v1/analytics/export`: complete, nobody else's data, JSON and CSV, in the background
when large; and the registry that keeps every model a person owns in the export."""

import csv
import io
import json
import zipfile
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from accounts.models import BodyMetric, Friendship, Profile, SocialIdentity, User
from ai.models import AICall, Conversation, Message, Recommendation, RecommendationFeedback
from community.models import (
    Activity,
    Challenge,
    ChallengeParticipant,
    Comment,
    Like,
    Notification,
    Report,
)
from exercises.models import Exercise, ExerciseRating
from fitai import events, exporting
from progress import exports
from progress.models import CheckIn, DataExport, Goal, Milestone, ProgressPhoto
from templates_app.models import (
    TemplateDay,
    TemplateExercise,
    TemplateFavorite,
    TemplateRating,
    TemplateSet,
    WorkoutTemplate,
)
from tests.everywhere import populate
from tests.factories import UserFactory
from workouts.models import PersonalRecord, Workout, WorkoutExercise, WorkoutSet

pytestmark = pytest.mark.django_db

URL = "/api/v1/analytics/export"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def people():
    """Two people with data in every app, and a third they both know (friend, program author)."""
    friend = UserFactory(username="common_friend", email="common.friend@example.com", email_verified=True)
    first = UserFactory(username="first_person", email="first.person@example.com")
    second = UserFactory(username="zz_second_one", email="zz.second.one@example.com")
    return populate(first, other=friend), populate(second, other=friend)


def expected_tables(user: User) -> dict[str, tuple[type, list[tuple]]]:
    """Per export table: the model it comes from and the identifying values of each of the user's
    rows, read straight from the database."""

    def ids(queryset, *lookups):
        return sorted(tuple(str(value) for value in row) for row in queryset.values_list(*lookups))

    involving = Q(user_low=user) | Q(user_high=user)
    blocked_by_them = Q(status=Friendship.Status.BLOCKED) & ~Q(blocked_by=user)
    friendships = Friendship.objects.filter(involving).exclude(blocked_by_them)
    others = sorted(
        (str(row.user_high.public_id if row.user_low_id == user.pk else row.user_low.public_id),)
        for row in friendships.select_related("user_low", "user_high")
    )
    return {
        "account": (User, ids(User.objects.filter(pk=user.pk), "public_id")),
        "profile": (Profile, ids(Profile.objects.filter(user=user), "location")),
        "body_metrics": (BodyMetric, ids(BodyMetric.objects.filter(user=user), "id")),
        "friendships": (Friendship, others),
        "social_identities": (SocialIdentity, ids(SocialIdentity.objects.filter(user=user), "provider")),
        "submitted_exercises": (Exercise, ids(Exercise.objects.filter(created_by=user), "public_id")),
        "exercise_ratings": (
            ExerciseRating,
            ids(ExerciseRating.objects.filter(user=user), "exercise__public_id"),
        ),
        "programs": (WorkoutTemplate, ids(WorkoutTemplate.objects.filter(owner=user), "public_id")),
        "program_days": (
            TemplateDay,
            ids(TemplateDay.objects.filter(template__owner=user), "template__public_id", "index"),
        ),
        "program_exercises": (
            TemplateExercise,
            ids(
                TemplateExercise.objects.filter(day__template__owner=user),
                "day__template__public_id",
                "day__index",
                "order",
            ),
        ),
        "program_sets": (
            TemplateSet,
            ids(
                TemplateSet.objects.filter(template_exercise__day__template__owner=user),
                "template_exercise__day__template__public_id",
                "template_exercise__day__index",
                "template_exercise__order",
                "order",
            ),
        ),
        "program_favorites": (
            TemplateFavorite,
            ids(TemplateFavorite.objects.filter(user=user), "template__public_id"),
        ),
        "program_ratings": (
            TemplateRating,
            ids(TemplateRating.objects.filter(user=user), "template__public_id"),
        ),
        "workouts": (Workout, ids(Workout.objects.filter(owner=user), "public_id")),
        "workout_exercises": (
            WorkoutExercise,
            ids(WorkoutExercise.objects.filter(workout__owner=user), "workout__public_id", "index"),
        ),
        "workout_sets": (
            WorkoutSet,
            ids(
                WorkoutSet.objects.filter(workout__owner=user),
                "workout__public_id",
                "workout_exercise__index",
                "index",
            ),
        ),
        "personal_records": (
            PersonalRecord,
            ids(PersonalRecord.objects.filter(user=user), "exercise__public_id", "type", "value"),
        ),
        "check_ins": (CheckIn, ids(CheckIn.objects.filter(user=user), "public_id")),
        "progress_photos": (ProgressPhoto, ids(ProgressPhoto.objects.filter(user=user), "public_id")),
        "goals": (Goal, ids(Goal.objects.filter(user=user), "public_id")),
        "goal_milestones": (Milestone, ids(Milestone.objects.filter(goal__user=user), "public_id")),
        "activities": (Activity, ids(Activity.objects.filter(author=user), "public_id")),
        "comments": (Comment, ids(Comment.objects.filter(author=user), "public_id")),
        "likes": (Like, ids(Like.objects.filter(user=user), "activity__public_id")),
        "reports": (Report, ids(Report.objects.filter(reporter=user), "public_id")),
        "challenges_created": (Challenge, ids(Challenge.objects.filter(creator=user), "public_id")),
        "challenge_entries": (
            ChallengeParticipant,
            ids(ChallengeParticipant.objects.filter(user=user), "challenge__public_id"),
        ),
        "notifications": (Notification, ids(Notification.objects.filter(recipient=user), "public_id")),
        "ai_conversations": (Conversation, ids(Conversation.objects.filter(user=user), "public_id")),
        "ai_messages": (
            Message,
            ids(Message.objects.filter(conversation__user=user), "conversation__public_id", "content"),
        ),
        "ai_recommendations": (Recommendation, ids(Recommendation.objects.filter(user=user), "public_id")),
        "ai_feedback": (
            RecommendationFeedback,
            ids(RecommendationFeedback.objects.filter(user=user), "recommendation__public_id"),
        ),
        "ai_calls": (AICall, ids(AICall.objects.filter(user=user), "endpoint", "outcome")),
    }


# The columns of each table that `expected_tables` compares, in the same order.
KEYS = {
    "account": ["id"],
    "profile": ["location"],
    "body_metrics": ["id"],
    "friendships": ["user_id"],
    "social_identities": ["provider"],
    "submitted_exercises": ["id"],
    "exercise_ratings": ["exercise_id"],
    "programs": ["id"],
    "program_days": ["program_id", "index"],
    "program_exercises": ["program_id", "day_index", "order"],
    "program_sets": ["program_id", "day_index", "exercise_order", "order"],
    "program_favorites": ["program_id"],
    "program_ratings": ["program_id"],
    "workouts": ["id"],
    "workout_exercises": ["workout_id", "index"],
    "workout_sets": ["workout_id", "exercise_index", "index"],
    "personal_records": ["exercise_id", "type", "value"],
    "check_ins": ["id"],
    "progress_photos": ["id"],
    "goals": ["id"],
    "goal_milestones": ["id"],
    "activities": ["id"],
    "comments": ["id"],
    "likes": ["activity_id"],
    "reports": ["id"],
    "challenges_created": ["id"],
    "challenge_entries": ["challenge_id"],
    "notifications": ["id"],
    "ai_conversations": ["id"],
    "ai_messages": ["conversation_id", "content"],
    "ai_recommendations": ["id"],
    "ai_feedback": ["recommendation_id"],
    "ai_calls": ["endpoint", "outcome"],
}


def exported_ids(rows: list[dict], keys: list[str]) -> list[tuple]:
    return sorted(tuple(str(row[key]) for key in keys) for row in rows)


def traces_of(user: User) -> set[str]:
    """Strings that would betray `user`'s data: identity, and the public ids and files of their rows."""
    traces = {str(user.public_id), user.username, user.email, f"Bio of {user.username}"}
    for model, lookup in (
        (Workout, "owner"),
        (WorkoutTemplate, "owner"),
        (Exercise, "created_by"),
        (CheckIn, "user"),
        (ProgressPhoto, "user"),
        (Goal, "user"),
        (Milestone, "goal__user"),
        (Activity, "author"),
        (Comment, "author"),
        (Challenge, "creator"),
        (Notification, "recipient"),
        (Conversation, "user"),
        (Recommendation, "user"),
    ):
        traces |= {
            str(value) for value in model.objects.filter(**{lookup: user}).values_list("public_id", flat=True)
        }
    traces |= {str(value) for value in BodyMetric.objects.filter(user=user).values_list("id", flat=True)}
    traces |= set(ProgressPhoto.objects.filter(user=user).values_list("file", flat=True))
    return traces


def download(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- Complete, and nobody else's --------------------------------------------------------------------


def test_json_export_holds_every_row_the_person_owns(people, auth_client, django_assert_max_num_queries):
    mine, _ = people
    client = auth_client(mine.user)
    # One COUNT and one read per table, however much data: no query per row.
    with django_assert_max_num_queries(70):
        response = client.get(URL, {"format": "json"})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="fitai-export-')
    document = json.loads(response.content)
    assert (document["format"], document["version"]) == ("fitai-export", 1)
    assert document["user"] == {
        "id": str(mine.user.public_id),
        "username": mine.user.username,
        "email": mine.user.email,
    }
    tables = document["tables"]
    expected = expected_tables(mine.user)
    assert set(tables) == {*expected, "preferences"}
    for name, (_model, rows) in expected.items():
        assert rows, f"populate() gives the person no {name}: extend tests/everywhere.py"
        assert exported_ids(tables[name], KEYS[name]) == rows, name
    assert tables["preferences"][0]["document"]["units"]["weight"] == "lb"
    assert exporting.user_row_count(mine.user) == sum(len(rows) for rows in tables.values())


def test_the_comparison_covers_every_exported_model(people):
    """A model added to an exporter must be added to the round-trip comparison above."""
    compared = {model._meta.label for model, _ in expected_tables(people[0].user).values()}
    assert compared == exporting.claimed_models()


def test_export_contains_nothing_of_another_person(people, auth_client):
    mine, theirs = people
    text = auth_client(mine.user).get(URL).content.decode()
    leaked = sorted(trace for trace in traces_of(theirs.user) if trace in text)
    assert leaked == []
    assert str(mine.workout.public_id) in text  # The search does find ids that belong.


def test_friendships_name_the_other_person_by_public_id_and_username_only(people, auth_client):
    mine, _ = people
    rows = auth_client(mine.user).get(URL).json()["tables"]["friendships"]
    assert rows == [
        {
            "user_id": str(mine.other.public_id),
            "username": mine.other.username,
            "status": "friends",
            "created_at": rows[0]["created_at"],
            "updated_at": rows[0]["updated_at"],
        }
    ]


def test_a_block_placed_by_someone_else_is_not_exported(auth_client):
    user, blocker = UserFactory(), UserFactory(username="the_blocker")
    low, high = sorted([user, blocker], key=lambda person: person.pk)
    Friendship.objects.create(
        user_low=low, user_high=high, status=Friendship.Status.BLOCKED, requested_by=user, blocked_by=blocker
    )
    response = auth_client(user).get(URL)
    assert response.json()["tables"]["friendships"] == []
    assert "the_blocker" not in response.content.decode()


def test_check_ins_link_their_photos_through_expiring_private_urls(people, auth_client, api_client):
    mine, _ = people
    photo = auth_client(mine.user).get(URL).json()["tables"]["progress_photos"][0]
    assert photo["check_in_id"] == str(mine.check_in.public_id)
    assert "/media/private/" in photo["url"]
    served = api_client.get(urlsplit(photo["url"]).path)
    assert served.status_code == 200
    assert download(served).startswith(b"\xff\xd8")  # JPEG


def test_csv_export_is_a_zip_of_one_file_per_table(people, auth_client):
    mine, _ = people
    client = auth_client(mine.user)
    tables = client.get(URL).json()["tables"]
    response = client.get(URL, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].endswith('.zip"')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == {f"{name}.csv" for name in tables} | {"manifest.json"}
    for name, rows in tables.items():
        read = list(csv.DictReader(io.StringIO(archive.read(f"{name}.csv").decode())))
        assert len(read) == len(rows), name
    programs = list(csv.DictReader(io.StringIO(archive.read("program_exercises.csv").decode())))
    assert json.loads(programs[0]["progression"]) == {"type": "none"}  # Nested values as JSON text.
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["tables"] == {name: len(rows) for name, rows in tables.items()}


def test_csv_cells_that_look_like_formulas_are_defused(auth_client):
    user = UserFactory(first_name="=HYPERLINK(1)")
    archive = zipfile.ZipFile(io.BytesIO(auth_client(user).get(URL, {"format": "csv"}).content))
    account = next(csv.DictReader(io.StringIO(archive.read("account.csv").decode())))
    assert account["first_name"] == "'=HYPERLINK(1)"


# --- Errors ---------------------------------------------------------------------------------------


def test_anonymous_export_is_refused(api_client):
    response = api_client.get(URL)
    assert response.status_code == 401
    assert "error" in response.json()


def test_unknown_format_is_a_validation_error(auth_client):
    response = auth_client().get(URL, {"format": "xml"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "format" in response.json()["error"]["fields"]


# --- Large exports in the background -----------------------------------------------------------------


@pytest.fixture
def ready_events():
    received = []

    def record(**payload):
        received.append(payload)

    events.subscribe(exporting.EXPORT_READY, record)
    yield received
    events.unsubscribe(exporting.EXPORT_READY, record)


def test_large_export_runs_in_the_background_and_is_downloaded_once_ready(
    people, auth_client, api_client, settings, django_capture_on_commit_callbacks, ready_events
):
    settings.FITAI_EXPORT_SYNC_MAX_ROWS = 1
    mine, _ = people
    client = auth_client(mine.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(URL, {"format": "csv"})
    assert response.status_code == 202
    started = response.json()
    assert (started["status"], started["progress"], started["url"]) == ("pending", 0, None)

    status = client.get(f"{URL}/{started['id']}").json()
    assert (status["status"], status["progress"], status["format"]) == ("ready", 100, "csv")
    export = DataExport.objects.get(public_id=started["id"])
    assert export.file.startswith(f"exports/{mine.user.public_id}/")
    assert export.file.endswith(".zip")
    assert timedelta(hours=23) < export.expires_at - timezone.now() <= timedelta(hours=24)
    assert ready_events == [{"export_id": started["id"], "user_id": mine.user.pk}]

    served = api_client.get(status["url"])  # The link is the credential: no token needed.
    assert served.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download(served)))
    assert "workout_sets.csv" in archive.namelist()
    assert json.loads(archive.read("manifest.json"))["user"]["id"] == str(mine.user.public_id)


def test_asking_again_while_an_export_runs_returns_the_running_one(auth_client, settings):
    settings.FITAI_EXPORT_SYNC_MAX_ROWS = 1
    client = auth_client()
    running = DataExport.objects.create(user=client.user, format="json", status="running", progress=40)
    response = client.get(URL, {"format": "csv"})
    assert response.status_code == 202
    assert (response.json()["id"], response.json()["progress"]) == (str(running.public_id), 40)
    assert DataExport.objects.filter(user=client.user).count() == 1


def test_a_stale_running_export_no_longer_blocks_a_new_one(auth_client, settings):
    settings.FITAI_EXPORT_SYNC_MAX_ROWS = 1
    client = auth_client()
    stale = DataExport.objects.create(user=client.user, format="json", status="running")
    DataExport.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=2))
    response = client.get(URL)
    assert response.status_code == 202
    assert response.json()["id"] != str(stale.public_id)
    assert DataExport.objects.get(pk=stale.pk).status == "failed"


def test_a_failing_export_is_marked_failed_and_frees_the_person(auth_client, monkeypatch):
    client = auth_client()
    export = DataExport.objects.create(user=client.user, format="json")

    def broken(user, on_progress=None):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exporting, "user_tables", broken)
    exports.export_run(export_id=export.pk)
    assert client.get(f"{URL}/{export.public_id}").json()["status"] == "failed"
    assert not DataExport.objects.filter(user=client.user, status__in=exports.ACTIVE).exists()


def test_another_persons_export_is_not_found(auth_client):
    export = DataExport.objects.create(
        user=UserFactory(), format="json", status="ready", file="exports/x.json"
    )
    response = auth_client().get(f"{URL}/{export.public_id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "export_not_found"
    assert auth_client().get(f"{URL}/not-a-uuid").status_code == 404


def test_an_expired_export_has_no_link_and_the_cleanup_deletes_its_file(auth_client):
    client = auth_client()
    name = default_storage.save(f"exports/{client.user.public_id}/old.json", ContentFile(b"{}"))
    export = DataExport.objects.create(
        user=client.user,
        format="json",
        status="ready",
        progress=100,
        file=name,
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    body = client.get(f"{URL}/{export.public_id}").json()
    assert (body["status"], body["url"]) == ("expired", None)
    assert exports.export_cleanup() == 1
    assert not default_storage.exists(name)
    assert client.get(f"{URL}/{export.public_id}").json()["status"] == "expired"


# --- The registry ---------------------------------------------------------------------------------


def test_every_model_pointing_at_users_is_exported_or_excluded_with_a_reason():
    assert exporting.unregistered_user_models() == []
    assert all(reason.strip() for reason in exporting.excluded_models().values())


def test_a_model_nobody_claims_is_reported():
    from workouts.exporting import register_exporter

    exporting.unregister("workouts")
    try:
        assert "workouts.Workout" in exporting.unregistered_user_models()
    finally:
        register_exporter()
    assert exporting.unregistered_user_models() == []


def test_a_model_claimed_twice_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="already covered by the exporter 'workouts'"):
        exporting.register("again", lambda user: {}, count=lambda user: 0, models=["workouts.Workout"])
    assert "again" not in {exporter.name for exporter in exporting.exporters()}
