"""The program pages: browse with tabs and filters, one program, its buttons, and the builder."""

import copy
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Friendship
from exercises.models import Exercise
from templates_app import services
from templates_app.forms import EN_DASH, PROGRESSION_CHOICES, SEP, format_sets, parse_sets
from templates_app.models import TemplateDay, TemplateSet, WorkoutTemplate
from templates_app.serializers import PROGRESSION_TYPES, TemplateInputSerializer
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BROWSE, NEW = "/programs/", "/programs/new"


def make_friends(a, b):
    low, high = sorted([a, b], key=lambda user: user.pk)
    Friendship.objects.create(user_low=low, user_high=high, status="accepted", requested_by=a)


@pytest.fixture
def exercises():
    return [
        ExerciseFactory(name="Squat", muscles=["quadriceps"], gear=["barbell"]),
        ExerciseFactory(name="Bench Press", muscles=["chest"], gear=["barbell", "bench"]),
        ExerciseFactory(name="Push-Up", muscles=["chest"], gear=["bodyweight"]),
    ]


@pytest.fixture
def member(client):
    member = UserFactory(email_verified=True, username="me")
    client.force_login(member)
    return member


def program(exercises, days=1, **overrides):
    """A valid program document with `days` days of every given exercise, three sets each."""
    sets = [
        {"set_type": "warmup", "reps_min": 10, "reps_max": 10, "weight_kg": 40},
        {"reps_min": 5, "reps_max": 8, "percent_1rm": 75, "rpe": 8, "tempo": "3-1-1-0"},
        {"set_type": "amrap", "reps_min": 1, "reps_max": 20, "rest_seconds": 180},
    ]
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


def make_program(owner, exercises, *, featured_by=None, **overrides) -> WorkoutTemplate:
    data = TemplateInputSerializer(data=program(exercises, **overrides))
    assert data.is_valid(), data.errors
    template = services.template_create(owner=owner, document=data.validated_data)
    if featured_by is not None:
        services.template_feature(template=template, user=featured_by)
    return template


def detail_url(template: WorkoutTemplate) -> str:
    return f"/programs/{template.public_id}"


def _html(response) -> str:
    return response.content.decode()


def _names(response) -> list[str]:
    return [card.name for card in response.context["cards"]]


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [BROWSE, NEW, "/programs/00000000-0000-4000-8000-000000000000"])
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login?next=")


def test_the_nav_links_to_programs_for_members_only(client, member):
    assert '<a href="/programs/" aria-current="page">Programs</a>' in _html(client.get(BROWSE))
    client.logout()
    assert 'href="/programs/"' not in _html(client.get("/exercises/"))


# --- browse -------------------------------------------------------------------------------------


@pytest.fixture
def catalog(member, exercises):
    """Programs of every kind around the member, by name."""
    trainer = UserFactory(roles=["trainer"], email_verified=True)
    friend, stranger = (
        UserFactory(username="friend", email_verified=True),
        UserFactory(username="stranger", email_verified=True),
    )
    make_friends(member, friend)
    return {
        "Mine": make_program(member, exercises[:1], name="Mine"),
        "Public": make_program(stranger, exercises[1:], name="Public", visibility="public"),
        "Featured": make_program(
            trainer, exercises, name="Featured", visibility="public", featured_by=trainer, goal="hypertrophy"
        ),
        "Friends": make_program(friend, exercises[2:], name="Friends", visibility="friends"),
        "Secret": make_program(stranger, exercises, name="Secret"),
        "Strangers friends": make_program(
            stranger, exercises, name="Strangers friends", visibility="friends"
        ),
    }


@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        ("", {"Mine", "Public", "Featured", "Friends"}),
        ("all", {"Mine", "Public", "Featured", "Friends"}),
        ("mine", {"Mine"}),
        ("public", {"Public", "Featured"}),
        ("featured", {"Featured"}),
    ],
)
def test_each_tab_lists_what_the_member_may_see(client, catalog, tab, expected):
    response = client.get(BROWSE, {"tab": tab} if tab else {})
    assert response.status_code == 200
    assert set(_names(response)) == expected


def test_a_card_shows_what_the_program_is(client, catalog):
    html = _html(client.get(BROWSE, {"tab": "featured"}))
    featured = catalog["Featured"]
    assert f'href="/programs/{featured.public_id}"' in html
    assert "Hypertrophy" in html
    assert "Beginner" in html
    assert "1 day a week · 8 weeks" in html
    assert f"@{featured.owner.username}" in html
    assert "Barbell, Bench, Bodyweight" in html
    assert "No ratings yet" in html
    assert '<span class="badge badge-featured">Featured</span>' in html
    assert '<a href="?tab=featured" aria-current="page">Featured</a>' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"goal": "hypertrophy"}, {"Featured"}),
        ({"difficulty": "advanced"}, {"Hard"}),
        ({"days_per_week": "3"}, {"Three days"}),
        ({"equipment": ["bodyweight"]}, {"Friends"}),
        ({"equipment": ["barbell"]}, {"Mine"}),
        ({"equipment": ["barbell", "bench"]}, {"Mine"}),
        ({"equipment": ["barbell", "bench", "bodyweight"]}, {"Mine", "Public", "Featured", "Friends"}),
        ({"q": "days"}, {"Three days"}),
        ({"goal": "no-such-goal", "q": "hard"}, {"Hard"}),
    ],
)
def test_filters_narrow_the_list(client, member, catalog, exercises, query, expected):
    make_program(member, exercises[2:], name="Hard", difficulty="advanced")
    make_program(member, exercises[2:], name="Three days", days=3)
    response = client.get(BROWSE, query)
    assert response.status_code == 200
    names = set(_names(response))
    if "equipment" in query:  # the programs made above need only bodyweight, too
        names -= {"Hard", "Three days"}
    assert names == expected


def test_a_bad_filter_is_shown_and_ignored(client, catalog):
    response = client.get(BROWSE, {"goal": "flying", "tab": "mine"})
    assert _names(response) == ["Mine"]
    assert "Select a valid choice" in _html(response)


def test_ordering_and_pagination(client, member, exercises):
    for n in range(26):
        make_program(member, exercises[:1], name=f"Program {n:02d}")
    first = client.get(BROWSE, {"ordering": "name", "tab": "mine"})
    assert _names(first)[:2] == ["Program 00", "Program 01"]
    assert len(_names(first)) == 24
    assert 'href="?ordering=name&amp;tab=mine&amp;page=2"' in _html(first)
    second = client.get(BROWSE, {"ordering": "name", "tab": "mine", "page": 2})
    assert _names(second) == ["Program 24", "Program 25"]


def _browse_queries(client, owner, exercises, size: int, query: dict) -> int:
    for n in range(size):
        make_program(owner, exercises, name=f"Program {n}", visibility="public")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(BROWSE, query)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "query",
    [{}, {"tab": "mine"}, {"goal": "strength", "equipment": ["barbell", "bench"], "ordering": "-rating"}],
)
def test_the_browse_query_count_is_fixed(client, member, exercises, query):
    few = _browse_queries(client, member, exercises, 2, query)
    many = _browse_queries(client, member, exercises, 10, query)
    assert few == many


# --- detail -------------------------------------------------------------------------------------


def test_the_detail_shows_every_day_exercise_and_set(client, member, exercises):
    template = make_program(member, exercises, days=2)
    response = client.get(detail_url(template))
    assert response.status_code == 200
    html = _html(response)
    assert "Day 1: Day 1" in html
    assert "Day 2: Day 2" in html
    for exercise in exercises:
        assert html.count(f'href="/exercises/{exercise.slug}"') == 2
    assert html.count('<tr class="set-') == 2 * 3 * 3
    assert html.count('<tr class="set-warmup">') == 2 * 3
    assert "40 kg" in html
    assert "75% 1RM" in html
    assert f"5{EN_DASH}8" in html
    assert "3-1-1-0" in html
    assert "As many reps as possible" in html
    assert "Linear progression: add 2.5 kg each time you complete every set." in html
    assert "Workouts started" in html
    assert "Rate it" in html  # a verified member may rate
    assert f'href="/programs/{template.public_id}/edit"' in html
    assert "Delete" in html


def test_supersets_are_grouped_and_their_exercises_numbered_together(client, member, exercises):
    document = program(exercises)
    for item in document["days"][0]["exercises"][:2]:
        item["superset_group"] = "A"
    document["days"][0]["exercises"][2]["progression"] = {
        "type": "percentage",
        "percentages": [70, 75, 80],
        "deload_every_weeks": 4,
    }
    data = TemplateInputSerializer(data=document)
    assert data.is_valid(), data.errors
    template = services.template_create(owner=member, document=data.validated_data)
    html = _html(client.get(detail_url(template)))
    assert html.count('class="superset"') == 1
    assert "Superset A: do these back to back" in html
    assert re.search(r"A1</span>\s*<a href=\"/exercises/squat\"", html)
    assert re.search(r"A2</span>\s*<a href=\"/exercises/bench-press\"", html)
    assert "Percentage waves: 70%, 75%, 80% of your one-rep max, one week each. Deload every 4 weeks." in html


def test_someone_elses_private_program_is_not_found(client, member, exercises):
    secret = make_program(UserFactory(email_verified=True), exercises)
    assert client.get(detail_url(secret)).status_code == 404
    assert client.post(f"{detail_url(secret)}/favorite").status_code == 404
    assert client.post(f"{detail_url(secret)}/duplicate").status_code == 404
    assert client.get(f"{detail_url(secret)}/edit").status_code == 404
    assert client.get("/programs/not-a-uuid").status_code == 404


def test_a_public_program_of_someone_else_has_no_edit_or_delete(client, member, exercises):
    other = make_program(UserFactory(username="coach", email_verified=True), exercises, visibility="public")
    html = _html(client.get(detail_url(other)))
    assert "@coach" in html
    assert "/edit" not in html
    assert "/delete" not in html
    assert client.get(f"{detail_url(other)}/edit").status_code == 403
    assert client.post(f"{detail_url(other)}/edit", {"name": "Mine now"}).status_code == 403
    assert client.post(f"{detail_url(other)}/delete").status_code == 403
    other.refresh_from_db()
    assert other.deleted_at is None
    assert other.name == "Strong Start"


def _detail_queries(client, member, exercises, days: int) -> int:
    template = make_program(member, exercises, days=days, name=f"{days} days")
    source = make_program(member, exercises, name="Source", visibility="public")
    WorkoutTemplate.objects.filter(pk=template.pk).update(forked_from=source)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(detail_url(template))
    assert response.status_code == 200
    assert "copied from" in _html(response)
    return len(queries)


def test_the_detail_query_count_does_not_grow_with_the_program(client, member, exercises):
    assert _detail_queries(client, member, exercises, 1) == _detail_queries(client, member, exercises, 6)


def test_the_copied_from_link_is_hidden_when_the_source_is_not_visible(client, member, exercises):
    source = make_program(UserFactory(email_verified=True), exercises, name="Their secret")
    copy_ = make_program(member, exercises)
    WorkoutTemplate.objects.filter(pk=copy_.pk).update(forked_from=source)
    html = _html(client.get(detail_url(copy_)))
    assert "Their secret" not in html
    assert "copied from" not in html


# --- buttons ------------------------------------------------------------------------------------


def test_favourite_then_unfavourite(client, member, exercises):
    template = make_program(UserFactory(email_verified=True), exercises, visibility="public")
    response = client.post(f"{detail_url(template)}/favorite")
    assert response.status_code == 302
    assert response["Location"] == detail_url(template)
    client.post(f"{detail_url(template)}/favorite")  # idempotent
    template.refresh_from_db()
    assert template.favorite_count == 1
    assert "Unfavourite" in _html(client.get(detail_url(template)))
    response = client.post(f"{detail_url(template)}/unfavorite", follow=True)
    template.refresh_from_db()
    assert template.favorite_count == 0
    assert "Favourite</button>" in _html(response)
    assert client.get(f"{detail_url(template)}/favorite").status_code == 405


def test_duplicate_opens_your_private_copy(client, member, exercises):
    source = make_program(
        UserFactory(email_verified=True), exercises, days=2, visibility="public", name="Their Plan"
    )
    response = client.post(f"{detail_url(source)}/duplicate")
    copy_ = WorkoutTemplate.objects.get(owner=member)
    assert response.status_code == 302
    assert response["Location"] == detail_url(copy_)
    assert copy_.forked_from == source
    assert copy_.visibility == "private"
    assert TemplateSet.objects.filter(template_exercise__day__template=copy_).count() == 2 * 3 * 3
    assert _messages(response) == ["This is your own private copy of “Their Plan”: change it as you like."]
    html = _html(client.get(detail_url(copy_)))
    assert f'copied from <a href="/programs/{source.public_id}">Their Plan</a>' in html


def test_delete_asks_first_then_deletes_softly(client, member, exercises):
    template = make_program(member, exercises, name="Old Plan")
    confirm = client.get(f"{detail_url(template)}/delete")
    assert confirm.status_code == 200
    assert "Delete “Old Plan”?" in _html(confirm)
    template.refresh_from_db()
    assert template.deleted_at is None
    response = client.post(f"{detail_url(template)}/delete")
    assert response.status_code == 302
    assert response["Location"] == "/programs/?tab=mine"
    template.refresh_from_db()
    assert template.deleted_at is not None
    assert client.get(detail_url(template)).status_code == 404


def test_rating_through_the_page(client, member, exercises):
    template = make_program(UserFactory(email_verified=True), exercises, visibility="public")
    response = client.post(f"{detail_url(template)}/rate", {"score": "4", "review": "Solid."})
    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(template)}#rating"
    template.refresh_from_db()
    assert template.rating_count == 1
    assert "You rated it 4 out of 5" in _html(client.get(detail_url(template)))
    bad = client.post(f"{detail_url(template)}/rate", {"score": "9"})
    assert bad.status_code == 400


def test_an_unverified_member_cannot_rate(client, exercises):
    client.force_login(UserFactory(email_verified=False))
    template = make_program(UserFactory(email_verified=True), exercises, visibility="public")
    assert "Confirm your e-mail address to rate programs" in _html(client.get(detail_url(template)))
    assert client.post(f"{detail_url(template)}/rate", {"score": "5"}).status_code == 403
    template.refresh_from_db()
    assert template.rating_count == 0


# --- builder ------------------------------------------------------------------------------------


def builder_data(days, *, version=None, **program_fields) -> dict[str, str]:
    """The builder's POST body: `days` is a list of (day fields, [row fields, ...])."""
    data = {
        "name": "Upper Lower",
        "description": "Two days.",
        "goal": "strength",
        "difficulty": "intermediate",
        "visibility": "private",
        "days_per_week": "2",
        "duration_weeks": "6",
        "tags": "barbell, split",
        "day_count": str(len(days)),
        **program_fields,
    }
    if version is not None:
        data["version"] = str(version)
    for d, (fields, rows) in enumerate(days):
        data.update({f"d{d}-{name}": value for name, value in fields.items()})
        data[f"d{d}-exercise_count"] = str(len(rows))
        for e, row in enumerate(rows):
            data.update({f"d{d}-e{e}-{name}": value for name, value in row.items()})
    return data


TWO_DAYS = [
    (
        {"name": "Upper", "focus": "Chest and back"},
        [
            {
                "exercise": "Bench Press",
                "sets": "2x10 warmup @40kg, 3x5 @80kg rest 3m",
                "rest_seconds": "150",
            },
            {
                "exercise": "push-up",  # the slug works too
                "sets": "3x8-12 @RPE8, 1xAMRAP",
                "superset_group": "a",
                "progression": "double",
                "increment_kg": "2.5",
                "notes": "Chest to the floor.",
            },
            {"exercise": "", "sets": "", "rest_seconds": "90", "progression": "none"},  # skipped
        ],
    ),
    ({"name": "Lower", "week": ""}, [{"exercise": "squat", "sets": "5x5 @75% tempo 3-1-1-0"}]),
]


def test_the_builder_creates_a_two_day_program(client, member, exercises):
    form = client.get(NEW)
    assert form.status_code == 200
    html = _html(form)
    assert '<datalist id="exercise-options">' in html
    assert '<option value="Bench Press" label="Chest">' in html
    assert "3x8-10 @RPE8, 1xAMRAP" in html  # the syntax is documented on the page
    response = client.post(NEW, builder_data(TWO_DAYS))
    template = WorkoutTemplate.objects.get(owner=member)
    assert response.status_code == 302
    assert response["Location"] == detail_url(template)
    assert _messages(response) == ["“Upper Lower” is saved."]
    assert (template.name, template.goal, template.difficulty) == ("Upper Lower", "strength", "intermediate")
    assert (template.days_per_week, template.duration_weeks, template.version) == (2, 6, 1)
    assert template.tags == ["barbell", "split"]
    days = list(template.days.order_by("index"))
    assert [(day.name, day.focus) for day in days] == [("Upper", "Chest and back"), ("Lower", "")]
    bench, push_up = days[0].exercises.order_by("order")
    assert bench.rest_seconds == 150
    assert [(s.set_type, s.reps_min, s.weight_kg, s.rest_seconds) for s in bench.sets.all()] == [
        ("warmup", 10, 40, None),
        ("warmup", 10, 40, None),
        ("working", 5, 80, 180),
        ("working", 5, 80, 180),
        ("working", 5, 80, 180),
    ]
    assert push_up.exercise.name == "Push-Up"
    assert push_up.superset_group == "A"
    assert push_up.progression == {"type": "double", "increment_kg": 2.5}
    assert push_up.notes == "Chest to the floor."
    assert [(s.set_type, s.reps_min, s.reps_max) for s in push_up.sets.all()][-1] == ("amrap", 1, 100)
    squat = days[1].exercises.get()
    assert [(s.percent_1rm, s.tempo) for s in squat.sets.all()] == [(75, "3-1-1-0")] * 5


def test_the_builder_edits_a_program_and_raises_its_version(client, member, exercises):
    client.post(NEW, builder_data(TWO_DAYS))
    template = WorkoutTemplate.objects.get(owner=member)
    edit_url = f"{detail_url(template)}/edit"
    form = client.get(edit_url)
    html = _html(form)
    assert 'name="version" value="1"' in html
    assert 'value="2x10 warmup @40kg, 3x5 @80kg rest 180s"' in html
    assert 'value="3x8-12 @RPE8, 1xAMRAP"' in html
    assert 'value="Push-Up"' in html
    days = [
        ({"name": "Upper"}, [{"exercise": "Bench Press", "sets": "4x6"}]),
        ({"name": "Lower"}, [{"exercise": "Squat", "sets": "3x5"}]),
        ({"name": "Arms"}, [{"exercise": "Push-Up", "sets": "2x20"}]),
    ]
    response = client.post(edit_url, builder_data(days, version=1, days_per_week="3"))
    assert response.status_code == 302
    assert _messages(response) == ["“Upper Lower” is saved (version 2)."]
    template.refresh_from_db()
    assert template.version == 2
    assert template.days_per_week == 3
    assert [day.name for day in template.days.order_by("index")] == ["Upper", "Lower", "Arms"]
    assert TemplateSet.objects.filter(template_exercise__day__template=template).count() == 4 + 3 + 2


def test_the_builder_shows_a_set_error_where_it_belongs_and_writes_nothing(client, member, exercises):
    days = [
        ({"name": "Upper"}, [{"exercise": "Bench Press", "sets": "3x8"}]),
        (
            {"name": "Lower"},
            [{"exercise": "Squat", "sets": "3x5"}, {"exercise": "Squat", "sets": "2x5, 1x10-8"}],
        ),
    ]
    response = client.post(NEW, builder_data(days))
    assert response.status_code == 400
    assert not WorkoutTemplate.objects.exists()
    assert not TemplateDay.objects.exists()
    builder = response.context["builder"]
    row = builder.days[1].rows[1].form
    assert row.errors["sets"] == ["Set 3 (“1x10-8”): reps_max: Must be at least reps_min."]
    assert not builder.days[1].rows[0].form.errors
    assert [(line.where, line.message) for line in builder.summary] == [
        (f"Day 2{SEP}Exercise 2", "Set 3 (“1x10-8”): reps_max: Must be at least reps_min.")
    ]
    html = _html(response)
    assert 'href="#id_d1-e1-sets"' in html
    assert 'value="2x5, 1x10-8"' in html  # what was typed is kept


def test_the_builder_reports_several_errors_by_place(client, member, exercises):
    days = [
        (
            {"name": "Upper"},
            [
                {"exercise": "Bench Pres", "sets": "3x8"},
                {"exercise": "Squat", "sets": "3x8 @RPE12, 3xeight"},
                {"exercise": "Squat", "sets": "4x8-10 @RPE11", "progression": "linear"},
            ],
        ),
    ]
    response = client.post(NEW, builder_data(days, days_per_week="9", name=""))
    assert response.status_code == 400
    assert not WorkoutTemplate.objects.exists()
    summary = [(line.where, line.message) for line in response.context["builder"].summary]
    assert (
        f"Day 1{SEP}Exercise 1{SEP}Exercise",
        "No exercise called “Bench Pres” in the library. Did you mean “Bench Press”?",
    ) in summary
    assert (
        f"Day 1{SEP}Exercise 2{SEP}Sets",
        "“3xeight”: start with the reps, e.g. 3x8, 8-10, 5+ or AMRAP.",
    ) in summary
    assert ("Program name", "This field may not be blank.") in summary
    assert ("Days per week", "Ensure this value is less than or equal to 7.") in summary
    assert (
        f"Day 1{SEP}Exercise 3",
        f"Sets 1{EN_DASH}4 (“4x8-10 @RPE11”): rpe: Ensure this value is less than or equal to 10.",
    ) in summary
    assert (f"Day 1{SEP}Exercise 3{SEP}Add (kg)", "A linear progression needs increment_kg.") in summary


def test_a_stale_version_asks_to_reload_and_keeps_the_newer_program(client, member, exercises):
    client.post(NEW, builder_data(TWO_DAYS))
    template = WorkoutTemplate.objects.get(owner=member)
    edit_url = f"{detail_url(template)}/edit"
    days = [({"name": "Only day"}, [{"exercise": "Squat", "sets": "3x5"}])]
    assert client.post(edit_url, builder_data(days, version=1, name="From the phone")).status_code == 302
    response = client.post(edit_url, builder_data(days, version=1, name="From the laptop"))
    assert response.status_code == 409
    html = _html(response)
    assert "This program changed since you opened it" in html
    assert "now at version 2" in html
    assert f'<a href="{edit_url}">Reload the program</a>' in html
    template.refresh_from_db()
    assert (template.name, template.version) == ("From the phone", 2)


def test_add_and_remove_buttons_rerender_without_saving(client, member, exercises):
    data = builder_data(TWO_DAYS[:1])
    response = client.post(NEW, {**data, "add": "d0"})
    assert response.status_code == 200
    assert not WorkoutTemplate.objects.exists()
    builder = response.context["builder"]
    assert len(builder.days[0].rows) == 4
    assert 'id="id_d0-e3-exercise"' in _html(response)
    assert "autofocus" in str(builder.days[0].rows[3].form["exercise"])
    assert builder.days[0].rows[0].form["sets"].value() == "2x10 warmup @40kg, 3x5 @80kg rest 3m"

    response = client.post(NEW, {**data, "add": "day"})
    assert len(response.context["builder"].days) == 2

    response = client.post(NEW, {**data, "remove": "d0-e0"})
    rows = response.context["builder"].days[0].rows
    assert [row.form["exercise"].value() for row in rows] == ["push-up", ""]

    response = client.post(NEW, {**data, "up": "d0-e1"})
    rows = response.context["builder"].days[0].rows
    assert [row.form["exercise"].value() for row in rows] == ["push-up", "Bench Press", ""]

    response = client.post(NEW, {**data, "remove": "d0"})
    assert response.context["builder"].days == []
    assert not WorkoutTemplate.objects.exists()


def test_a_member_cannot_publish_before_confirming_their_address(client, exercises):
    member = UserFactory(email_verified=False)
    client.force_login(member)
    response = client.post(NEW, builder_data(TWO_DAYS, visibility="public"))
    assert response.status_code == 400
    assert response.context["builder"].program_form.errors["visibility"] == [
        "Confirm your e-mail address before publishing a program."
    ]
    assert not WorkoutTemplate.objects.exists()


# --- the set syntax -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("3x8-10 @RPE8, 1xAMRAP", [("working", 8, 10, {"rpe": "8"})] * 3 + [("amrap", 1, 100, {})]),
        ("5", [("working", 5, 5, {})]),
        ("1x5+ @85%", [("amrap", 5, 100, {"percent_1rm": "85"})]),
        ("2 x 8 @ 100 lb", [("working", 8, 8, {"weight_kg": "45.36"})] * 2),
        ("1x10 warm-up rest 1:30", [("warmup", 10, 10, {"rest_seconds": 90})]),
        ("1x12 drop; 1x8 to failure", [("drop", 12, 12, {}), ("failure", 8, 8, {})]),
        ("1x6 tempo 3-x-1-0 @8.5 rpe", [("working", 6, 6, {"tempo": "3-X-1-0", "rpe": "8.5"})]),
    ],
)
def test_sets_are_read_from_their_text(spec, expected):
    parsed = parse_sets(spec)
    assert parsed.errors == []
    got = [
        (
            s["set_type"],
            s["reps_min"],
            s["reps_max"],
            {k: v for k, v in s.items() if k not in {"set_type", "reps_min", "reps_max"}},
        )
        for s in parsed.sets
    ]
    assert got == expected


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("3x8 heavy", "“3x8 heavy”: “heavy” is not something a set can have (see the syntax below)."),
        ("3x8 @80kg @90kg", "“3x8 @80kg @90kg” gives the weight twice."),
        ("0x5", "“0x5”: give at least one set."),
        ("21x5", "“21x5”: an exercise has at most 20 sets."),
    ],
)
def test_unreadable_sets_say_why(spec, error):
    assert parse_sets(spec).errors == [error]


@pytest.mark.parametrize(
    "spec",
    [
        "3x8-10 @RPE8, 1xAMRAP",
        "2x10 warmup @40kg, 3x5 @100kg rest 180s",
        "1x5+ @85%",
        "1x1-20 amrap",
        "4x6 @75% tempo 3-1-1-0",
    ],
)
def test_formatting_sets_gives_back_what_was_typed(spec):
    assert format_sets(parse_sets(spec).sets) == spec


def test_the_builder_offers_every_progression_the_api_takes():
    assert [key for key, _label in PROGRESSION_CHOICES] == PROGRESSION_TYPES


def test_a_program_with_someone_elses_draft_cannot_be_copied_and_says_why(client, member, exercises):
    author = UserFactory(email_verified=True)
    draft = ExerciseFactory(name="Author's Idea", status="pending", created_by=author)
    source = make_program(author, [*exercises, draft], visibility="public", name="Their Plan")
    response = client.post(f"{detail_url(source)}/duplicate")
    assert response.status_code == 302
    assert response["Location"] == detail_url(source)
    assert "cannot be copied yet" in _messages(response)[0]
    assert not WorkoutTemplate.objects.filter(owner=member).exists()


def test_the_builder_keeps_an_exercise_soft_deleted_since(client, member, exercises):
    from django.utils import timezone

    client.post(NEW, builder_data(TWO_DAYS))
    template = WorkoutTemplate.objects.get(owner=member)
    Exercise.objects.filter(name="Squat").update(deleted_at=timezone.now())
    days = [({"name": "Lower"}, [{"exercise": "Squat", "sets": "3x5"}])]
    response = client.post(f"{detail_url(template)}/edit", builder_data(days, version=1, days_per_week="1"))
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.version == 2
    new = client.post(NEW, builder_data(days, name="Fresh", days_per_week="1"))
    assert new.status_code == 400
    assert not WorkoutTemplate.objects.filter(name="Fresh").exists()
