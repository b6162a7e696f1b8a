"""The Exercises section of API.md."""

import pytest
from django.core.cache import cache
from django.db import connection

from exercises.models import Exercise, ExerciseRating
from exercises.services import exercise_moderate, exercise_rate, ratings_rescore_all
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/exercises"

NEW = {
    "name": "Tempo Goblet Squat",
    "instructions": ["Hold the bell at your chest.", "Sit down for three seconds.", "Stand up."],
    "primary_muscles": ["quadriceps"],
    "secondary_muscles": ["glutes"],
    "equipment": ["kettlebell"],
    "category": "strength",
    "mechanics": "compound",
    "difficulty": "beginner",
    "safety_notes": "Keep the heels down.",
}


@pytest.fixture
def verified(auth_client):
    return auth_client(UserFactory(email_verified=True))


@pytest.fixture
def moderator(auth_client):
    return auth_client(UserFactory(email_verified=True, roles=["moderator"]))


# --- list, filters, ordering, cache -------------------------------------------------------------


def test_list_shows_approved_and_your_own_pending(auth_client):
    client = auth_client()
    approved = ExerciseFactory(name="Bench Press")
    mine = ExerciseFactory(name="My Idea", status=Exercise.Status.PENDING, created_by=client.user)
    ExerciseFactory(name="Their Idea", status=Exercise.Status.PENDING, created_by=UserFactory())
    ExerciseFactory(name="Gone", deleted_at="2026-01-01T00:00:00Z")
    names = {row["name"] for row in client.get(URL).json()["results"]}
    assert names == {approved.name, mine.name}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"muscle": "quadriceps"}, {"Squat", "Lunge"}),
        ({"muscle": "glutes"}, {"Lunge"}),
        ({"equipment": "barbell"}, {"Squat"}),
        ({"category": "cardio"}, {"Row"}),
        ({"difficulty": "advanced"}, {"Squat"}),
        ({"mechanics": "isolation"}, {"Curl"}),
        ({"muscle": "quadriceps", "equipment": "dumbbell"}, {"Lunge"}),
    ],
)
def test_filters(auth_client, params, expected):
    ExerciseFactory(name="Squat", muscles=["quadriceps"], gear=["barbell"], difficulty="advanced")
    lunge = ExerciseFactory(name="Lunge", muscles=["quadriceps"], gear=["dumbbell"])
    lunge.secondary_muscles.set(lunge.primary_muscles.model.objects.filter(slug="glutes"))
    ExerciseFactory(name="Curl", muscles=["biceps"], mechanics="isolation")
    ExerciseFactory(name="Row", muscles=["lats"], category="cardio")
    body = auth_client().get(URL, params).json()
    assert {row["name"] for row in body["results"]} == expected


@pytest.mark.parametrize(
    "params",
    [{"muscle": "wings"}, {"category": "dance"}, {"ordering": "colour"}, {"difficulty": "godlike"}],
)
def test_bad_filters_are_400(auth_client, params):
    response = auth_client().get(URL, params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize(
    ("ordering", "first"), [("name", "A"), ("-name", "C"), ("-rating", "B"), ("-popularity", "C")]
)
def test_ordering(auth_client, ordering, first):
    ExerciseFactory(name="A", rating_score=3.0, popularity=1)
    ExerciseFactory(name="B", rating_score=4.5, popularity=2)
    ExerciseFactory(name="C", rating_score=2.0, popularity=9)
    assert auth_client().get(URL, {"ordering": ordering}).json()["results"][0]["name"] == first


@pytest.mark.parametrize("size", [5, 40])
def test_list_query_count_is_fixed(auth_client, django_assert_max_num_queries, size):
    client = auth_client()
    for _ in range(size):
        ExerciseFactory(muscles=["chest", "triceps"], gear=["barbell", "bench"])
    # own-submissions check, count, page, muscles, equipment
    with django_assert_max_num_queries(5):
        assert len(client.get(URL, {"page_size": size}).json()["results"]) == size


def test_a_repeated_list_comes_from_the_cache_and_an_etag_gives_304(auth_client, django_assert_num_queries):
    client = auth_client()
    ExerciseFactory.create_batch(3)
    first = client.get(URL)
    with django_assert_num_queries(0):
        second = client.get(URL)
    assert second.json() == first.json()
    with django_assert_num_queries(0):
        conditional = client.get(URL, HTTP_IF_NONE_MATCH=first.headers["ETag"])
    assert conditional.status_code == 304
    assert conditional.content == b""


def test_a_change_invalidates_cached_lists(auth_client, moderator, django_capture_on_commit_callbacks):
    client = auth_client()
    pending = ExerciseFactory(name="Waiting", status=Exercise.Status.PENDING, created_by=UserFactory())
    etag = client.get(URL).headers["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        exercise_moderate(exercise=pending, moderator=moderator.user, approve=True)
    cache_response = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert cache_response.status_code == 200
    assert "Waiting" in {row["name"] for row in cache_response.json()["results"]}


def test_anonymous_requests_are_401(api_client):
    assert api_client.get(URL).status_code == 401


# --- detail ---------------------------------------------------------------------------------------


def test_detail_by_uuid_or_slug(auth_client):
    exercise = ExerciseFactory(name="Barbell Back Squat", muscles=["quadriceps"], gear=["barbell"])
    exercise.secondary_muscles.set(exercise.primary_muscles.model.objects.filter(slug="glutes"))
    variation = ExerciseFactory(name="Front Squat")
    exercise.variations.add(variation)
    client = auth_client()
    by_slug = client.get(f"{URL}/barbell-back-squat").json()
    by_id = client.get(f"{URL}/{exercise.public_id}").json()
    assert by_slug == by_id
    assert by_slug["instructions"] == ["Brace.", "Move.", "Return."]
    assert [m["slug"] for m in by_slug["primary_muscles"]] == ["quadriceps"]
    assert [m["slug"] for m in by_slug["secondary_muscles"]] == ["glutes"]
    assert [v["name"] for v in by_slug["variations"]] == ["Front Squat"]
    assert by_slug["my_rating"] is None
    assert by_slug["status"] == "approved"


def test_someone_elses_pending_exercise_is_404(auth_client):
    exercise = ExerciseFactory(status=Exercise.Status.PENDING, created_by=UserFactory())
    assert auth_client().get(f"{URL}/{exercise.public_id}").status_code == 404


def test_unknown_exercise_is_404(auth_client):
    assert auth_client().get(f"{URL}/no-such-move").status_code == 404


# --- submission -----------------------------------------------------------------------------------


def test_verified_members_submit_pending_exercises(verified):
    response = verified.post(URL, NEW, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert body["slug"] == "tempo-goblet-squat"
    exercise = Exercise.objects.get(public_id=body["id"])
    assert exercise.created_by == verified.user
    assert [m.slug for m in exercise.secondary_muscles.all()] == ["glutes"]


def test_trainers_and_moderators_add_approved_exercises(moderator):
    assert moderator.post(URL, NEW, format="json").json()["status"] == "approved"


def test_unverified_members_cannot_submit(auth_client):
    response = auth_client().post(URL, NEW, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_not_verified"
    assert not Exercise.objects.exists()


@pytest.mark.parametrize("name", ["Tempo Goblet Squats", "tempo goblet squat", "Tempo-Goblet Squat"])
def test_a_near_duplicate_name_is_409_naming_the_existing_exercise(verified, name):
    existing = ExerciseFactory(name="Tempo Goblet Squat")
    response = verified.post(URL, {**NEW, "name": name}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "duplicate_exercise"
    assert error["existing"]["id"] == str(existing.public_id)
    assert Exercise.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"primary_muscles": ["wings"]}, "primary_muscles"),
        ({"primary_muscles": []}, "primary_muscles"),
        ({"equipment": ["hoverboard"]}, "equipment"),
        ({"instructions": []}, "instructions"),
        ({"name": ""}, "name"),
        ({"category": "dance"}, "category"),
        ({"media": [{"url": "javascript:alert(1)"}]}, "media"),
    ],
)
def test_bad_submissions_are_400_and_store_nothing(verified, change, field):
    response = verified.post(URL, {**NEW, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Exercise.objects.exists()


def test_protected_fields_cannot_be_submitted(verified):
    body = verified.post(
        URL, {**NEW, "status": "approved", "rating_score": 5, "popularity": 99}, format="json"
    )
    exercise = Exercise.objects.get(public_id=body.json()["id"])
    assert (exercise.status, exercise.rating_score, exercise.popularity) == ("pending", 0, 0)


# --- editing and deletion ----------------------------------------------------------------------------


def test_the_creator_edits_while_pending_and_a_rejected_one_returns_to_review(verified):
    exercise = ExerciseFactory(
        status=Exercise.Status.REJECTED, created_by=verified.user, rejection_reason="Vague"
    )
    response = verified.put(f"{URL}/{exercise.public_id}", {"safety_notes": "Go slow."}, format="json")
    assert response.status_code == 200
    exercise.refresh_from_db()
    assert (exercise.status, exercise.safety_notes, exercise.rejection_reason) == ("pending", "Go slow.", "")


def test_another_member_cannot_edit_or_see_your_pending_exercise(verified, auth_client):
    exercise = ExerciseFactory(status=Exercise.Status.PENDING, created_by=verified.user, name="Mine")
    other = auth_client(UserFactory(email_verified=True))
    assert other.put(f"{URL}/{exercise.public_id}", {"name": "Theirs"}, format="json").status_code == 404
    assert other.delete(f"{URL}/{exercise.public_id}").status_code == 404
    exercise.refresh_from_db()
    assert (exercise.name, exercise.deleted_at) == ("Mine", None)


def test_approved_exercises_are_edited_by_moderators_only(verified, moderator):
    exercise = ExerciseFactory(created_by=verified.user)
    assert verified.put(f"{URL}/{exercise.public_id}", {"name": "New"}, format="json").status_code == 403
    assert moderator.put(f"{URL}/{exercise.public_id}", {"name": "Renamed"}, format="json").status_code == 200
    exercise.refresh_from_db()
    assert exercise.name == "Renamed"


def test_delete_is_soft(verified, moderator):
    exercise = ExerciseFactory()
    assert verified.delete(f"{URL}/{exercise.public_id}").status_code == 403
    assert moderator.delete(f"{URL}/{exercise.public_id}").status_code == 204
    exercise.refresh_from_db()
    assert exercise.deleted_at is not None
    assert verified.get(f"{URL}/{exercise.public_id}").status_code == 404


def test_the_creator_deletes_a_pending_submission(verified):
    exercise = ExerciseFactory(status=Exercise.Status.PENDING, created_by=verified.user)
    assert verified.delete(f"{URL}/{exercise.public_id}").status_code == 204


# --- ratings ------------------------------------------------------------------------------------------


def test_rating_creates_then_updates_one_rating(verified):
    exercise = ExerciseFactory()
    first = verified.post(f"{URL}/{exercise.slug}/rate", {"score": 4, "review": "Solid"}, format="json")
    assert first.status_code == 201
    again = verified.post(f"{URL}/{exercise.slug}/rate", {"score": 2}, format="json")
    assert again.status_code == 200
    assert ExerciseRating.objects.get().score == 2
    assert again.json()["my_rating"] == {"score": 2, "review": ""}
    assert verified.get(f"{URL}/{exercise.slug}").json()["my_rating"] == {"score": 2, "review": ""}


def test_one_five_star_vote_does_not_top_the_chart(verified, settings):
    settings.FITAI_RATING_PRIOR_WEIGHT = 5
    loved, meh, lucky = (
        ExerciseFactory(name="Loved"),
        ExerciseFactory(name="Meh"),
        ExerciseFactory(name="Lucky"),
    )
    for exercise, scores in ((loved, [5] * 10 + [4] * 5), (meh, [3] * 10), (lucky, [5])):
        for score in scores:
            exercise_rate(exercise=exercise, user=UserFactory(), score=score)
    ratings_rescore_all()
    ranking = [row["name"] for row in verified.get(URL, {"ordering": "-rating"}).json()["results"]]
    assert ranking == ["Loved", "Lucky", "Meh"]
    body = verified.get(f"{URL}/{lucky.slug}").json()["rating"]
    assert body["count"] == 1
    assert body["average"] == 5
    assert body["score"] < 4.5


@pytest.mark.parametrize("score", [0, 6, "five", None])
def test_bad_scores_are_400(verified, score):
    exercise = ExerciseFactory()
    assert verified.post(f"{URL}/{exercise.slug}/rate", {"score": score}, format="json").status_code == 400
    assert not ExerciseRating.objects.exists()


def test_unverified_members_cannot_rate(auth_client):
    exercise = ExerciseFactory()
    assert auth_client().post(f"{URL}/{exercise.slug}/rate", {"score": 5}, format="json").status_code == 403


def test_young_accounts_ratings_are_stored_but_not_counted(verified, settings):
    settings.FITAI_RATING_MIN_ACCOUNT_AGE_DAYS = 7
    exercise = ExerciseFactory()
    verified.post(f"{URL}/{exercise.slug}/rate", {"score": 5}, format="json")
    exercise.refresh_from_db()
    assert ExerciseRating.objects.get().counted is False
    assert exercise.rating_count == 0


def test_rating_is_throttled(verified, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "rating": "2/min"},
    }
    exercise = ExerciseFactory()
    statuses = [
        verified.post(f"{URL}/{exercise.slug}/rate", {"score": 3}, format="json").status_code
        for _ in range(3)
    ]
    assert statuses[-1] == 429


# --- catalogs, by slug, popular -------------------------------------------------------------------


def test_catalogs_list_every_muscle_and_equipment(auth_client):
    client = auth_client()
    muscles = client.get(f"{URL}/muscles").json()
    assert {"slug": "quadriceps", "name": "Quadriceps", "region": "lower", "group": "legs"} in muscles
    assert any(item["slug"] == "kettlebell" for item in client.get(f"{URL}/equipment").json())


def test_by_muscle_and_equipment_slug(auth_client):
    ExerciseFactory(name="Squat", muscles=["quadriceps"], gear=["barbell"])
    client = auth_client()
    assert [r["name"] for r in client.get(f"{URL}/muscle/quadriceps").json()["results"]] == ["Squat"]
    assert [r["name"] for r in client.get(f"{URL}/equipment/barbell").json()["results"]] == ["Squat"]
    assert client.get(f"{URL}/muscle/wings").status_code == 404
    assert client.get(f"{URL}/equipment/hoverboard").status_code == 404


def test_popular_is_never_empty_and_falls_back_to_rating_then_name(auth_client):
    ExerciseFactory(name="B", rating_score=3.5)
    ExerciseFactory(name="A", rating_score=3.5)
    ExerciseFactory(name="C", rating_score=4.0)
    for period in ("week", "month", "all"):
        names = [r["name"] for r in auth_client().get(f"{URL}/popular", {"period": period}).json()["results"]]
        assert names == ["C", "A", "B"]


def test_popular_follows_recent_use(auth_client):
    from exercises.services import exercise_usage_record, popularity_recompute

    quiet, busy = ExerciseFactory(name="Quiet", rating_score=5), ExerciseFactory(name="Busy")
    exercise_usage_record(exercise_ids=[busy.pk, busy.pk], kind="workouts")
    popularity_recompute()
    cache.clear()
    client = auth_client()
    assert client.get(f"{URL}/popular", {"period": "week"}).json()["results"][0]["name"] == "Busy"
    assert client.get(f"{URL}/popular").json()["results"][0]["name"] == "Busy"
    assert quiet.pk


def test_popular_rejects_unknown_periods(auth_client):
    assert auth_client().get(f"{URL}/popular", {"period": "decade"}).status_code == 400


def test_usage_moves_popularity_at_once():
    from exercises.services import exercise_usage_record

    busy = ExerciseFactory(popularity=1.0)
    exercise_usage_record(exercise_ids=[busy.pk], kind="templates", delta=2)
    busy.refresh_from_db()
    assert busy.popularity == 5.0


def test_names_that_collide_with_page_routes_get_another_slug(verified):
    body = verified.post(URL, {**NEW, "name": "Submit"}, format="json").json()
    assert body["slug"] == "submit-2"


def test_a_new_rating_moves_popularity_at_once(verified):
    import math

    exercise = ExerciseFactory(popularity=1.0)
    verified.post(f"{URL}/{exercise.public_id}/rate", {"score": 5}, format="json")
    exercise.refresh_from_db()
    assert exercise.rating_count == 1
    assert exercise.popularity == pytest.approx(1.0 + exercise.rating_score * math.log1p(1))
    verified.post(f"{URL}/{exercise.public_id}/rate", {"score": 1}, format="json")
    exercise.refresh_from_db()
    assert exercise.popularity == pytest.approx(1.0 + exercise.rating_score * math.log1p(1))
    assert exercise.rating_score == 1.0


def test_popularity_after_a_rating_matches_the_full_recompute(verified):
    from exercises.services import exercise_usage_record, popularity_recompute

    exercise = ExerciseFactory()
    exercise_usage_record(exercise_ids=[exercise.pk], kind="workouts")
    verified.post(f"{URL}/{exercise.public_id}/rate", {"score": 4}, format="json")
    incremental = Exercise.objects.get(pk=exercise.pk).popularity
    popularity_recompute()
    assert Exercise.objects.get(pk=exercise.pk).popularity == pytest.approx(incremental, abs=1e-3)


# --- query counts of every read, on a cold cache ------------------------------------------------------


@pytest.mark.parametrize("size", [3, 25])
@pytest.mark.parametrize(
    ("path", "params", "most"),
    [
        # own-submissions check, search candidates, page rows, muscles, equipment
        ("/search", {"q": "barbell curl"}, 5),
        # own-submissions check, count, page, muscles, equipment
        ("/popular", {}, 5),
        # own-submissions check, the slug, count, page, muscles, equipment
        ("/muscle/biceps", {}, 6),
        ("/equipment/barbell", {}, 6),
        # own-submissions check, exercise, primary, secondary, equipment, variations; my rating
        ("/{first}", {}, 7),
        ("/muscles", {}, 2),
        ("/equipment", {}, 2),
    ],
)
def test_read_query_counts_do_not_grow_with_the_library(
    auth_client, django_assert_max_num_queries, path, params, most, size
):
    client = auth_client()
    exercises = [
        ExerciseFactory(name=f"Barbell Curl {n}", muscles=["biceps", "forearms"], gear=["barbell", "bench"])
        for n in range(size)
    ]
    for exercise in exercises:
        exercise.secondary_muscles.set(exercise.primary_muscles.all())
        exercise.variations.set([other for other in exercises[:6] if other != exercise])
    cache.clear()
    if path == "/search" and connection.vendor == "postgresql":
        # The trigram search sets its threshold inside a savepoint: SAVEPOINT, set_config, RELEASE.
        most += 3
    with django_assert_max_num_queries(most):
        response = client.get(URL + path.format(first=exercises[0].public_id), {**params, "page_size": 50})
    assert response.status_code == 200
    body = response.json()
    if isinstance(body, dict) and "results" in body:
        assert len(body["results"]) == size
