"""The Workout templates section of API.md (the AI routes come with the AI issue)."""

import copy

import pytest
from django.core.cache import cache

from accounts.models import Friendship
from exercises.cache import library_changed
from exercises.models import Exercise, ExerciseUsage
from templates_app.models import TemplateDay, TemplateFavorite, TemplateSet, WorkoutTemplate
from templates_app.services import template_workout_completed, template_workout_started
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/templates"


def make_friends(a, b):
    low, high = sorted([a, b], key=lambda user: user.pk)
    Friendship.objects.create(user_low=low, user_high=high, status="accepted", requested_by=a)


@pytest.fixture
def exercises():
    return [
        ExerciseFactory(name="Squat", muscles=["quadriceps"], gear=["barbell"]),
        ExerciseFactory(name="Bench", muscles=["chest"], gear=["barbell", "bench"]),
        ExerciseFactory(name="Push-Up", muscles=["chest"], gear=["bodyweight"]),
    ]


def program(exercises, days=1, sets_per_exercise=3, **overrides):
    """A valid program document with `days` days of every given exercise, three sets each (or
    `sets_per_exercise`: the extra ones are working sets)."""
    sets = [
        {"set_type": "warmup", "reps_min": 10, "reps_max": 10, "weight_kg": 40},
        {"reps_min": 5, "reps_max": 8, "percent_1rm": 75, "rpe": 8, "tempo": "3-1-1-0"},
        {"set_type": "amrap", "reps_min": 1, "reps_max": 20, "rest_seconds": 180},
        *[{"reps_min": 6, "reps_max": 10, "rpe": 7} for _ in range(max(0, sets_per_exercise - 3))],
    ][:sets_per_exercise]
    return {
        "name": "Strong Start",
        "description": "Three lifts, done well.",
        "goal": "strength",
        "difficulty": "beginner",
        "visibility": "private",
        "days_per_week": min(days, 7),
        "duration_weeks": 8,
        "tags": ["barbell"],
        "days": [
            {
                "name": f"Day {d + 1}",
                "focus": "Full body",
                "exercises": [
                    {
                        "exercise_id": str(exercise.public_id),
                        "rest_seconds": 120,
                        "progression": {"type": "linear", "increment_kg": 2.5},
                        "sets": copy.deepcopy(sets),
                    }
                    for exercise in exercises
                ],
            }
            for d in range(days)
        ],
        **overrides,
    }


def create(client, exercises, **overrides):
    response = client.post(URL, program(exercises, **overrides), format="json")
    assert response.status_code == 201, response.content
    return response.json()


# --- create and read ----------------------------------------------------------------------------


def test_create_returns_the_whole_nested_program(auth_client, exercises):
    body = create(auth_client(), exercises, days=2)
    assert body["version"] == 1
    assert [day["index"] for day in body["days"]] == [0, 1]
    first = body["days"][0]["exercises"][0]
    assert first["exercise_name"] == "Squat"
    assert first["progression"] == {"type": "linear", "increment_kg": 2.5}
    assert [s["set_type"] for s in first["sets"]] == ["warmup", "working", "amrap"]
    assert first["sets"][1]["percent_1rm"] == 75.0
    assert body["equipment"] == ["barbell", "bench", "bodyweight"]
    assert body["is_favorite"] is False
    assert TemplateSet.objects.count() == 2 * 3 * 3


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (
            lambda doc: doc["days"][0]["exercises"][1].update(
                exercise_id="00000000-0000-4000-8000-000000000000"
            ),
            "days[0].exercises[1].exercise_id",
        ),
        (
            lambda doc: doc["days"][0]["exercises"][0]["sets"][2].update(reps_min=12, reps_max=8),
            "days[0].exercises[0].sets[2].reps_max",
        ),
        (
            lambda doc: doc["days"][0]["exercises"][0].update(sets=[{"reps_min": 5, "reps_max": 5}] * 40),
            "days[0].exercises[0].sets",
        ),
        (
            lambda doc: doc["days"][0]["exercises"][2]["sets"][0].update(set_type="giant"),
            "days[0].exercises[2].sets[0].set_type",
        ),
        (
            lambda doc: doc["days"][0]["exercises"][0].update(progression={"type": "linear"}),
            "days[0].exercises[0].progression.increment_kg",
        ),
        (lambda doc: doc.update(days=[]), "days"),
        (lambda doc: doc.update(days_per_week=9), "days_per_week"),
        (
            lambda doc: doc["days"][0]["exercises"][0]["sets"][0].update(rpe=11),
            "days[0].exercises[0].sets[0].rpe",
        ),
    ],
)
def test_bad_nested_input_is_400_naming_the_exact_path_and_writes_nothing(
    auth_client, exercises, mutate, path
):
    document = program(exercises)
    mutate(document)
    response = auth_client().post(URL, document, format="json")
    assert response.status_code == 400
    assert path in response.json()["error"]["fields"]
    assert not WorkoutTemplate.objects.exists()
    assert not TemplateDay.objects.exists()


def test_someone_elses_draft_exercise_cannot_be_used(auth_client, exercises):
    draft = ExerciseFactory(status="pending", created_by=UserFactory())
    response = auth_client().post(URL, program([*exercises, draft]), format="json")
    assert "days[0].exercises[3].exercise_id" in response.json()["error"]["fields"]


def test_your_own_draft_exercise_can_be_used(auth_client, exercises):
    client = auth_client()
    draft = ExerciseFactory(status="pending", created_by=client.user)
    assert client.post(URL, program([draft]), format="json").status_code == 201


def test_publishing_needs_a_verified_email(auth_client, exercises):
    response = auth_client().post(URL, program(exercises, visibility="public"), format="json")
    assert response.status_code == 400
    assert "visibility" in response.json()["error"]["fields"]


@pytest.mark.parametrize("days", [1, 6])
def test_detail_query_count_is_the_same_for_any_program_size(
    auth_client, exercises, django_assert_num_queries, days
):
    client = auth_client()
    more = exercises + [ExerciseFactory(muscles=["lats"]) for _ in range(5)]
    body = create(client, more, days=days, sets_per_exercise=5)
    assert TemplateSet.objects.count() == days * 8 * 5
    cache.clear()
    # Cold: auth user, visibility check, favourite, rating, then the program: template, days,
    # exercises, sets, equipment. The stats come from the template row's counters.
    with django_assert_num_queries(9):
        cold = client.get(f"{URL}/{body['id']}").json()
    # Warm: the nested program comes from the cache; the row and the viewer's marks stay fresh.
    with django_assert_num_queries(4):
        warm = client.get(f"{URL}/{body['id']}").json()
    assert warm == cold
    assert list(warm) == list(cold)
    assert len(warm["days"]) == days
    assert warm["stats"]["uses"] == 0


def test_cached_detail_follows_a_new_version_a_renamed_exercise_and_the_viewer(auth_client, exercises):
    owner, other = UserFactory(email_verified=True), UserFactory(email_verified=True)
    client = auth_client(owner)
    body = create(client, exercises, days=2, visibility="public")
    url = f"{URL}/{body['id']}"
    assert client.get(url).status_code == 200  # cached now

    replaced = program(exercises, days=3, visibility="public") | {"version": body["version"]}
    assert client.put(url, replaced, format="json").status_code == 200
    assert len(client.get(url).json()["days"]) == 3

    first = exercises[0]
    Exercise.objects.filter(pk=first.pk).update(name="Renamed Press")
    library_changed()
    names = {item["exercise_name"] for day in client.get(url).json()["days"] for item in day["exercises"]}
    assert "Renamed Press" in names

    viewer = auth_client(other)
    assert viewer.post(f"{url}/favorite").status_code == 200
    assert viewer.get(url).json()["is_favorite"] is True
    assert client.get(url).json()["is_favorite"] is False


# --- visibility from every side ---------------------------------------------------------------------


@pytest.fixture
def cast(auth_client):
    owner = UserFactory(email_verified=True)
    friend, stranger = UserFactory(email_verified=True), UserFactory(email_verified=True)
    make_friends(owner, friend)
    moderator = UserFactory(email_verified=True, roles=["moderator"])
    return {
        "owner": auth_client(owner),
        "friend": auth_client(friend),
        "stranger": auth_client(stranger),
        "moderator": auth_client(moderator),
    }


@pytest.mark.parametrize(
    ("visibility", "can_see"),
    [
        ("private", {"owner"}),
        ("friends", {"owner", "friend"}),
        ("public", {"owner", "friend", "stranger", "moderator"}),
    ],
)
def test_visibility_from_each_side(cast, exercises, visibility, can_see):
    body = create(cast["owner"], exercises, visibility=visibility)
    for who, client in cast.items():
        detail = client.get(f"{URL}/{body['id']}")
        listed = body["id"] in {row["id"] for row in client.get(URL).json()["results"]}
        duplicate = client.post(f"{URL}/{body['id']}/duplicate")
        favorite = client.post(f"{URL}/{body['id']}/favorite")
        expected = 200 if who in can_see else 404
        assert (detail.status_code, listed) == (expected, who in can_see), who
        assert duplicate.status_code == (201 if who in can_see else 404), who
        assert favorite.status_code == expected, who


def test_blocked_people_never_see_public_programs(cast, exercises):
    body = create(cast["owner"], exercises, visibility="public")
    blocked = cast["stranger"].user
    low, high = sorted([cast["owner"].user, blocked], key=lambda user: user.pk)
    Friendship.objects.create(
        user_low=low, user_high=high, status="blocked", requested_by=blocked, blocked_by=low
    )
    assert cast["stranger"].get(f"{URL}/{body['id']}").status_code == 404


def test_only_the_owner_replaces_and_a_stale_version_is_409(cast, exercises):
    body = create(cast["owner"], exercises, visibility="public")
    changed = program(exercises, name="Renamed", visibility="public")
    assert cast["friend"].put(f"{URL}/{body['id']}", changed, format="json").status_code == 403
    ok = cast["owner"].put(f"{URL}/{body['id']}", changed, format="json", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200
    assert (ok.json()["name"], ok.json()["version"]) == ("Renamed", 2)
    stale = cast["owner"].put(
        f"{URL}/{body['id']}", {**changed, "name": "Lost"}, format="json", HTTP_IF_MATCH="1"
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["current_version"] == 2
    assert WorkoutTemplate.objects.get().name == "Renamed"


def test_owner_or_moderator_soft_deletes(cast, exercises):
    body = create(cast["owner"], exercises, visibility="public")
    assert cast["stranger"].delete(f"{URL}/{body['id']}").status_code == 403
    assert cast["moderator"].delete(f"{URL}/{body['id']}").status_code == 204
    assert WorkoutTemplate.objects.get().deleted_at is not None
    assert cast["owner"].get(f"{URL}/{body['id']}").status_code == 404
    assert cast["moderator"].delete(f"{URL}/{body['id']}").status_code == 404


# --- duplicate, favourite, rate, stats ------------------------------------------------------------------


def test_duplicating_twice_gives_two_independent_private_copies(cast, exercises):
    original = create(cast["owner"], exercises, visibility="public")
    first = cast["stranger"].post(f"{URL}/{original['id']}/duplicate").json()
    second = cast["stranger"].post(f"{URL}/{original['id']}/duplicate").json()
    assert first["id"] != second["id"]
    assert (first["visibility"], first["forked_from"], first["owner"]["id"]) == (
        "private",
        original["id"],
        str(cast["stranger"].user.public_id),
    )
    edited = program(exercises[:1], name="Mine now", version=1)
    assert cast["stranger"].put(f"{URL}/{first['id']}", edited, format="json").status_code == 200
    again = cast["owner"].get(f"{URL}/{original['id']}").json()
    assert again["name"] == "Strong Start"
    assert len(again["days"][0]["exercises"]) == 3
    assert again["fork_count"] == 2


def test_favourite_is_idempotent_and_counted_once(cast, exercises):
    body = create(cast["owner"], exercises, visibility="public")
    client = cast["stranger"]
    assert client.post(f"{URL}/{body['id']}/favorite").json() == {"is_favorite": True, "favorite_count": 1}
    assert client.post(f"{URL}/{body['id']}/favorite").json() == {"is_favorite": True, "favorite_count": 1}
    assert client.get(f"{URL}/{body['id']}").json()["is_favorite"] is True
    assert client.delete(f"{URL}/{body['id']}/favorite").status_code == 204
    assert client.delete(f"{URL}/{body['id']}/favorite").status_code == 204
    assert WorkoutTemplate.objects.get().favorite_count == 0
    assert not TemplateFavorite.objects.exists()


def test_rating_once_then_updating(cast, exercises, auth_client):
    body = create(cast["owner"], exercises, visibility="public")
    rater = cast["owner"]
    assert rater.post(f"{URL}/{body['id']}/rate", {"score": 5}, format="json").status_code == 201
    again = rater.post(f"{URL}/{body['id']}/rate", {"score": 3, "review": "Hard"}, format="json")
    assert again.status_code == 200
    assert again.json()["rating"]["count"] == 1
    assert rater.get(f"{URL}/{body['id']}").json()["my_rating"] == {"score": 3, "review": "Hard"}
    unverified = auth_client()
    assert unverified.post(f"{URL}/{body['id']}/rate", {"score": 5}, format="json").status_code == 403


def test_stats_come_from_counters(cast, exercises, django_assert_max_num_queries):
    body = create(cast["owner"], exercises, visibility="public")
    template = WorkoutTemplate.objects.get()
    for _ in range(4):
        template_workout_started(template_id=template.pk)
    template_workout_completed(template_id=template.pk, active_seconds=3000)
    template_workout_completed(template_id=template.pk, active_seconds=3600)
    with django_assert_max_num_queries(3):
        stats = cast["friend"].get(f"{URL}/{body['id']}/stats").json()
    assert stats["uses"] == 4
    assert stats["completions"] == 2
    assert stats["completion_rate"] == 0.5
    assert stats["average_duration_seconds"] == 3300


# --- lists -------------------------------------------------------------------------------------------


def test_my_public_and_featured(cast, exercises):
    mine = create(cast["owner"], exercises)
    public = create(cast["owner"], exercises, visibility="public", name="Open")
    WorkoutTemplate.objects.filter(public_id=public["id"]).update(is_featured=True)
    ids = lambda client, path: [row["id"] for row in client.get(URL + path).json()["results"]]  # noqa: E731
    assert set(ids(cast["owner"], "/my")) == {mine["id"], public["id"]}
    assert ids(cast["stranger"], "/public") == [public["id"]]
    assert ids(cast["stranger"], "/featured") == [public["id"]]
    assert ids(cast["stranger"], "/my") == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"goal": "hypertrophy"}, {"Big"}),
        ({"difficulty": "advanced"}, {"Big"}),
        ({"days_per_week": 1}, {"Strong Start"}),
        ({"equipment": "bodyweight"}, {"Home"}),
        ({"equipment": "barbell,bench,bodyweight"}, {"Strong Start", "Big", "Home"}),
        ({"q": "home"}, {"Home"}),
    ],
)
def test_filters(auth_client, exercises, params, expected):
    client = auth_client()
    create(client, exercises)
    create(client, exercises, name="Big", goal="hypertrophy", difficulty="advanced", days=2)
    create(client, exercises[2:], name="Home", description="No gym at home", days=3)
    assert {row["name"] for row in client.get(URL, params).json()["results"]} == expected


@pytest.mark.parametrize("params", [{"goal": "flying"}, {"days_per_week": 8}, {"ordering": "colour"}])
def test_bad_filters_are_400(auth_client, params):
    assert auth_client().get(URL, params).status_code == 400


@pytest.mark.parametrize("count", [2, 12])
def test_list_query_count_is_fixed(auth_client, exercises, django_assert_num_queries, count):
    client = auth_client()
    for _ in range(count):
        create(client, exercises)
    with django_assert_num_queries(4):
        assert len(client.get(URL, {"page_size": 50}).json()["results"]) == count


# --- versions --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"version": 1}, {}),
        ({"version": "1"}, {}),
        ({}, {"HTTP_IF_MATCH": "1"}),
        ({}, {"HTTP_IF_MATCH": '"1"'}),
        ({}, {"HTTP_IF_MATCH": 'W/"1"'}),
        ({"version": "1"}, {"HTTP_IF_MATCH": '"1"'}),
    ],
)
def test_the_version_is_accepted_as_integer_numeric_string_or_if_match(auth_client, exercises, body, headers):
    client = auth_client()
    created = create(client, exercises)
    url = f"{URL}/{created['id']}"
    first = client.put(url, program(exercises, name="First", **body), format="json", **headers)
    assert (first.status_code, first.json()["version"]) == (200, 2)
    second = client.put(url, program(exercises, name="Second", **body), format="json", **headers)
    assert second.status_code == 409
    assert second.json()["error"]["current_version"] == 2
    assert WorkoutTemplate.objects.get().name == "First"


def test_a_put_without_any_version_is_400_and_changes_nothing(auth_client, exercises):
    client = auth_client()
    created = create(client, exercises)
    for _ in range(2):
        response = client.put(f"{URL}/{created['id']}", program(exercises, name="Blind"), format="json")
        assert response.status_code == 400
        assert "version" in response.json()["error"]["fields"]
    assert WorkoutTemplate.objects.get().version == 1
    assert WorkoutTemplate.objects.get().name == "Strong Start"


@pytest.mark.parametrize(
    ("body", "headers", "field"),
    [
        ({"version": "one"}, {}, "version"),
        ({"version": 0}, {}, "version"),
        ({}, {"HTTP_IF_MATCH": "latest"}, "If-Match"),
        ({"version": 2}, {"HTTP_IF_MATCH": "1"}, "version"),
    ],
)
def test_unreadable_or_contradicting_versions_are_400(auth_client, exercises, body, headers, field):
    client = auth_client()
    created = create(client, exercises)
    response = client.put(f"{URL}/{created['id']}", program(exercises, **body), format="json", **headers)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert WorkoutTemplate.objects.get().version == 1


# --- detail stats, soft-deleted exercises, duplicating others' drafts ---------------------------------


def test_the_detail_carries_the_same_stats_as_the_stats_endpoint(cast, exercises):
    body = create(cast["owner"], exercises, visibility="public")
    template = WorkoutTemplate.objects.get()
    template_workout_started(template_id=template.pk)
    template_workout_started(template_id=template.pk)
    template_workout_completed(template_id=template.pk, active_seconds=1800)
    cast["friend"].post(f"{URL}/{body['id']}/rate", {"score": 4}, format="json")
    detail = cast["stranger"].get(f"{URL}/{body['id']}").json()
    stats = cast["stranger"].get(f"{URL}/{body['id']}/stats").json()
    assert detail["stats"] == stats
    assert (stats["uses"], stats["completions"], stats["completion_rate"]) == (2, 1, 0.5)
    assert stats["average_duration_seconds"] == 1800
    assert stats["rating"]["count"] == 1


def test_a_program_keeps_an_exercise_soft_deleted_since_but_cannot_add_a_deleted_one(auth_client, exercises):
    from django.utils import timezone

    client = auth_client()
    created = create(client, exercises)
    Exercise.objects.filter(pk=exercises[0].pk).update(deleted_at=timezone.now())
    resent = client.put(f"{URL}/{created['id']}", program(exercises, version=1), format="json")
    assert resent.status_code == 200, resent.content
    assert resent.json()["days"][0]["exercises"][0]["exercise_name"] == "Squat"
    gone = ExerciseFactory(name="Gone", deleted_at=timezone.now())
    added = client.put(f"{URL}/{created['id']}", program([*exercises, gone], version=2), format="json")
    assert added.status_code == 400
    assert list(added.json()["error"]["fields"]) == ["days[0].exercises[3].exercise_id"]
    fresh = client.post(URL, program([exercises[0]]), format="json")
    assert "days[0].exercises[0].exercise_id" in fresh.json()["error"]["fields"]


def test_duplicating_a_program_with_someone_elses_draft_is_400_and_copies_nothing(cast, exercises):
    draft = ExerciseFactory(name="Owner's Idea", status="pending", created_by=cast["owner"].user)
    body = create(cast["owner"], [*exercises, draft], visibility="public")
    response = cast["stranger"].post(f"{URL}/{body['id']}/duplicate")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["days[0].exercises[3].exercise_id"]
    assert WorkoutTemplate.objects.count() == 1
    assert WorkoutTemplate.objects.get().fork_count == 0
    assert cast["owner"].post(f"{URL}/{body['id']}/duplicate").status_code == 201


def test_duplicating_a_program_with_a_soft_deleted_exercise_still_works(cast, exercises):
    from django.utils import timezone

    body = create(cast["owner"], exercises, visibility="public")
    Exercise.objects.filter(pk=exercises[1].pk).update(deleted_at=timezone.now())
    copy = cast["stranger"].post(f"{URL}/{body['id']}/duplicate")
    assert copy.status_code == 201
    assert [e["exercise_name"] for e in copy.json()["days"][0]["exercises"]] == ["Squat", "Bench", "Push-Up"]


# --- every action from every side, for every visibility --------------------------------------------

ROLES = ("owner", "friend", "stranger", "moderator")
SEES = {"private": {"owner"}, "friends": {"owner", "friend"}, "public": set(ROLES)}
matrix = pytest.mark.parametrize(
    ("visibility", "who"), [(visibility, who) for visibility in SEES for who in ROLES]
)


def _shared(cast, exercises, visibility):
    body = create(cast["owner"], exercises, visibility=visibility)
    return f"{URL}/{body['id']}", body


@matrix
def test_put_from_each_side(cast, exercises, visibility, who):
    url, _ = _shared(cast, exercises, visibility)
    response = cast[who].put(
        url, program(exercises, name="Taken", visibility=visibility, version=1), format="json"
    )
    expected = 200 if who == "owner" else 403 if who in SEES[visibility] else 404
    assert response.status_code == expected
    assert (WorkoutTemplate.objects.get().name == "Taken") == (expected == 200)


@matrix
def test_delete_from_each_side(cast, exercises, visibility, who):
    url, _ = _shared(cast, exercises, visibility)
    response = cast[who].delete(url)
    expected = 204 if who in {"owner", "moderator"} else 403 if who in SEES[visibility] else 404
    assert response.status_code == expected
    assert (WorkoutTemplate.objects.get().deleted_at is not None) == (expected == 204)


@matrix
def test_stats_from_each_side(cast, exercises, visibility, who):
    url, _ = _shared(cast, exercises, visibility)
    response = cast[who].get(f"{url}/stats")
    assert response.status_code == (200 if who in SEES[visibility] else 404)


@matrix
def test_unfavourite_from_each_side(cast, exercises, visibility, who):
    """The favourite may date from when the program was visible to them."""
    url, _ = _shared(cast, exercises, visibility)
    template = WorkoutTemplate.objects.get()
    TemplateFavorite.objects.create(template=template, user=cast[who].user)
    WorkoutTemplate.objects.filter(pk=template.pk).update(favorite_count=1)
    response = cast[who].delete(f"{url}/favorite")
    sees = who in SEES[visibility]
    assert response.status_code == (204 if sees else 404)
    assert WorkoutTemplate.objects.get().favorite_count == (0 if sees else 1)


@matrix
def test_rate_from_each_side(cast, exercises, visibility, who):
    url, _ = _shared(cast, exercises, visibility)
    response = cast[who].post(f"{url}/rate", {"score": 4}, format="json")
    sees = who in SEES[visibility]
    assert response.status_code == (201 if sees else 404)
    assert WorkoutTemplate.objects.get().rating_count == (1 if sees else 0)


@matrix
def test_lists_from_each_side(cast, exercises, visibility, who):
    _, body = _shared(cast, exercises, visibility)
    WorkoutTemplate.objects.update(is_featured=True)

    def listed(path):
        response = cast[who].get(URL + path)
        assert response.status_code == 200
        return body["id"] in {row["id"] for row in response.json()["results"]}

    assert listed("") == (who in SEES[visibility])
    assert listed("/my") == (who == "owner")
    assert listed("/public") == (visibility == "public")
    assert listed("/featured") == (visibility == "public")


# --- use in programs and favourites feeds the exercises' popularity ---------------------------------


def _usage(exercise, kind):
    return sum(ExerciseUsage.objects.filter(exercise=exercise).values_list(kind, flat=True))


def test_creating_a_program_counts_one_template_use_per_exercise(
    auth_client, exercises, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        create(auth_client(), exercises, days=3)
    assert [_usage(exercise, "templates") for exercise in exercises] == [1, 1, 1]
    assert all(Exercise.objects.get(pk=e.pk).popularity > 0 for e in exercises)


def test_replacing_counts_only_the_exercises_newly_added(
    auth_client, exercises, django_capture_on_commit_callbacks
):
    client = auth_client()
    created = create(client, exercises[:2])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.put(f"{URL}/{created['id']}", program(exercises, version=1), format="json")
    assert response.status_code == 200
    assert [_usage(exercise, "templates") for exercise in exercises] == [0, 0, 1]


def test_a_failed_create_counts_nothing(auth_client, exercises, django_capture_on_commit_callbacks):
    document = program(exercises)
    document["days"][0]["exercises"][0]["sets"][0].update(reps_min=9, reps_max=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client().post(URL, document, format="json").status_code == 400
    assert not ExerciseUsage.objects.exists()


def test_favouriting_counts_for_each_exercise_and_unfavouriting_takes_it_back(
    cast, exercises, django_capture_on_commit_callbacks
):
    body = create(cast["owner"], exercises, visibility="public")
    client = cast["stranger"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{URL}/{body['id']}/favorite")
        client.post(f"{URL}/{body['id']}/favorite")
    assert [_usage(exercise, "favorites") for exercise in exercises] == [1, 1, 1]
    assert Exercise.objects.get(pk=exercises[0].pk).popularity == 2.0
    with django_capture_on_commit_callbacks(execute=True):
        client.delete(f"{URL}/{body['id']}/favorite")
        client.delete(f"{URL}/{body['id']}/favorite")
    assert [_usage(exercise, "favorites") for exercise in exercises] == [0, 0, 0]
    assert Exercise.objects.get(pk=exercises[0].pk).popularity == 0.0


def test_duplicating_counts_a_template_use(cast, exercises, django_capture_on_commit_callbacks):
    body = create(cast["owner"], exercises, visibility="public")
    with django_capture_on_commit_callbacks(execute=True):
        assert cast["friend"].post(f"{URL}/{body['id']}/duplicate").status_code == 201
    assert [_usage(exercise, "templates") for exercise in exercises] == [1, 1, 1]
