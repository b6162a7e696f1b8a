"""The staff audit log: custom admin actions leave a `LogEntry`, and the log itself is read-only."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from community.models import Activity, Comment, Report
from community.moderation import report_create
from tests.community import post, verified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOG_URL = "/admin/admin/logentry/"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def moderator_client() -> Client:
    """A moderator in the admin: staff, in the `moderator` group, no superuser rights."""
    return signed_in(verified(username="mod", roles=["moderator"], is_staff=True))


@pytest.fixture
def superuser_client() -> Client:
    return signed_in(UserFactory(username="root", is_staff=True, is_superuser=True))


def run_action(client: Client, url: str, action: str, pks) -> None:
    response = client.post(url, {"action": action, ACTION_CHECKBOX_NAME: [str(pk) for pk in pks]})
    assert response.status_code == 302, response.content[:500]


def entries_for(obj) -> list[tuple[int, str, str]]:
    content_type = ContentType.objects.get_for_model(obj)
    rows = LogEntry.objects.filter(content_type=content_type, object_id=str(obj.pk)).order_by("pk")
    return [(entry.action_flag, entry.user.username, entry.get_change_message()) for entry in rows]


# --- custom actions leave an entry ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("hide_selected", "Hidden by a moderator; open reports upheld."),
        ("restore_selected", "Restored by a moderator; open reports dismissed."),
        ("delete_selected_softly", "Soft-deleted by a moderator; open reports upheld."),
    ],
)
def test_a_moderators_content_action_is_in_the_audit_log(moderator_client, action, message):
    first, second = post(verified(), visibility="public"), post(verified(), visibility="public")
    untouched = post(verified(), visibility="public")
    run_action(moderator_client, "/admin/community/activity/", action, [first.pk, second.pk])
    assert entries_for(first) == entries_for(second) == [(CHANGE, "mod", message)]
    assert entries_for(untouched) == []


def test_hiding_a_comment_from_the_admin_is_in_the_audit_log(moderator_client):
    activity = post(verified(), visibility="public")
    comment = Comment.objects.create(activity=activity, author=verified(), text="rude words")
    run_action(moderator_client, "/admin/community/comment/", "hide_selected", [comment.pk])
    comment.refresh_from_db()
    assert comment.is_hidden
    assert entries_for(comment) == [(CHANGE, "mod", "Hidden by a moderator; open reports upheld.")]


def test_deciding_reports_from_the_queue_logs_each_selected_report(moderator_client):
    activity = post(verified(), visibility="public")
    reports = [
        report_create(
            reporter=verified(), target_type="activity", target_id=activity.public_id, reason="spam"
        )[0]
        for _ in range(2)
    ]
    run_action(moderator_client, "/admin/community/report/", "delete_targets", [r.pk for r in reports])
    activity.refresh_from_db()
    assert activity.deleted_at is not None
    expected = f"Soft-deleted the reported activity {activity.public_id}; reports upheld."
    for report in reports:
        assert entries_for(report) == [(CHANGE, "mod", expected)]


def test_dismissing_reports_is_logged_with_the_content_left_alone(moderator_client):
    activity = post(verified(), visibility="public")
    report = report_create(
        reporter=verified(), target_type="activity", target_id=activity.public_id, reason="meh"
    )[0]
    run_action(moderator_client, "/admin/community/report/", "dismiss_reports", [report.pk])
    assert Report.objects.get(pk=report.pk).status == Report.Status.DISMISSED
    assert entries_for(report) == [
        (CHANGE, "mod", f"Left the reported activity {activity.public_id} unchanged; reports dismissed.")
    ]


def test_resending_a_verification_email_is_in_the_audit_log(superuser_client):
    unverified = UserFactory(email_verified=False)
    already = UserFactory(email_verified=True)
    run_action(
        superuser_client, "/admin/accounts/user/", "resend_verification_email", [unverified.pk, already.pk]
    )
    assert entries_for(unverified) == [(CHANGE, "root", "Verification e-mail resent.")]
    assert entries_for(already) == []


def test_an_ordinary_member_cannot_run_a_moderation_action_nor_leave_an_entry():
    activity = post(verified(), visibility="public")
    client = signed_in(verified())
    response = client.post(
        "/admin/community/activity/", {"action": "hide_selected", ACTION_CHECKBOX_NAME: [activity.pk]}
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/")
    activity.refresh_from_db()
    assert not activity.is_hidden
    assert not LogEntry.objects.exists()


# --- the audit log in the admin -------------------------------------------------------------------


def log_some(user: User, count: int) -> list[Activity]:
    """`count` activities, each with an entry of each kind, as the admin would write them."""
    activities = [post(verified(), text=f"post {n}", visibility="public") for n in range(count)]
    content_type = ContentType.objects.get_for_model(Activity)
    for activity in activities:
        for flag, message in [(ADDITION, "[]"), (CHANGE, "Hidden by a moderator."), (DELETION, "")]:
            LogEntry.objects.create(
                user=user,
                content_type=content_type,
                object_id=str(activity.pk),
                object_repr=str(activity),
                action_flag=flag,
                change_message=message,
            )
    return activities


def test_the_audit_log_lists_who_did_what_with_a_link_to_the_object(superuser_client):
    (activity,) = log_some(superuser_client.user, 1)
    response = superuser_client.get(LOG_URL)
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [row.action_flag for row in rows] == [DELETION, CHANGE, ADDITION]  # newest first
    page = response.content.decode()
    assert f'href="/admin/community/activity/{activity.pk}/change/"' in page
    assert "Hidden by a moderator." in page
    assert "root" in page
    # Read-only: no bulk actions, no "add" button.
    assert response.context["action_form"] is None
    assert "/admin/admin/logentry/add/" not in page


def test_the_audit_log_filters_by_user_action_and_type_and_searches(superuser_client):
    other = UserFactory(username="helper", is_staff=True)
    log_some(superuser_client.user, 2)
    log_some(other, 1)
    content_type = ContentType.objects.get_for_model(Activity)

    def listed(**query) -> list[tuple[str, int]]:
        response = superuser_client.get(LOG_URL, query)
        assert response.status_code == 200
        return sorted((row.user.username, row.action_flag) for row in response.context["cl"].result_list)

    assert listed(user__id__exact=other.pk) == [
        ("helper", ADDITION),
        ("helper", CHANGE),
        ("helper", DELETION),
    ]
    assert listed(action_flag__exact=CHANGE) == [("helper", CHANGE), ("root", CHANGE), ("root", CHANGE)]
    assert len(listed(content_type__id__exact=content_type.pk)) == 9
    assert listed(q="helper", action_flag__exact=DELETION) == [("helper", DELETION)]


def test_the_audit_log_is_read_only_even_for_a_superuser(superuser_client):
    log_some(superuser_client.user, 1)
    entry = LogEntry.objects.filter(action_flag=CHANGE).get()
    before = LogEntry.objects.count()
    assert superuser_client.get(f"{LOG_URL}add/").status_code == 403
    assert superuser_client.post(f"{LOG_URL}add/", {"change_message": "forged"}).status_code == 403
    # Viewing one entry is allowed; saving it is not.
    view = superuser_client.get(f"{LOG_URL}{entry.pk}/change/")
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert (
        superuser_client.post(f"{LOG_URL}{entry.pk}/change/", {"change_message": "forged"}).status_code == 403
    )
    assert superuser_client.get(f"{LOG_URL}{entry.pk}/delete/").status_code == 403
    assert superuser_client.post(f"{LOG_URL}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    # Nor through the changelist's bulk delete.
    bulk = superuser_client.post(
        LOG_URL, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [entry.pk], "post": "yes"}
    )
    assert bulk.status_code in {200, 302}
    assert LogEntry.objects.count() == before
    assert LogEntry.objects.get(pk=entry.pk).change_message == "Hidden by a moderator."


def test_staff_see_the_audit_log_only_with_the_view_permission(moderator_client):
    log_some(moderator_client.user, 1)
    assert moderator_client.get(LOG_URL).status_code == 403
    moderator = User.objects.get(pk=moderator_client.user.pk)  # a fresh permission cache
    moderator.user_permissions.add(Permission.objects.get(codename="view_logentry"))
    assert moderator_client.get(LOG_URL).status_code == 200
    # The change permission alone does not open it (the log is no one's to edit).
    editor = signed_in(UserFactory(is_staff=True))
    editor.user.user_permissions.add(Permission.objects.get(codename="change_logentry"))
    assert editor.get(LOG_URL).status_code == 403


@pytest.mark.parametrize("count", [2, 20])
def test_the_audit_log_runs_a_fixed_number_of_queries(superuser_client, count):
    log_some(superuser_client.user, count)
    log_some(UserFactory(username="helper", is_staff=True), count)
    superuser_client.get(LOG_URL)  # warm the content-type cache
    with CaptureQueriesContext(connection) as queries:
        response = superuser_client.get(LOG_URL)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == min(6 * count, 100)
    # Session, user, the user and type filters' choices, count, page, the date hierarchy's range
    # and days: the same whatever the number of rows (users and types come with the page).
    assert len(queries) == 8, [q["sql"] for q in queries.captured_queries]
