"""Programs in the admin: featuring by trainers, soft delete and restore by moderators, read-only
content, filters, who may get in, and the permissions migration 0002 grants."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from templates_app import services
from templates_app.models import WorkoutTemplate
from templates_app.serializers import TemplateInputSerializer
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROGRAMS_URL = "/admin/templates_app/workouttemplate/"


@pytest.fixture
def exercises():
    return [
        ExerciseFactory(name="Squat", muscles=["quadriceps"], gear=["barbell"]),
        ExerciseFactory(name="Push-Up", muscles=["chest"], gear=["bodyweight"]),
    ]


def make_program(owner, exercises, days: int = 1, **fields) -> WorkoutTemplate:
    document = {
        "name": "Strong Start",
        "days_per_week": days,
        "days": [
            {
                "name": f"Day {d + 1}",
                "exercises": [
                    {
                        "exercise_id": str(exercise.public_id),
                        "superset_group": "A",
                        "sets": [{"reps_min": 5, "reps_max": 8, "rpe": 8}] * 3,
                    }
                    for exercise in exercises
                ],
            }
            for d in range(days)
        ],
        **fields,
    }
    data = TemplateInputSerializer(data=document)
    assert data.is_valid(), data.errors
    return services.template_create(owner=owner, document=data.validated_data)


@pytest.fixture
def owner():
    return UserFactory(email_verified=True, email="owner@example.com", username="owner")


@pytest.fixture
def trainer(client):
    """A staff trainer with only what the trainer group holds."""
    trainer = UserFactory(roles=["trainer"], email_verified=True, is_staff=True, username="coach")
    client.force_login(trainer)
    return trainer


@pytest.fixture
def moderator(client):
    moderator = UserFactory(roles=["moderator"], email_verified=True, is_staff=True, username="mod")
    client.force_login(moderator)
    return moderator


def _act(client, action: str, templates: list[WorkoutTemplate]):
    data = {"action": action, "_selected_action": [template.pk for template in templates]}
    return client.post(PROGRAMS_URL, data)


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _listed(response) -> list[str]:
    return [template.name for template in response.context["cl"].result_list]


# --- access and permissions ---------------------------------------------------------------------


def test_migration_0002_gave_trainers_and_moderators_the_program_permissions():
    for name in ("trainer", "moderator"):
        codenames = set(
            Group.objects.get(name=name)
            .permissions.filter(content_type__app_label="templates_app")
            .values_list("codename", flat=True)
        )
        assert codenames == {"view_workouttemplate", "change_workouttemplate"}


def test_a_member_who_is_not_staff_cannot_reach_the_program_admin(client):
    client.force_login(UserFactory(roles=["trainer"], email_verified=True))
    response = client.get(PROGRAMS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_outside_the_roles_cannot_see_programs(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(PROGRAMS_URL).status_code == 403


def test_the_changelist_loads_with_its_filters_and_search(client, trainer, owner, exercises):
    make_program(owner, exercises, name="Public Power", visibility="public", goal="strength")
    make_program(owner, exercises, name="Quiet Plan", difficulty="advanced")
    gone = make_program(UserFactory(email="other@example.com"), exercises, name="Gone")
    services.template_delete(template=gone, user=gone.owner)
    response = client.get(PROGRAMS_URL)
    assert response.status_code == 200
    assert set(_listed(response)) == {"Public Power", "Quiet Plan", "Gone"}
    html = response.content.decode()
    for title in ("visibility", "goal", "difficulty", "is featured", "deleted"):
        assert f"By {title}" in html
    assert _listed(client.get(PROGRAMS_URL, {"visibility__exact": "public"})) == ["Public Power"]
    assert _listed(client.get(PROGRAMS_URL, {"difficulty__exact": "advanced"})) == ["Quiet Plan"]
    assert _listed(client.get(PROGRAMS_URL, {"deleted": "yes"})) == ["Gone"]
    assert set(_listed(client.get(PROGRAMS_URL, {"deleted": "no"}))) == {"Public Power", "Quiet Plan"}
    assert set(_listed(client.get(PROGRAMS_URL, {"q": "owner@example"}))) == {"Public Power", "Quiet Plan"}
    assert _listed(client.get(PROGRAMS_URL, {"q": "quiet"})) == ["Quiet Plan"]


def test_the_changelist_query_count_is_fixed(client, trainer, owner, exercises):
    make_program(owner, exercises)
    with CaptureQueriesContext(connection) as few:
        client.get(PROGRAMS_URL)
    for n in range(8):
        make_program(UserFactory(), exercises, name=f"Program {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(PROGRAMS_URL)
    assert len(few) == len(many)


def test_a_trainer_sees_the_program_days_and_exercises_read_only(client, trainer, owner, exercises):
    template = make_program(owner, exercises, days=2)
    response = client.get(f"{PROGRAMS_URL}{template.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Squat, Push-Up" in html  # each day's exercises, in the days inline
    day = template.days.order_by("index").first()
    day_url = f"/admin/templates_app/templateday/{day.pk}/change/"
    assert day_url in html  # the inline's link to the day's own page
    day_page = client.get(day_url)
    assert day_page.status_code == 200
    assert "3x5-8 @RPE8" in day_page.content.decode()
    assert 'name="days-0-name"' not in html  # the days inline has no inputs
    assert client.get("/admin/templates_app/templateday/add/").status_code == 403


def test_editing_the_program_fields_raises_the_version(client, trainer, owner, exercises):
    template = make_program(owner, exercises)
    url = f"{PROGRAMS_URL}{template.pk}/change/"
    form = {
        "name": "Renamed",
        "description": "",
        "goal": "strength",
        "difficulty": "beginner",
        "visibility": "private",
        "days_per_week": "1",
        "duration_weeks": "4",
        "tags": "[]",
        "days-TOTAL_FORMS": "1",
        "days-INITIAL_FORMS": "1",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
        "days-0-id": str(template.days.get().pk),
        "days-0-template": str(template.pk),
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    template.refresh_from_db()
    assert (template.name, template.version) == ("Renamed", 2)
    assert template.days.get().exercises.count() == 2


# --- featuring ----------------------------------------------------------------------------------


def test_a_trainer_features_a_public_program_from_the_changelist(client, trainer, owner, exercises):
    template = make_program(owner, exercises, visibility="public")
    response = _act(client, "feature_selected", [template])
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.is_featured
    assert template.featured_by == trainer
    assert template.featured_at is not None
    assert _messages(response) == ["Featured 1 program(s)."]
    assert LogEntry.objects.filter(object_id=str(template.pk), change_message="Featured.").exists()
    assert client.get("/programs/", {"tab": "featured"}).context["cards"][0].name == "Strong Start"

    response = _act(client, "unfeature_selected", [template])
    template.refresh_from_db()
    assert not template.is_featured
    assert template.featured_by is None
    assert _messages(response)[-1] == "Unfeatured 1 program(s)."


def test_a_private_program_is_skipped_with_a_message(client, trainer, owner, exercises):
    public = make_program(owner, exercises, name="Open", visibility="public")
    private = make_program(owner, exercises, name="Closed")
    response = _act(client, "feature_selected", [public, private])
    public.refresh_from_db()
    private.refresh_from_db()
    assert public.is_featured
    assert not private.is_featured
    assert _messages(response) == [
        "Featured 1 program(s).",
        "Skipped 1: “Closed” (only public programs can be featured).",
    ]


def test_trainers_may_not_delete_programs(client, trainer, owner, exercises):
    template = make_program(owner, exercises)
    actions = client.get(PROGRAMS_URL).context["action_form"].fields["action"].choices
    names = {name for name, _label in actions}
    assert {"feature_selected", "unfeature_selected"} <= names
    assert not names & {"soft_delete_selected", "restore_selected", "delete_selected"}
    _act(client, "soft_delete_selected", [template])
    template.refresh_from_db()
    assert template.deleted_at is None


# --- moderation ---------------------------------------------------------------------------------


def test_a_moderator_soft_deletes_then_restores(client, moderator, owner, exercises):
    template = make_program(owner, exercises, visibility="public")
    response = _act(client, "soft_delete_selected", [template])
    template.refresh_from_db()
    assert template.deleted_at is not None
    assert _messages(response) == ["Deleted 1 program(s); workouts started from them keep their link."]
    response = _act(client, "restore_selected", [template])
    template.refresh_from_db()
    assert template.deleted_at is None
    assert _messages(response)[-1] == "Restored 1 program(s)."


def test_a_deleted_program_is_not_featured(client, moderator, owner, exercises):
    template = make_program(owner, exercises, visibility="public")
    services.template_delete(template=template, user=owner)
    _act(client, "feature_selected", [template])
    template.refresh_from_db()
    assert not template.is_featured
