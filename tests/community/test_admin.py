"""Moderation in the admin: the report queue and its actions, content actions, terms, restrictions."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.utils import timezone

from community.models import Activity, BannedTerm, Comment, MemberRestriction, ModerationAction, Report
from community.moderation import content_check, report_create
from tests.community import post, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client():
    """A moderator signed in to the admin: staff, in the `moderator` group, no superuser rights."""
    moderator = verified(roles=["moderator"], is_staff=True)
    client = Client()
    client.force_login(moderator)
    client.user = moderator
    return client


def hidden_by_reports(activity: Activity) -> list[Report]:
    reports = [
        report_create(
            reporter=verified(), target_type="activity", target_id=activity.public_id, reason="spam"
        )[0]
        for _ in range(3)
    ]
    activity.refresh_from_db()
    assert activity.is_hidden
    return reports


def run_action(client, model: str, action: str, pks) -> None:
    response = client.post(
        f"/admin/community/{model}/", {"action": action, ACTION_CHECKBOX_NAME: [str(pk) for pk in pks]}
    )
    assert response.status_code == 302, response.content[:500]


def test_a_moderator_restores_reported_content_from_the_queue(moderator_client, auth_client):
    activity = post(verified(), visibility="public")
    reports = hidden_by_reports(activity)
    assert (
        auth_client(verified()).get(f"/api/v1/community/activities/{activity.public_id}").status_code == 404
    )
    run_action(moderator_client, "report", "restore_targets", [report.pk for report in reports])
    activity.refresh_from_db()
    assert not activity.is_hidden
    assert set(Report.objects.values_list("status", "resolved_by")) == {
        ("dismissed", moderator_client.user.pk)
    }
    audit = ModerationAction.objects.get(action="restore")
    assert (audit.moderator, audit.target_type, audit.target_id) == (
        moderator_client.user,
        "activity",
        activity.public_id,
    )
    assert (
        auth_client(verified()).get(f"/api/v1/community/activities/{activity.public_id}").status_code == 200
    )


def test_the_queue_groups_open_reports_by_target_with_counts(moderator_client, django_assert_max_num_queries):
    busy = post(verified(), text="reported thrice", visibility="public")
    hidden_by_reports(busy)
    quiet = post(verified(), text="reported once", visibility="public")
    report_create(reporter=verified(), target_type="activity", target_id=quiet.public_id, reason="meh")
    with django_assert_max_num_queries(12):
        response = moderator_client.get("/admin/community/report/", {"status__exact": "open"})
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [row.open_on_target for row in rows] == [3, 3, 3, 1]
    assert rows[-1].activity_text == "reported once"


def test_hide_and_delete_from_the_queue_uphold_the_reports(moderator_client):
    activity = post(verified(), visibility="public")
    report, _ = report_create(
        reporter=verified(), target_type="activity", target_id=activity.public_id, reason="x"
    )
    run_action(moderator_client, "report", "hide_targets", [report.pk])
    activity.refresh_from_db()
    assert activity.is_hidden
    assert Report.objects.get().status == "upheld"
    other = post(verified(), visibility="public")
    report, _ = report_create(
        reporter=verified(), target_type="activity", target_id=other.public_id, reason="x"
    )
    run_action(moderator_client, "report", "delete_targets", [report.pk])
    other.refresh_from_db()
    assert other.deleted_at is not None
    assert list(ModerationAction.objects.order_by("pk").values_list("action", flat=True)) == [
        "hide",
        "delete",
    ]


def test_dismissing_leaves_the_content_as_it_is(moderator_client):
    activity = post(verified(), visibility="public")
    report, _ = report_create(
        reporter=verified(), target_type="activity", target_id=activity.public_id, reason="x"
    )
    run_action(moderator_client, "report", "dismiss_reports", [report.pk])
    activity.refresh_from_db()
    assert not activity.is_hidden
    assert activity.deleted_at is None
    assert Report.objects.get().status == "dismissed"
    assert ModerationAction.objects.get().action == "dismiss"


def test_activity_and_comment_actions_are_audited(moderator_client):
    activity = post(verified(), visibility="public")
    comment = Comment.objects.create(activity=activity, author=verified(), text="hmm")
    Activity.objects.filter(pk=activity.pk).update(comment_count=1)
    run_action(moderator_client, "activity", "hide_selected", [activity.pk])
    run_action(moderator_client, "activity", "restore_selected", [activity.pk])
    run_action(moderator_client, "comment", "delete_selected_softly", [comment.pk])
    comment.refresh_from_db()
    activity.refresh_from_db()
    assert comment.deleted_at is not None
    assert activity.comment_count == 0
    assert not activity.is_hidden
    assert list(ModerationAction.objects.order_by("pk").values_list("action", "target_type")) == [
        ("hide", "activity"),
        ("restore", "activity"),
        ("delete", "comment"),
    ]


def test_activity_list_filters_and_search(moderator_client):
    post(verified(), text="findable needle", visibility="public")
    post(verified(), text="other", visibility="public", is_hidden=True)
    response = moderator_client.get("/admin/community/activity/", {"q": "needle"})
    assert [row.text for row in response.context["cl"].result_list] == ["findable needle"]
    response = moderator_client.get("/admin/community/activity/", {"is_hidden__exact": "1"})
    assert [row.text for row in response.context["cl"].result_list] == ["other"]


def test_a_banned_term_added_in_the_admin_applies_at_once(
    moderator_client, django_capture_on_commit_callbacks
):
    author = verified()
    content_check(author=author, text="buy crypto", kind="post")  # caches the (empty) list
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(
            "/admin/community/bannedterm/add/", {"term": "Crypto", "is_active": "on"}
        )
    assert response.status_code == 302
    assert BannedTerm.objects.get().term == "Crypto"
    with pytest.raises(Exception, match="not allowed"):
        content_check(author=author, text="buy crypto", kind="post")


def test_a_restriction_set_in_the_admin_is_audited(moderator_client, auth_client):
    member = verified()
    until = timezone.now() + timedelta(days=2)
    response = moderator_client.post(
        "/admin/community/memberrestriction/add/",
        {
            "user": member.pk,
            "muted_until_0": until.strftime("%Y-%m-%d"),
            "muted_until_1": until.strftime("%H:%M:%S"),
            "reason": "heated thread",
        },
    )
    assert response.status_code == 302, response.content[:800]
    assert MemberRestriction.objects.get(user=member).muted_until is not None
    audit = ModerationAction.objects.get()
    assert (audit.action, audit.target_id, audit.moderator) == (
        "restrict",
        member.public_id,
        moderator_client.user,
    )
    assert "heated thread" in audit.reason
    response = auth_client(member).post("/api/v1/community/activities", {"text": "hello"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "muted"


def test_the_audit_trail_is_read_only(moderator_client):
    assert moderator_client.get("/admin/community/moderationaction/").status_code == 200
    assert moderator_client.get("/admin/community/moderationaction/add/").status_code == 403


def test_members_without_a_role_cannot_open_the_queue():
    client = Client()
    client.force_login(verified(is_staff=True))
    assert client.get("/admin/community/report/").status_code == 403
