"""The content filter, reports and the hiding threshold, and moderators' decisions."""

import pytest
from django.test import override_settings

from community.models import Activity, BannedTerm, Comment, ModerationAction, Report
from community.moderation import content_moderate, normalize_text
from tests.community import block, make_friends, post, verified
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/community"


def create_post(client, text, **extra):
    return client.post(f"{URL}/activities", {"text": text, **extra}, format="json")


# --- content filter ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Buy cheap PILLS now", "pills!!", "Pïlls here", "best   pills"])
def test_a_banned_term_is_refused_with_its_reason_code(auth_client, text):
    BannedTerm.objects.create(term="pills")
    response = create_post(auth_client(verified()), text)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "banned_term"
    assert not Activity.objects.exists()


def test_a_banned_term_matches_whole_words_only(auth_client):
    BannedTerm.objects.create(term="ass")
    assert create_post(auth_client(verified()), "Great class, massive pump").status_code == 201


def test_a_banned_phrase_matches_across_punctuation(auth_client):
    BannedTerm.objects.create(term="free money")
    response = create_post(auth_client(verified()), "Get FREE-money today")
    assert response.json()["error"]["code"] == "banned_term"


def test_inactive_terms_are_allowed(auth_client):
    BannedTerm.objects.create(term="pills", is_active=False)
    assert create_post(auth_client(verified()), "pills").status_code == 201


def test_a_banned_term_in_a_comment_is_refused(auth_client):
    BannedTerm.objects.create(term="spam")
    activity = post(verified(), visibility="public")
    response = auth_client(verified()).post(
        f"{URL}/activities/{activity.public_id}/comment", {"text": "SPAM"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "banned_term"
    assert not Comment.objects.exists()


def test_more_than_two_links_is_link_spam(auth_client):
    client = auth_client(verified())
    assert create_post(client, "see https://a.example and www.b.example").status_code == 201
    response = create_post(client, "https://a.example http://b.example www.c.example")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_links"


def test_the_same_text_twice_within_ten_minutes_is_a_duplicate(auth_client):
    client = auth_client(verified())
    assert create_post(client, "Morning run done").status_code == 201
    response = create_post(client, "morning RUN done!")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "duplicate_post"
    assert create_post(auth_client(verified()), "Morning run done").status_code == 201  # someone else may


def test_a_repeated_comment_on_the_same_activity_is_a_duplicate(auth_client):
    activity = post(verified(), visibility="public")
    client = auth_client(verified())
    path = f"{URL}/activities/{activity.public_id}/comment"
    assert client.post(path, {"text": "Great work"}).status_code == 201
    response = client.post(path, {"text": "great work"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "duplicate_comment"


@override_settings(
    REST_FRAMEWORK={
        **__import__("django.conf").conf.settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **__import__("django.conf").conf.settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "post": "2/min",
        },
    }
)
def test_the_post_throttle_limits_posting_rate(auth_client):
    client = auth_client(verified())
    assert create_post(client, "one").status_code == 201
    assert create_post(client, "two").status_code == 201
    response = create_post(client, "three")
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert client.get(f"{URL}/activities").status_code == 200  # reading is not counted


def test_normalisation_folds_case_accents_and_punctuation():
    assert normalize_text("  \uff33p\u00e5m\u2014SPAM!! ") == "spam spam"  # fullwidth S, a ring, em dash


# --- reports -----------------------------------------------------------------------------------------


def report(client, target_type, target_id, reason="abuse"):
    return client.post(
        f"{URL}/reports",
        {"target_type": target_type, "target_id": str(target_id), "reason": reason},
        format="json",
    )


def test_a_report_answers_201_then_200_when_repeated(auth_client):
    activity = post(verified(), visibility="public")
    client = auth_client(verified())
    first = report(client, "activity", activity.public_id)
    assert first.status_code == 201
    assert first.json()["status"] == "open"
    assert first.json()["target_type"] == "activity"
    again = report(client, "activity", activity.public_id)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    activity.refresh_from_db()
    assert activity.report_count == 1
    assert Report.objects.count() == 1


def test_you_can_only_report_what_you_can_see(auth_client):
    author, stranger, blocked = verified(), verified(), verified()
    block(author, blocked)
    friends_only = post(author, visibility="friends")
    assert report(auth_client(stranger), "activity", friends_only.public_id).status_code == 404
    public = post(author, visibility="public")
    assert report(auth_client(blocked), "activity", public.public_id).status_code == 404
    assert report(auth_client(stranger), "user", blocked.public_id).status_code == 201
    assert report(auth_client(author), "user", author.public_id).status_code == 400
    assert not Report.objects.filter(target_type="activity").exists()


def test_exercises_and_programs_can_be_reported(auth_client):
    exercise = ExerciseFactory()
    client = auth_client(verified())
    assert report(client, "exercise", exercise.public_id).status_code == 201
    assert report(client, "template", exercise.public_id).status_code == 404


def test_three_distinct_reports_hide_an_activity_from_everyone_but_moderators(auth_client):
    author, friend, moderator = verified(), verified(), verified(roles=["moderator"])
    make_friends(author, friend)
    activity = post(author, visibility="public")
    reporters = [verified() for _ in range(3)]
    for reporter in reporters[:2]:
        report(auth_client(reporter), "activity", activity.public_id)
    report(auth_client(reporters[0]), "activity", activity.public_id)  # a repeat does not count twice
    path = f"{URL}/activities/{activity.public_id}"
    assert auth_client(friend).get(path).status_code == 200
    report(auth_client(reporters[2]), "activity", activity.public_id)
    activity.refresh_from_db()
    assert activity.is_hidden
    assert activity.report_count == 3
    for viewer in [friend, verified(), *reporters]:
        assert auth_client(viewer).get(path).status_code == 404
        assert auth_client(viewer).get(f"{URL}/activities").json()["results"] == []
    moderator_view = auth_client(moderator).get(path)
    assert moderator_view.status_code == 200
    assert moderator_view.json()["is_hidden"] is True
    author_view = auth_client(author).get(path)  # the author sees it, marked
    assert author_view.status_code == 200
    assert author_view.json()["is_hidden"] is True
    assert ModerationAction.objects.get().action == "auto_hide"


@override_settings(FITAI_REPORT_HIDE_THRESHOLD=2)
def test_the_threshold_is_a_setting(auth_client):
    activity = post(verified(), visibility="public")
    for _ in range(2):
        report(auth_client(verified()), "activity", activity.public_id)
    activity.refresh_from_db()
    assert activity.is_hidden


def test_reported_comments_hide_too_and_keep_their_replies_place(auth_client):
    author = verified()
    activity = post(author, visibility="public")
    writer = auth_client(verified())
    parent = writer.post(f"{URL}/activities/{activity.public_id}/comment", {"text": "rude"}).json()
    auth_client(author).post(
        f"{URL}/activities/{activity.public_id}/comment", {"text": "please stop", "parent_id": parent["id"]}
    )
    for _ in range(3):
        report(auth_client(verified()), "comment", parent["id"])
    rows = auth_client(verified()).get(f"{URL}/activities/{activity.public_id}/comments").json()["results"]
    assert [(row["text"], row["is_removed"]) for row in rows] == [("", True), ("please stop", False)]
    moderator_rows = auth_client(verified(roles=["moderator"])).get(
        f"{URL}/activities/{activity.public_id}/comments"
    )
    assert moderator_rows.json()["results"][0]["text"] == "rude"


def test_a_restore_unhides_and_dismisses_the_reports(auth_client):
    activity = post(verified(), visibility="public")
    for _ in range(3):
        report(auth_client(verified()), "activity", activity.public_id)
    moderator = verified(roles=["moderator"])
    content_moderate(
        moderator=moderator, target_type="activity", target_id=activity.public_id, action="restore"
    )
    activity.refresh_from_db()
    assert not activity.is_hidden
    assert set(Report.objects.values_list("status", flat=True)) == {"dismissed"}
    assert ModerationAction.objects.filter(action="restore", moderator=moderator).count() == 1
    assert auth_client(verified()).get(f"{URL}/activities/{activity.public_id}").status_code == 200


def test_reporting_needs_a_confirmed_address(auth_client):
    activity = post(verified(), visibility="public")
    response = report(auth_client(UserFactory(email_verified=False)), "activity", activity.public_id)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_not_verified"
    assert not Report.objects.exists()


def test_only_verified_living_reporters_count_toward_hiding(auth_client):
    activity = post(verified(), visibility="public")
    for reporter in (UserFactory(email_verified=False), None):  # from before the rule; an erased one
        Report.objects.create(reporter=reporter, target_type="activity", target_id=activity.public_id)
    assert report(auth_client(verified()), "activity", activity.public_id).status_code == 201
    assert report(auth_client(verified()), "activity", activity.public_id).status_code == 201
    activity.refresh_from_db()
    assert not activity.is_hidden
    assert report(auth_client(verified()), "activity", activity.public_id).status_code == 201
    activity.refresh_from_db()
    assert activity.is_hidden


def test_reporting_again_once_hidden_answers_200_with_the_report(auth_client):
    activity = post(verified(), visibility="public")
    clients = [auth_client(verified()) for _ in range(3)]
    first = [report(client, "activity", activity.public_id).json()["id"] for client in clients]
    activity.refresh_from_db()
    assert activity.is_hidden
    again = report(clients[0], "activity", activity.public_id)
    assert (again.status_code, again.json()["id"]) == (200, first[0])


def test_authors_cannot_report_their_own_activity_or_comment(auth_client):
    author = verified()
    activity = post(author, visibility="public")
    comment = Comment.objects.create(activity=activity, author=author, text="mine")
    client = auth_client(author)
    for target_type, target_id in (("activity", activity.public_id), ("comment", comment.public_id)):
        response = report(client, target_type, target_id)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "self_report"
    assert not Report.objects.exists()


@override_settings(
    REST_FRAMEWORK={
        **__import__("django.conf").conf.settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **__import__("django.conf").conf.settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "post": "2/min",
        },
    }
)
def test_reports_are_throttled_on_their_own_counter(auth_client):
    client = auth_client(verified())
    targets = [post(verified(), visibility="public") for _ in range(3)]
    assert [report(client, "activity", t.public_id).status_code for t in targets] == [201, 201, 429]
    assert create_post(client, "still allowed to post").status_code == 201


def test_a_banned_term_saved_outside_the_admin_applies_at_once(
    auth_client, django_capture_on_commit_callbacks
):
    client = auth_client(verified())
    assert create_post(client, "first pills").status_code == 201  # the (empty) list is now cached
    with django_capture_on_commit_callbacks(execute=True):
        term = BannedTerm.objects.create(term="pills")
    assert create_post(client, "more pills").json()["error"]["code"] == "banned_term"
    with django_capture_on_commit_callbacks(execute=True):
        term.delete()
    assert create_post(client, "pills again").status_code == 201
