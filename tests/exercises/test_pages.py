"""The library pages: browse with filters and search, one exercise with its rating form, submission."""

import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exercises.models import Exercise, ExerciseRating
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BROWSE, SUBMIT = "/exercises/", "/exercises/submit"

NEW = {
    "name": "Tempo Goblet Squat",
    "description": "A squat that teaches patience.",
    "instructions": "Hold the bell at your chest.\n\n  Sit down for three seconds.  \nStand up.\n",
    "primary_muscles": ["quadriceps"],
    "secondary_muscles": ["glutes"],
    "equipment": ["kettlebell"],
    "category": "strength",
    "mechanics": "compound",
    "force": "push",
    "difficulty": "beginner",
    "safety_notes": "Keep the heels down.",
    "contraindications": "Knee injury\n\nHip replacement",
}


def detail_url(exercise: Exercise) -> str:
    return f"/exercises/{exercise.slug}"


@pytest.fixture
def member(client):
    member = UserFactory(email_verified=True)
    client.force_login(member)
    return member


@pytest.fixture
def unverified(client):
    member = UserFactory(email_verified=False)
    client.force_login(member)
    return member


def _html(response) -> str:
    return response.content.decode()


def _names(response) -> list[str]:
    return [card.name for card in response.context["cards"]]


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- browse -------------------------------------------------------------------------------------


def test_anonymous_visitors_browse_the_approved_library(client):
    ExerciseFactory(name="Bench Press", muscles=["chest"], gear=["barbell", "bench"])
    ExerciseFactory(name="Their Idea", status=Exercise.Status.PENDING, created_by=UserFactory())
    ExerciseFactory(name="Gone", deleted_at="2026-01-01T00:00:00Z")
    response = client.get(BROWSE)
    assert response.status_code == 200
    assert _names(response) == ["Bench Press"]
    html = _html(response)
    assert 'href="/exercises/bench-press"' in html
    assert "Barbell, Bench" in html
    assert "Beginner" in html
    assert '<a href="/exercises/" aria-current="page">Exercises</a>' in html


def test_members_see_their_own_pending_exercise_with_a_badge(client, member):
    ExerciseFactory(name="Bench Press")
    ExerciseFactory(name="My Idea", status=Exercise.Status.PENDING, created_by=member)
    ExerciseFactory(name="Their Idea", status=Exercise.Status.PENDING, created_by=UserFactory())
    response = client.get(BROWSE)
    assert _names(response) == ["Bench Press", "My Idea"]
    assert _html(response).count("Pending review") == 1


def test_the_browse_page_also_answers_without_the_trailing_slash_of_a_detail(client):
    exercise = ExerciseFactory(name="Bench Press")
    assert client.get(detail_url(exercise) + "/").status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("muscle=quadriceps", ["Lunge", "Squat"]),
        ("muscle=glutes", ["Lunge"]),
        ("equipment=barbell", ["Squat"]),
        ("category=cardio", ["Row"]),
        ("difficulty=advanced", ["Squat"]),
        ("mechanics=isolation", ["Curl"]),
        ("muscle=quadriceps&equipment=dumbbell", ["Lunge"]),
        ("ordering=-name", ["Squat", "Row", "Lunge", "Curl"]),
    ],
)
def test_filters_narrow_the_results(client, query, expected):
    squat = ExerciseFactory(
        name="Squat", muscles=["quadriceps"], gear=["barbell"], difficulty="advanced", mechanics="compound"
    )
    lunge = ExerciseFactory(name="Lunge", muscles=["quadriceps"], gear=["dumbbell"], mechanics="compound")
    lunge.secondary_muscles.set(lunge.primary_muscles.model.objects.filter(slug="glutes"))
    ExerciseFactory(name="Curl", muscles=["biceps"], gear=["dumbbell"], mechanics="isolation")
    ExerciseFactory(name="Row", muscles=["lats"], category="cardio")
    assert squat.pk
    response = client.get(f"{BROWSE}?{query}")
    assert response.status_code == 200
    assert _names(response) == expected


def test_a_bad_filter_is_shown_and_ignored(client):
    ExerciseFactory(name="Squat", muscles=["quadriceps"])
    ExerciseFactory(name="Curl", muscles=["biceps"], category="cardio")
    response = client.get(f"{BROWSE}?muscle=no-such-muscle&category=cardio")
    assert response.status_code == 200
    assert _names(response) == ["Curl"]
    assert response.context["form"].errors["muscle"]


def test_the_filter_selects_list_the_catalogs(client):
    html = _html(client.get(BROWSE))
    assert '<option value="quadriceps">Quadriceps</option>' in html
    assert '<option value="kettlebell">Kettlebell</option>' in html
    assert '<option value="advanced">Advanced</option>' in html


def test_search_forgives_typos(client):
    ExerciseFactory(name="Dumbbell Curl", muscles=["biceps"], gear=["dumbbell"])
    ExerciseFactory(name="Barbell Back Squat", muscles=["quadriceps"])
    ExerciseFactory(name="Push-Up")
    response = client.get(BROWSE, {"q": "dumbel curl"})
    assert response.status_code == 200
    assert _names(response)[0] == "Dumbbell Curl"
    assert "Barbell Back Squat" not in _names(response)
    assert "for “dumbel curl”" in _html(response)


def test_search_combines_with_filters_and_hides_what_you_may_not_see(client, member):
    ExerciseFactory(name="Dumbbell Curl", muscles=["biceps"], category="strength")
    ExerciseFactory(name="Dumbbell Curl Stretch", muscles=["biceps"], category="stretching")
    ExerciseFactory(name="Dumbbell Curl Secret", status=Exercise.Status.PENDING, created_by=UserFactory())
    response = client.get(BROWSE, {"q": "dumbbell curl", "category": "stretching"})
    assert _names(response) == ["Dumbbell Curl Stretch"]


def test_nothing_found_says_so(client):
    ExerciseFactory(name="Bench Press")
    response = client.get(BROWSE, {"q": "zzzzqqq"})
    assert _names(response) == []
    assert "Nothing matches" in _html(response)


def test_results_are_paginated_by_24(client):
    for n in range(30):
        ExerciseFactory(name=f"Movement {n:02d}")
    first = client.get(BROWSE)
    assert len(first.context["cards"]) == 24
    assert "Page 1 of 2" in _html(first)
    assert 'href="?page=2"' in _html(first)
    second = client.get(BROWSE, {"page": 2})
    assert _names(second) == [f"Movement {n:02d}" for n in range(24, 30)]


def test_search_results_are_paginated_and_keep_the_query(client):
    for n in range(26):
        ExerciseFactory(name=f"Curl Variant {n:02d}", muscles=["biceps"])
    first = client.get(BROWSE, {"q": "curl"})
    assert len(first.context["cards"]) == 24
    assert 'href="?q=curl&amp;page=2"' in _html(first)
    assert len(client.get(BROWSE, {"q": "curl", "page": 2}).context["cards"]) == 2


def _browse_queries(client, size: int, query: str = "") -> int:
    for _ in range(size):
        ExerciseFactory(muscles=["chest", "triceps"], gear=["barbell", "bench"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{BROWSE}?{query}")
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", ["", "muscle=chest&equipment=barbell&ordering=-rating", "q=test+movement"])
def test_the_browse_query_count_is_fixed(client, member, query):
    few = _browse_queries(client, 10, query)
    Exercise.objects.all().delete()
    many = _browse_queries(client, 40, query)
    assert few == many, f"{few} queries for 10 exercises, {many} for 40: a card walks a relation."


def test_searching_is_throttled_with_the_api_budget(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "search": "2/min"},
    }
    ExerciseFactory(name="Bench Press")
    assert client.get(BROWSE, {"q": "bench"}).status_code == 200
    assert client.get(BROWSE, {"q": "bench"}).status_code == 200
    response = client.get(BROWSE, {"q": "bench"})
    assert response.status_code == 429
    assert "Too many searches" in _html(response)


# --- detail -------------------------------------------------------------------------------------


def test_the_detail_shows_instructions_safety_and_what_it_trains(client):
    variation = ExerciseFactory(name="Incline Bench Press")
    exercise = ExerciseFactory(
        name="Bench Press",
        description="The classic chest builder.",
        instructions=["Lie on the bench.", "Lower the bar to the chest.", "Press it up."],
        safety_notes="Use a spotter for heavy sets.",
        contraindications=["Shoulder impingement"],
        media=[
            {"type": "video", "url": "https://video.example/bench", "title": "Bench press demo"},
            {"type": "image", "url": "javascript:alert(1)", "title": "Sneaky"},
        ],
        mechanics="compound",
        force="push",
        muscles=["chest"],
        gear=["barbell", "bench"],
    )
    exercise.secondary_muscles.set(exercise.primary_muscles.model.objects.filter(slug="triceps"))
    exercise.variations.set([variation])
    response = client.get(detail_url(exercise))
    assert response.status_code == 200
    html = _html(response)
    steps = re.search(r'<ol class="steps">(.*?)</ol>', html, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", steps) == [
        "Lie on the bench.",
        "Lower the bar to the chest.",
        "Press it up.",
    ]
    safety = re.search(r'<section class="safety".*?</section>', html, re.S).group(0)
    assert "Use a spotter for heavy sets." in safety
    assert "Shoulder impingement" in safety
    assert '<a href="https://video.example/bench" rel="nofollow noopener">Bench press demo</a>' in html
    assert "javascript:" not in html
    assert "<iframe" not in html
    assert "<video" not in html
    assert f'href="{detail_url(variation)}"' in html
    for fact in ("Chest", "Triceps", "Barbell, Bench", "Compound", "Push", "Strength", "Beginner"):
        assert fact in html


def test_another_members_pending_exercise_is_not_found(client, member):
    theirs = ExerciseFactory(name="Their Idea", status=Exercise.Status.PENDING, created_by=UserFactory())
    assert client.get(detail_url(theirs)).status_code == 404


def test_your_own_pending_exercise_says_it_waits_for_review(client, member):
    mine = ExerciseFactory(name="My Idea", status=Exercise.Status.PENDING, created_by=member)
    response = client.get(detail_url(mine))
    assert response.status_code == 200
    assert "waiting for review" in _html(response)
    assert response.context["rating_form"] is None


def test_deleted_and_unknown_exercises_are_not_found(client):
    gone = ExerciseFactory(name="Gone", deleted_at="2026-01-01T00:00:00Z")
    assert client.get(detail_url(gone)).status_code == 404
    assert client.get("/exercises/no-such-exercise").status_code == 404


def test_anonymous_visitors_are_asked_to_log_in_to_rate(client):
    exercise = ExerciseFactory(name="Bench Press")
    html = _html(client.get(detail_url(exercise)))
    assert f'href="/accounts/login?next={detail_url(exercise)}"' in html
    assert 'name="score"' not in html


def test_rating_through_the_page_stores_then_updates_one_rating(client, member):
    exercise = ExerciseFactory(name="Bench Press")
    rate = f"{detail_url(exercise)}/rate"
    assert 'name="score"' in _html(client.get(detail_url(exercise)))

    response = client.post(rate, {"score": "4", "review": "Solid."})
    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(exercise)}#rating"
    assert _messages(response) == ["Thanks for rating!"]

    response = client.post(rate, {"score": "2", "review": "Hurts my shoulder."})
    assert _messages(response)[-1] == "Your rating was updated."
    rating = ExerciseRating.objects.get()
    assert (rating.user, rating.score, rating.review) == (member, 2, "Hurts my shoulder.")
    exercise.refresh_from_db()
    assert exercise.rating_count == 1
    assert exercise.rating_sum == 2
    html = _html(client.get(detail_url(exercise)))
    assert "You rated it 2 out of 5" in html
    assert "(1 rating)" in html


def test_a_bad_score_shows_the_form_again_and_stores_nothing(client, member):
    exercise = ExerciseFactory(name="Bench Press")
    response = client.post(f"{detail_url(exercise)}/rate", {"score": "9"})
    assert response.status_code == 400
    assert response.context["rating_form"].errors["score"]
    assert not ExerciseRating.objects.exists()


def test_unverified_members_cannot_rate(client, unverified):
    exercise = ExerciseFactory(name="Bench Press")
    assert "Confirm your e-mail address to rate" in _html(client.get(detail_url(exercise)))
    response = client.post(f"{detail_url(exercise)}/rate", {"score": "5"})
    assert response.status_code == 403
    assert not ExerciseRating.objects.exists()


def test_anonymous_rating_goes_to_the_login_page(client):
    exercise = ExerciseFactory(name="Bench Press")
    response = client.post(f"{detail_url(exercise)}/rate", {"score": "5"})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login?next={detail_url(exercise)}"
    assert not ExerciseRating.objects.exists()


def test_another_members_pending_exercise_cannot_be_rated(client, member):
    theirs = ExerciseFactory(name="Their Idea", status=Exercise.Status.PENDING, created_by=UserFactory())
    assert client.post(f"{detail_url(theirs)}/rate", {"score": "5"}).status_code == 404
    assert not ExerciseRating.objects.exists()


# --- submit -------------------------------------------------------------------------------------


def test_anonymous_submit_goes_to_the_login_page(client):
    response = client.get(SUBMIT)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login?next={SUBMIT}"


def test_unverified_members_are_told_to_confirm_their_address(client, unverified):
    response = client.get(SUBMIT)
    assert response.status_code == 403
    assert 'href="/accounts/resend-verification"' in _html(response)
    assert client.post(SUBMIT, NEW).status_code == 403
    assert not Exercise.objects.exists()


def test_the_submit_form_lists_the_catalogs(client, member):
    html = _html(client.get(SUBMIT + "/"))
    assert 'name="primary_muscles" value="quadriceps"' in html
    assert 'name="equipment" value="kettlebell"' in html


def test_submitting_creates_a_pending_exercise(client, member):
    response = client.post(SUBMIT, NEW)
    exercise = Exercise.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(exercise)
    assert "pending review" in _messages(response)[0]
    assert exercise.status == Exercise.Status.PENDING
    assert exercise.created_by == member
    assert exercise.instructions == [
        "Hold the bell at your chest.",
        "Sit down for three seconds.",
        "Stand up.",
    ]
    assert exercise.contraindications == ["Knee injury", "Hip replacement"]
    assert [m.slug for m in exercise.primary_muscles.all()] == ["quadriceps"]
    assert [m.slug for m in exercise.secondary_muscles.all()] == ["glutes"]
    assert [e.slug for e in exercise.equipment.all()] == ["kettlebell"]
    assert (exercise.mechanics, exercise.force, exercise.safety_notes) == (
        "compound",
        "push",
        "Keep the heels down.",
    )
    assert client.get(detail_url(exercise)).status_code == 200


def test_a_trainers_submission_is_approved_at_once(client):
    client.force_login(UserFactory(email_verified=True, roles=["trainer"]))
    response = client.post(SUBMIT, NEW)
    assert Exercise.objects.get().status == Exercise.Status.APPROVED
    assert _messages(response) == ["“Tempo Goblet Squat” is in the library."]


def test_a_duplicate_name_links_to_the_existing_exercise_and_creates_nothing(client, member):
    existing = ExerciseFactory(name="Goblet Squat")
    response = client.post(SUBMIT, {**NEW, "name": "goblet  squat"})
    assert response.status_code == 200
    html = _html(response)
    assert f'An exercise called <a href="{detail_url(existing)}">Goblet Squat</a> already exists' in html
    assert Exercise.objects.count() == 1


def test_a_duplicate_you_may_not_see_is_named_without_a_link(client, member):
    ExerciseFactory(name="Goblet Squat", status=Exercise.Status.PENDING, created_by=UserFactory())
    html = _html(client.post(SUBMIT, {**NEW, "name": "Goblet Squat"}))
    assert "An exercise called “Goblet Squat” already exists and is waiting for review" in html
    assert Exercise.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"instructions": "  \n \n"}, "instructions"),
        ({"instructions": "\n".join(f"Step {n}" for n in range(31))}, "instructions"),
        ({"primary_muscles": []}, "primary_muscles"),
        ({"primary_muscles": ["wings"]}, "primary_muscles"),
        ({"secondary_muscles": ["quadriceps"]}, "secondary_muscles"),
        ({"equipment": ["hoverboard"]}, "equipment"),
        ({"category": "yoga"}, "category"),
        ({"difficulty": "legendary"}, "difficulty"),
        ({"contraindications": "x" * 101}, "contraindications"),
    ],
)
def test_bad_input_shows_field_errors_and_creates_nothing(client, member, change, field):
    response = client.post(SUBMIT, {**NEW, **change})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert "field-invalid" in _html(response)
    assert not Exercise.objects.exists()
