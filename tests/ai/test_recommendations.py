"""Recommendations (API.md, AI): collaborative filtering on a population with planted structure,
the fallbacks for newcomers, feedback that changes later results, and the stored rows."""

import random
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Profile
from ai.models import ItemSimilarity, Recommendation, RecommendationFeedback
from ai.recommendations import recommendation_acceptance_by_source, recommendations_for
from ai.tasks import similarity_rebuild_task
from exercises.models import Exercise
from templates_app.models import TemplateFavorite, Visibility, WorkoutTemplate
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from workouts.models import Workout, WorkoutExercise

pytestmark = pytest.mark.django_db
URL = "/api/v1/ai/recommendations"

UPPER = ["Bench Press", "Overhead Press", "Barbell Row", "Pull-Up", "Dumbbell Curl", "Triceps Dip"]
UPPER_MUSCLES = ["chest", "front-delts", "middle-back", "lats", "biceps", "triceps"]
LEGS = ["Back Squat", "Romanian Deadlift", "Leg Press", "Walking Lunge", "Leg Curl", "Calf Raise"]
LEG_MUSCLES = ["quadriceps", "hamstrings", "quadriceps", "glutes", "hamstrings", "calves"]


def log_workout(owner, exercises, *, days_ago=1, template=None):
    """A completed workout of `owner` with these exercises, `days_ago` days back."""
    done = timezone.now() - timedelta(days=days_ago)
    workout = Workout.objects.create(
        owner=owner,
        name="Session",
        status=Workout.Status.COMPLETED,
        started_at=done - timedelta(hours=1),
        completed_at=done,
        template=template,
    )
    WorkoutExercise.objects.bulk_create(
        WorkoutExercise(workout=workout, index=index, exercise=exercise)
        for index, exercise in enumerate(exercises)
    )
    return workout


@pytest.fixture
def library():
    upper = [ExerciseFactory(name=name, muscles=[m]) for name, m in zip(UPPER, UPPER_MUSCLES, strict=True)]
    legs = [ExerciseFactory(name=name, muscles=[m]) for name, m in zip(LEGS, LEG_MUSCLES, strict=True)]
    plank = ExerciseFactory(name="Plank", muscles=["abdominals"], popularity=50)
    return {"upper": upper, "legs": legs, "plank": plank}


@pytest.fixture
def population(library):
    """Ten upper-body people and ten leg-day people; everyone also planks (shared noise)."""
    rng = random.Random(7)
    for group in ("upper", "legs"):
        for _ in range(10):
            member = UserFactory()
            for day in range(rng.randint(3, 6)):
                habit = rng.sample(library[group], k=rng.randint(4, 6))
                log_workout(member, [*habit, library["plank"]], days_ago=day + 1)
    similarity_rebuild_task()
    return library


def names(results):
    return [result["item"]["name"] for result in results]


def test_a_new_upper_body_member_gets_the_rest_of_the_upper_body_set_first(auth_client, population):
    client = auth_client()
    log_workout(client.user, population["upper"][:2])

    response = client.get(URL, {"kind": "exercise"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["provider"] == "rules"
    top = body["results"][:4]
    assert set(names(top)) == set(UPPER[2:])
    assert {result["source"] for result in top} == {"collaborative"}
    assert all(
        result["reason"] in {"Because you train Bench Press", "Because you train Overhead Press"}
        for result in top
    )
    collaborative = [r for r in body["results"] if r["source"] == "collaborative"]
    assert not set(names(collaborative)) & set(LEGS), "leg exercises share no user with the upper set"
    assert names(collaborative).index("Plank") == 4, "the shared exercise ranks after the group's own"


def test_a_new_leg_day_member_gets_the_rest_of_the_leg_set_first(auth_client, population):
    client = auth_client()
    log_workout(client.user, [population["legs"][0], population["legs"][3]])

    results = client.get(URL, {"kind": "exercise", "limit": 4}).json()["results"]

    assert set(names(results)) == {LEGS[1], LEGS[2], LEGS[4], LEGS[5]}
    assert all(r["source"] == "collaborative" for r in results)
    assert all(
        r["reason"] in {"Because you train Back Squat", "Because you train Walking Lunge"} for r in results
    )
    assert results[0]["item"]["primary_muscles"]
    assert results[0]["kind"] == "exercise"


def test_a_brand_new_user_gets_popular_exercises(auth_client, population):
    results = auth_client().get(URL, {"kind": "exercise", "limit": 3}).json()["results"]

    assert [r["source"] for r in results] == ["popular"] * 3
    assert results[0]["item"]["name"] == "Plank"  # the most popular one


def test_a_brand_new_user_with_a_fitness_level_gets_exercises_of_that_level(auth_client, population):
    client = auth_client()
    Profile.objects.update_or_create(user=client.user, defaults={"fitness_level": "advanced"})
    hard = ExerciseFactory(name="Muscle-Up", difficulty=Exercise.Difficulty.ADVANCED)

    results = client.get(URL, {"limit": 2}).json()["results"]

    assert results[0]["item"]["name"] == hard.name
    assert results[0]["source"] == "content"
    assert results[0]["reason"] == "Suits your level (advanced)"
    assert results[1]["source"] == "popular"


def test_content_fallback_suggests_unrelated_exercises_for_the_muscles_you_train(auth_client, library):
    client = auth_client()  # no model built: nothing collaborative
    log_workout(client.user, [library["legs"][0]])

    results = client.get(URL, {"limit": 3}).json()["results"]

    assert results[0]["source"] == "content"
    assert results[0]["item"]["name"] in LEGS[1:]
    assert results[0]["reason"] == "Works your legs, like Back Squat"


def test_thumbs_down_removes_the_item_from_later_results(auth_client, population):
    client = auth_client()
    log_workout(client.user, population["upper"][:2])
    first = client.get(URL, {"limit": 20}).json()["results"]
    rejected = first[0]

    response = client.put(f"{URL}/{rejected['id']}/feedback", {"rating": "down"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["rating"] == "down"
    assert response.json()["recommendation_id"] == rejected["id"]
    later = client.get(URL, {"limit": 50}).json()["results"]
    assert rejected["item"]["id"] not in {r["item"]["id"] for r in later}
    assert len(later) > 4


def test_thumbs_up_brings_forward_items_similar_to_it(auth_client, population):
    client = auth_client()
    log_workout(client.user, population["upper"][:1])
    squat = population["legs"][0]
    served = Recommendation.objects.create(
        user=client.user, kind="exercise", item_id=squat.pk, score=1, reason="Popular", source="popular"
    )
    before = client.get(URL, {"limit": 50}).json()["results"]
    assert not set(names(r for r in before if r["source"] == "collaborative")) & set(LEGS)

    client.put(f"{URL}/{served.public_id}/feedback", {"rating": "up", "accepted": True}, format="json")

    after = client.get(URL, {"limit": 50}).json()["results"]
    liked = [r for r in after if r["reason"] == "Because you liked Back Squat"]
    assert set(names(liked)) == set(LEGS[1:])


def test_feedback_on_someone_elses_recommendation_is_not_found(auth_client, population):
    owner, stranger = auth_client(), auth_client()
    served = owner.get(URL).json()["results"][0]

    response = stranger.put(f"{URL}/{served['id']}/feedback", {"rating": "down"}, format="json")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not RecommendationFeedback.objects.exists()
    assert stranger.put(f"{URL}/not-a-uuid/feedback", {"rating": "up"}, format="json").status_code == 404
    assert stranger.put(f"{URL}/{uuid.uuid4()}/feedback", {"rating": "up"}, format="json").status_code == 404


def test_feedback_keeps_fields_it_does_not_send_and_validates_the_rating(auth_client, population):
    client = auth_client()
    served = client.get(URL).json()["results"][0]
    url = f"{URL}/{served['id']}/feedback"
    client.put(url, {"rating": "up", "accepted": True, "comment": "Nice"}, format="json")

    body = client.put(url, {"rating": "down"}, format="json").json()
    bad = client.put(url, {"rating": "meh"}, format="json")

    assert (body["rating"], body["accepted"], body["comment"]) == ("down", True, "Nice")
    assert RecommendationFeedback.objects.count() == 1
    assert bad.status_code == 400
    assert "rating" in bad.json()["error"]["fields"]


def test_a_bad_kind_or_limit_is_a_400(auth_client):
    client = auth_client()

    assert client.get(URL, {"kind": "meal"}).status_code == 400
    assert client.get(URL, {"limit": 0}).status_code == 400
    assert client.get(URL, {"limit": 51}).json()["error"]["code"] == "validation_error"


def test_anonymous_requests_are_refused(api_client):
    assert api_client.get(URL).status_code == 401


def test_refreshing_reuses_the_stored_rows(auth_client, population):
    client = auth_client()
    log_workout(client.user, population["upper"][:2])

    first = [r["id"] for r in client.get(URL).json()["results"]]
    second = [r["id"] for r in client.get(URL).json()["results"]]

    assert first == second
    assert Recommendation.objects.filter(user=client.user).count() == 10


def test_a_row_with_feedback_is_not_reused(auth_client, library):
    client = auth_client()  # no model: the thumbs-up cannot reorder anything
    served = client.get(URL, {"limit": 3}).json()["results"]
    client.put(f"{URL}/{served[1]['id']}/feedback", {"rating": "up"}, format="json")

    again = client.get(URL, {"limit": 3}).json()["results"]

    assert again[1]["item"]["id"] == served[1]["item"]["id"]
    assert again[1]["id"] != served[1]["id"]
    assert again[0]["id"] == served[0]["id"]


@pytest.mark.parametrize("workouts", [1, 15])
def test_query_count_is_fixed_whatever_the_history(
    auth_client, population, django_assert_max_num_queries, workouts
):
    client = auth_client()
    for day in range(workouts):
        log_workout(client.user, population["upper"][: 2 + day % 3], days_ago=day + 1)

    # user, savepoint x2, 4 signals, recent, dislikes, feedback, neighbours, visible, content x2,
    # popular, names, items + muscles, recent rows, update, insert: 22 at most, whatever the history.
    with django_assert_max_num_queries(22):
        response = client.get(URL, {"limit": 50})
    with django_assert_max_num_queries(16):
        client.get(URL, {"limit": 50, "kind": "template"})

    done = WorkoutExercise.objects.filter(workout__owner=client.user).values("exercise").distinct().count()
    assert len(response.json()["results"]) == Exercise.objects.count() - done  # everything else, once


def test_the_rebuild_task_is_idempotent(population):
    def model():
        return sorted(ItemSimilarity.objects.values_list("kind", "item_id", "other_id", "score"))

    before = model()
    counts = similarity_rebuild_task()

    assert model() == before
    assert counts == {"exercise": len(before), "template": 0}
    upper_ids = {e.pk for e in population["upper"]}
    bench = population["upper"][0]
    neighbours = ItemSimilarity.objects.filter(kind="exercise", item_id=bench.pk).order_by(
        "-score", "other_id"
    )
    assert {n.other_id for n in neighbours[:5]} == upper_ids - {bench.pk}
    assert not neighbours.filter(other_id__in=[e.pk for e in population["legs"]]).exists()


def test_an_empty_history_builds_an_empty_model(db):
    assert similarity_rebuild_task() == {"exercise": 0, "template": 0}
    assert not ItemSimilarity.objects.exists()


@pytest.fixture
def programs(library):
    """Two camps of programs: ten people follow strength ones, ten follow running-style ones."""
    coach = UserFactory()

    def program(name, goal):
        return WorkoutTemplate.objects.create(
            owner=coach, name=name, goal=goal, days_per_week=3, visibility=Visibility.PUBLIC
        )

    strength = [program(f"Strength {n}", "strength") for n in range(3)]
    endurance = [program(f"Endurance {n}", "endurance") for n in range(3)]
    for camp in (strength, endurance):
        for _ in range(10):
            member = UserFactory()
            for template in camp[:2]:
                log_workout(member, [library["plank"]], template=template)
            TemplateFavorite.objects.create(user=member, template=camp[2])
        WorkoutTemplate.objects.filter(pk=camp[2].pk).update(favorite_count=10)  # kept by services
    similarity_rebuild_task()
    return {"strength": strength, "endurance": endurance, "coach": coach}


def test_programs_of_your_camp_come_first(auth_client, programs):
    client = auth_client()
    log_workout(client.user, [], template=programs["strength"][0])
    mine = WorkoutTemplate.objects.create(owner=client.user, name="My own", goal="strength", days_per_week=2)
    hidden = WorkoutTemplate.objects.create(owner=programs["coach"], name="Private", days_per_week=2)

    results = client.get(URL, {"kind": "template"}).json()["results"]

    assert names(results[:2]) == ["Strength 1", "Strength 2"] or names(results[:2]) == [
        "Strength 2",
        "Strength 1",
    ]
    assert {r["source"] for r in results[:2]} == {"collaborative"}
    assert results[0]["reason"] == "Because you follow Strength 0"
    assert results[0]["item"]["goal"] == "strength"
    assert results[0]["kind"] == "template"
    shown = set(names(results))
    assert "Strength 0" not in shown, "a program you already follow is not recommended"
    assert not shown & {mine.name, hidden.name}
    assert not set(names(r for r in results if r["source"] == "collaborative")) & {
        "Endurance 0",
        "Endurance 1",
    }


def test_a_new_user_gets_popular_programs(auth_client, programs):
    results = auth_client().get(URL, {"kind": "template", "limit": 2}).json()["results"]

    assert [r["source"] for r in results] == ["popular", "popular"]
    assert set(names(results)) == {"Strength 2", "Endurance 2"}  # ten favourites each


def test_acceptance_rate_is_tracked_per_source(auth_client, population):
    client = auth_client()
    log_workout(client.user, population["upper"][:2])
    served = recommendations_for(user=client.user, kind="exercise", limit=10)
    collaborative = [s for s in served if s.candidate.source == "collaborative"]
    client.put(
        f"{URL}/{collaborative[0].recommendation.public_id}/feedback",
        {"rating": "up", "accepted": True},
        format="json",
    )

    stats = {row["source"]: row for row in recommendation_acceptance_by_source()}

    assert stats["collaborative"]["served"] == len(collaborative)
    assert stats["collaborative"]["accepted"] == 1
    assert stats["collaborative"]["acceptance_rate"] == pytest.approx(1 / len(collaborative))
    assert stats["popular"]["accepted"] == 0
