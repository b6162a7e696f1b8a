"""Community pages: the feed with its post form, one activity with its thread, and their buttons."""

import pytest
from django.test import Client

from community.models import Activity, BannedTerm, Comment, Like, Report
from tests.community import make_friends, post, verified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_need_a_login():
    activity = post(verified(), visibility="public")
    for path in ["/community/", f"/community/activities/{activity.public_id}"]:
        response = Client().get(path)
        assert response.status_code == 302
        assert "/accounts/login" in response["Location"]


def test_the_feed_shows_friends_posts_with_like_and_comment_buttons(django_assert_max_num_queries):
    viewer, friend = verified(), verified()
    make_friends(viewer, friend)
    activity = post(friend, text="Deadlift day")
    client = signed_in(viewer)
    with django_assert_max_num_queries(14):
        response = client.get("/community/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Deadlift day" in html
    assert f"/api/v1/community/activities/{activity.public_id}/like" in html
    assert 'name="text"' in html
    assert "js/community.js" in html


def test_posting_from_the_page_redirects_to_the_feed():
    client = signed_in(verified())
    response = client.post("/community/post", {"text": "From the page", "visibility": "public"})
    assert response.status_code == 302
    assert response["Location"] == "/community/"
    assert Activity.objects.get().text == "From the page"


def test_the_filter_reason_is_shown_on_the_page():
    BannedTerm.objects.create(term="spam")
    client = signed_in(verified())
    response = client.post("/community/post", {"text": "spam spam"}, follow=True)
    assert "not allowed" in response.content.decode()
    assert not Activity.objects.exists()


def test_unverified_members_cannot_post_from_the_page():
    client = signed_in(UserFactory())
    client.post("/community/post", {"text": "hello"})
    assert not Activity.objects.exists()


def test_like_and_unlike_without_javascript():
    activity = post(verified(), visibility="public")
    client = signed_in(verified())
    response = client.post(f"/community/activities/{activity.public_id}/like", {"next": "/community/"})
    assert response.status_code == 302
    assert response["Location"] == "/community/"
    assert Like.objects.count() == 1
    client.post(f"/community/activities/{activity.public_id}/unlike")
    assert not Like.objects.exists()


def test_text_with_a_nul_character_is_a_400_and_stores_nothing():
    activity = post(verified(), visibility="public")
    client = signed_in(verified())
    response = client.post("/community/post", {"text": "bad\x00text", "visibility": "public"})
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    response = client.post(f"/community/activities/{activity.public_id}/comment", {"text": "a\x00b"})
    assert response.status_code == 400
    response = client.post(
        "/community/report",
        {"target_type": "activity", "target_id": str(activity.public_id), "reason": "\x00"},
    )
    assert response.status_code == 400
    assert Activity.objects.count() == 1
    assert not Comment.objects.exists()
    assert not Report.objects.exists()


def test_unverified_members_cannot_like_or_report_from_the_page():
    activity = post(verified(), visibility="public")
    client = signed_in(UserFactory(email_verified=False))
    client.post(f"/community/activities/{activity.public_id}/like")
    client.post("/community/report", {"target_type": "activity", "target_id": str(activity.public_id)})
    assert not Like.objects.exists()
    assert not Report.objects.exists()


def test_like_ignores_a_foreign_next_url():
    activity = post(verified(), visibility="public")
    response = signed_in(verified()).post(
        f"/community/activities/{activity.public_id}/like", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/community/activities/{activity.public_id}"


def test_comment_and_reply_from_the_detail_page():
    activity = post(verified(), visibility="public")
    client = signed_in(verified())
    response = client.post(f"/community/activities/{activity.public_id}/comment", {"text": "Strong!"})
    comment = Comment.objects.get()
    assert response["Location"].endswith(f"#comment-{comment.public_id}")
    client.post(
        f"/community/activities/{activity.public_id}/comment",
        {"text": "Reply", "parent_id": str(comment.public_id)},
    )
    page = client.get(f"/community/activities/{activity.public_id}").content.decode()
    assert "Strong!" in page
    assert "Reply" in page
    assert f'id="comment-{comment.public_id}"' in page


def test_a_friends_only_activity_is_not_found_for_strangers():
    activity = post(verified(), visibility="friends")
    assert signed_in(verified()).get(f"/community/activities/{activity.public_id}").status_code == 404
    assert signed_in(verified()).post(f"/community/activities/{activity.public_id}/like").status_code == 404


def test_report_and_delete_buttons():
    author, other = verified(), verified()
    activity = post(author, visibility="public")
    response = signed_in(other).post(
        "/community/report",
        {"target_type": "activity", "target_id": str(activity.public_id), "reason": "rude"},
    )
    assert response.status_code == 302
    assert Report.objects.count() == 1
    signed_in(other).post(f"/community/activities/{activity.public_id}/delete")
    activity.refresh_from_db()
    assert activity.deleted_at is None
    signed_in(author).post(f"/community/activities/{activity.public_id}/delete")
    activity.refresh_from_db()
    assert activity.deleted_at is not None


def test_deleting_a_comment_from_the_page():
    activity = post(verified(), visibility="public")
    writer = verified()
    comment = Comment.objects.create(activity=activity, author=writer, text="oops")
    response = signed_in(writer).post(f"/community/comments/{comment.public_id}/delete")
    assert response["Location"] == f"/community/activities/{activity.public_id}"
    comment.refresh_from_db()
    assert comment.deleted_at is not None
