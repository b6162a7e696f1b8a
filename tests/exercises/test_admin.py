"""The moderation queue in the admin: bulk approve and reject (with a reason), soft delete and restore,
filters and search, who may get in, and the catalogs and ratings beside it."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exercises.models import Exercise, ExerciseRating
from exercises.services import exercise_rate
from exercises.text import name_key
from fitai import events
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXERCISES_URL = "/admin/exercises/exercise/"
RATINGS_URL = "/admin/exercises/exerciserating/"


def moderator_with(*codenames: str):
    """A staff moderator holding these exercise permissions (staff need them; superusers have all)."""
    moderator = UserFactory(roles=["moderator"], email_verified=True, is_staff=True, username="mod")
    moderator.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="exercises", codename__in=codenames)
    )
    return moderator


@pytest.fixture
def moderator(client):
    moderator = moderator_with("view_exercise", "change_exercise", "view_exerciserating")
    client.force_login(moderator)
    return moderator


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, username="boss"))
    return client


@pytest.fixture
def moderated():
    """Every `exercise.moderated` event delivered during the test, as payload dicts."""
    received: list[dict] = []

    def record(**payload):
        received.append(payload)

    events.subscribe("exercise.moderated", record)
    yield received
    events.unsubscribe("exercise.moderated", record)


def _act(client, action: str, exercises: list[Exercise], **extra):
    data = {"action": action, "_selected_action": [exercise.pk for exercise in exercises], **extra}
    return client.post(EXERCISES_URL, data)


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _listed(response) -> list[str]:
    return [exercise.name for exercise in response.context["cl"].result_list]


# --- access -------------------------------------------------------------------------------------


def test_a_member_who_is_not_staff_cannot_reach_the_exercise_admin(client):
    client.force_login(UserFactory(roles=["moderator"], email_verified=True))
    response = client.get(EXERCISES_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_the_change_permission_see_the_queue_but_no_moderation_actions(client):
    client.force_login(moderator_with("view_exercise"))
    response = client.get(EXERCISES_URL)
    assert response.status_code == 200
    assert "approve_selected" not in response.content.decode()
    pending = ExerciseFactory(name="My Idea", status=Exercise.Status.PENDING, created_by=UserFactory())
    _act(client, "approve_selected", [pending])
    pending.refresh_from_db()
    assert pending.status == Exercise.Status.PENDING


def test_exercises_cannot_be_added_or_hard_deleted_in_the_admin(client, moderator):
    exercise = ExerciseFactory(name="Bench Press")
    assert client.get(f"{EXERCISES_URL}add/").status_code == 403
    assert client.get(f"{EXERCISES_URL}{exercise.pk}/delete/").status_code == 403
    assert 'value="delete_selected"' not in client.get(EXERCISES_URL).content.decode()


# --- the queue ----------------------------------------------------------------------------------


def test_the_queue_lists_pending_submissions_first_then_newest(client, moderator):
    ExerciseFactory(name="Old Approved")
    ExerciseFactory(name="Old Pending", status=Exercise.Status.PENDING)
    ExerciseFactory(name="New Rejected", status=Exercise.Status.REJECTED)
    ExerciseFactory(name="New Pending", status=Exercise.Status.PENDING)
    response = client.get(EXERCISES_URL)
    assert response.status_code == 200
    assert _listed(response) == ["New Pending", "Old Pending", "New Rejected", "Old Approved"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status__exact=pending", {"Pending Curl"}),
        ("category__exact=cardio", {"Rowing Sprint"}),
        ("difficulty__exact=advanced", {"Snatch"}),
        ("mechanics__exact=isolation", {"Pending Curl"}),
        ("source__exact=member", {"Pending Curl"}),
        ("deleted=yes", {"Old Lunge"}),
        ("deleted=no", {"Pending Curl", "Rowing Sprint", "Snatch"}),
        ("q=snatch", {"Snatch"}),
        ("q=curl@example.com", {"Pending Curl"}),
        ("q=rowing-sprint", {"Rowing Sprint"}),
    ],
)
def test_filters_and_search(client, moderator, query, expected):
    creator = UserFactory(email="curl@example.com")
    ExerciseFactory(
        name="Pending Curl",
        status=Exercise.Status.PENDING,
        mechanics="isolation",
        source="member",
        created_by=creator,
        muscles=["biceps"],
    )
    ExerciseFactory(name="Rowing Sprint", category="cardio", gear=["rowing-machine"])
    ExerciseFactory(name="Snatch", difficulty="advanced")
    ExerciseFactory(name="Old Lunge", deleted_at="2026-01-01T00:00:00Z")
    response = client.get(f"{EXERCISES_URL}?{query}")
    assert response.status_code == 200
    assert set(_listed(response)) == expected


def test_filters_by_muscle_and_equipment(client, moderator):
    curl = ExerciseFactory(name="Curl", muscles=["biceps"], gear=["dumbbell"])
    ExerciseFactory(name="Row", muscles=["lats"], gear=["rowing-machine"])
    muscle = curl.primary_muscles.get()
    equipment = curl.equipment.get()
    assert _listed(client.get(f"{EXERCISES_URL}?primary_muscles__id__exact={muscle.pk}")) == ["Curl"]
    assert _listed(client.get(f"{EXERCISES_URL}?equipment__id__exact={equipment.pk}")) == ["Curl"]


def _changelist_queries(client, size: int) -> int:
    for _ in range(size):
        ExerciseFactory(status=Exercise.Status.PENDING, created_by=UserFactory(), gear=["barbell"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(EXERCISES_URL)
    assert response.status_code == 200
    return len(queries)


def test_the_changelist_query_count_is_fixed(client, moderator):
    few = _changelist_queries(client, 5)
    Exercise.objects.all().delete()
    many = _changelist_queries(client, 30)
    assert few == many, (
        f"{few} queries for 5 exercises, {many} for 30: add the relation to list_select_related."
    )


def test_the_change_form_opens_with_the_moderation_fields_read_only(client, moderator):
    exercise = ExerciseFactory(name="Bench Press", status=Exercise.Status.PENDING)
    response = client.get(f"{EXERCISES_URL}{exercise.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "name" in form.fields
    for read_only in ("status", "rejection_reason", "moderated_by", "rating_score", "popularity", "name_key"):
        assert read_only not in form.fields


def test_editing_goes_through_the_service_and_keeps_the_name_key(client, moderator):
    exercise = ExerciseFactory(name="Bench Pres", status=Exercise.Status.PENDING, muscles=["chest"])
    chest = exercise.primary_muscles.get()
    response = client.post(
        f"{EXERCISES_URL}{exercise.pk}/change/",
        {
            "name": "Flat Bench Press",
            "description": "",
            "instructions": '["Lie down.", "Press."]',
            "primary_muscles": [chest.pk],
            "category": "strength",
            "mechanics": "compound",
            "force": "push",
            "difficulty": "intermediate",
            "media": "[]",
            "safety_notes": "",
            "contraindications": "[]",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    exercise.refresh_from_db()
    assert (exercise.name, exercise.name_key, exercise.difficulty) == (
        "Flat Bench Press",
        name_key("Flat Bench Press"),
        "intermediate",
    )
    assert exercise.instructions == ["Lie down.", "Press."]
    assert exercise.status == Exercise.Status.PENDING


def test_editing_refuses_a_name_another_exercise_has(client, moderator):
    ExerciseFactory(name="Goblet Squat")
    exercise = ExerciseFactory(name="Squat Idea", status=Exercise.Status.PENDING)
    chest = exercise.primary_muscles.get()
    response = client.post(
        f"{EXERCISES_URL}{exercise.pk}/change/",
        {
            "name": "goblet squat",
            "instructions": "[]",
            "primary_muscles": [chest.pk],
            "category": "strength",
            "difficulty": "beginner",
            "media": "[]",
            "contraindications": "[]",
        },
    )
    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors["name"])
    exercise.refresh_from_db()
    assert exercise.name == "Squat Idea"


def test_variations_are_picked_among_approved_exercises(superuser_client):
    ExerciseFactory(name="Press Approved")
    ExerciseFactory(name="Press Pending", status=Exercise.Status.PENDING)
    ExerciseFactory(name="Press Deleted", deleted_at="2026-01-01T00:00:00Z")
    response = superuser_client.get(
        "/admin/autocomplete/",
        {"app_label": "exercises", "model_name": "exercise", "field_name": "variations", "term": "press"},
    )
    assert [row["text"] for row in response.json()["results"]] == ["Press Approved"]


# --- approve and reject -------------------------------------------------------------------------


def test_approving_from_the_changelist_notifies_the_creator(
    client, moderator, moderated, django_capture_on_commit_callbacks
):
    creator = UserFactory()
    pending = ExerciseFactory(name="My Idea", status=Exercise.Status.PENDING, created_by=creator)
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(client, "approve_selected", [pending])
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Exercise.Status.APPROVED
    assert pending.moderated_by == moderator
    assert moderated == [
        {"exercise_id": pending.pk, "creator_id": creator.pk, "status": "approved", "reason": ""}
    ]
    assert _messages(response) == ["Approved 1 exercise(s); their creators are notified."]
    entry = LogEntry.objects.get(object_id=str(pending.pk))
    assert (entry.action_flag, entry.user, entry.get_change_message()) == (CHANGE, moderator, "Approved.")


def test_approving_skips_what_is_already_approved(
    client, moderator, moderated, django_capture_on_commit_callbacks
):
    approved = ExerciseFactory(name="Bench Press", created_by=UserFactory())
    pending = ExerciseFactory(name="My Idea", status=Exercise.Status.PENDING, created_by=UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(client, "approve_selected", [approved, pending])
    assert [event["exercise_id"] for event in moderated] == [pending.pk]
    assert _messages(response)[-1] == "Skipped 1 already approved or deleted."


def test_reject_asks_for_a_reason_first(client, moderator, moderated):
    pending = ExerciseFactory(name="My Idea", status=Exercise.Status.PENDING, created_by=UserFactory())
    response = _act(client, "reject_selected", [pending])
    assert response.status_code == 200
    assert response.templates[0].name == "admin/exercises/reject_confirmation.html"
    html = response.content.decode()
    assert "My Idea" in html
    assert 'name="reason"' in html
    assert f'name="_selected_action" value="{pending.pk}"' in html
    assert 'name="action" value="reject_selected"' in html
    pending.refresh_from_db()
    assert pending.status == Exercise.Status.PENDING
    assert moderated == []


def test_rejecting_with_a_reason_stores_it_and_notifies_the_creator(
    client, moderator, moderated, django_capture_on_commit_callbacks
):
    creator = UserFactory()
    pending = ExerciseFactory(name="My Idea", status=Exercise.Status.PENDING, created_by=creator)
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(
            client, "reject_selected", [pending], confirm="yes", reason="  Add the steps, please.  "
        )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.rejection_reason) == (Exercise.Status.REJECTED, "Add the steps, please.")
    assert moderated == [
        {
            "exercise_id": pending.pk,
            "creator_id": creator.pk,
            "status": "rejected",
            "reason": "Add the steps, please.",
        }
    ]
    assert _messages(response) == ["Rejected 1 exercise(s); their creators are notified."]


def test_rejecting_without_a_reason_shows_the_form_again(client, moderator, moderated):
    pending = ExerciseFactory(name="My Idea", status=Exercise.Status.PENDING, created_by=UserFactory())
    response = _act(client, "reject_selected", [pending], confirm="yes", reason="   ")
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert "their creators will read it" in response.content.decode()
    pending.refresh_from_db()
    assert (pending.status, pending.rejection_reason) == (Exercise.Status.PENDING, "")
    assert moderated == []


# --- soft delete and restore --------------------------------------------------------------------


def test_soft_delete_then_restore(client, moderator):
    exercise = ExerciseFactory(name="Bench Press")
    response = _act(client, "soft_delete_selected", [exercise])
    assert response.status_code == 302
    exercise.refresh_from_db()
    assert exercise.deleted_at is not None
    assert not Exercise.objects.alive().filter(pk=exercise.pk).exists()
    assert _listed(client.get(f"{EXERCISES_URL}?deleted=yes")) == ["Bench Press"]

    response = _act(client, "restore_selected", [exercise])
    exercise.refresh_from_db()
    assert exercise.deleted_at is None
    assert _messages(response)[-1] == "Restored 1 exercise(s)."
    assert [entry.get_change_message() for entry in LogEntry.objects.order_by("pk")] == [
        "Soft-deleted.",
        "Restored.",
    ]


def test_a_deleted_exercise_is_not_approved(client, moderator, moderated, django_capture_on_commit_callbacks):
    gone = ExerciseFactory(
        name="Gone",
        status=Exercise.Status.PENDING,
        created_by=UserFactory(),
        deleted_at="2026-01-01T00:00:00Z",
    )
    with django_capture_on_commit_callbacks(execute=True):
        _act(client, "approve_selected", [gone])
    gone.refresh_from_db()
    assert gone.status == Exercise.Status.PENDING
    assert moderated == []


# --- catalogs and ratings -----------------------------------------------------------------------


def test_the_catalogs_list_filter_and_search(superuser_client):
    muscles = superuser_client.get("/admin/exercises/muscle/?group__exact=arms&q=bic")
    assert [muscle.slug for muscle in muscles.context["cl"].result_list] == ["biceps"]
    equipment = superuser_client.get("/admin/exercises/equipment/?kind__exact=cardio&q=tread")
    assert [item.slug for item in equipment.context["cl"].result_list] == ["treadmill"]


def test_ratings_are_read_only_with_filters_and_search(client, moderator):
    bench = ExerciseFactory(name="Bench Press")
    squat = ExerciseFactory(name="Squat")
    exercise_rate(exercise=bench, user=UserFactory(email="fan@example.com"), score=5)
    exercise_rate(exercise=squat, user=UserFactory(email="critic@example.com"), score=2)

    def listed(query: str) -> set[str]:
        response = client.get(f"{RATINGS_URL}?{query}")
        assert response.status_code == 200
        return {rating.exercise.name for rating in response.context["cl"].result_list}

    assert listed("") == {"Bench Press", "Squat"}
    assert listed("score=5") == {"Bench Press"}
    assert listed("counted__exact=1") == {"Bench Press", "Squat"}
    assert listed("q=critic@example") == {"Squat"}
    assert listed("q=bench") == {"Bench Press"}
    rating = ExerciseRating.objects.get(exercise=bench)
    assert client.get(f"{RATINGS_URL}add/").status_code == 403
    response = client.post(f"{RATINGS_URL}{rating.pk}/change/", {"score": 1})
    assert response.status_code == 403
    rating.refresh_from_db()
    assert rating.score == 5


def test_deleting_a_rating_recounts_the_summary(superuser_client):
    bench = ExerciseFactory(name="Bench Press")
    exercise_rate(exercise=bench, user=UserFactory(), score=5)
    rating = ExerciseRating.objects.get()
    response = superuser_client.post(f"{RATINGS_URL}{rating.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    bench.refresh_from_db()
    assert (bench.rating_count, bench.rating_sum) == (0, 0)
