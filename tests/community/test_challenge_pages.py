"""The challenge pages: login required, only the challenges you may see, the form to open one,
join buttons, and a challenge's page with its leaderboard."""

from datetime import UTC, date, datetime

import pytest
from django.contrib.messages import get_messages

from accounts import friendships
from community.models import Challenge, ChallengeParticipant
from tests.community.test_challenges import at, frozen, make_challenge, member, run, squat, train
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PAGE = "/community/challenges"

__all__ = ["frozen", "run", "squat"]  # fixtures shared with the challenge tests


@pytest.fixture
def me(client, frozen):
    user = member(username="me")
    client.force_login(user)
    return user


def test_the_pages_need_a_login(client, frozen):
    challenge = make_challenge(member())
    for url in (PAGE, f"{PAGE}/{challenge.public_id}"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login" in response["Location"]


def test_the_list_shows_what_you_may_see_with_join_buttons(client, me):
    public = make_challenge(member(), title="Open to all")
    make_challenge(member(), title="Secret club", visibility="private")
    blocker = member()
    make_challenge(blocker, title="Blocker's race")
    friendships.friendship_block(user=blocker, other=me)
    page = client.get(PAGE).content.decode()
    assert "Open to all" in page
    assert "Secret club" not in page
    assert "Blocker&#x27;s race" not in page
    assert f"{PAGE}/{public.public_id}/join" in page


def test_the_status_filter(client, me, frozen):
    make_challenge(member(), title="Later", start_date=date(2025, 7, 1), end_date=date(2025, 7, 31))
    make_challenge(member(), title="Now")
    active = client.get(PAGE, {"status": "active"}).content.decode()
    assert "Now" in active
    assert "Later" not in active


def test_opening_a_challenge_from_the_form_enters_you(client, me):
    form = {
        "title": "Sets in June",
        "type": "total_sets",
        "start_date": "2025-06-09",
        "end_date": "2025-06-30",
        "visibility": "friends",
    }
    response = client.post(PAGE, form)
    challenge = Challenge.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}/{challenge.public_id}"
    assert (challenge.title, challenge.visibility, challenge.creator) == ("Sets in June", "friends", me)
    assert ChallengeParticipant.objects.filter(challenge=challenge, user=me).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_date": "2025-06-01"}, "The end cannot come before the start."),
        ({"type": "exercise_volume"}, "An exercise_volume challenge needs an exercise."),
        ({"title": ""}, "This field is required."),
        ({"start_date": "9999-12-31", "end_date": "9999-12-31"}, "A challenge starts at most one year from"),
    ],
)
def test_a_bad_form_is_400_with_the_reason_next_to_the_field(client, me, changes, message):
    form = {"title": "T", "type": "workout_count", "start_date": "2025-06-09", "end_date": "2025-06-15"}
    form["visibility"] = "public"
    response = client.post(PAGE, {**form, **changes})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Challenge.objects.exists()


def test_an_unverified_member_cannot_open_a_challenge(client, frozen):
    client.force_login(UserFactory(email_verified=False))
    form = {"title": "T", "type": "workout_count", "start_date": "2025-06-09", "end_date": "2025-06-15"}
    response = client.post(PAGE, {**form, "visibility": "public"})
    assert response.status_code == 403
    assert not Challenge.objects.exists()


def test_join_from_the_list_and_see_yourself_on_the_board(client, me, run, squat):
    challenge = make_challenge(member(username="rival"), type="total_volume")
    with run():
        train(me, [(squat, 100, 5)], start=at(10, 8))
    response = client.post(f"{PAGE}/{challenge.public_id}/join", {"next": "list"})
    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert "You joined June push." in [str(m) for m in get_messages(response.wsgi_request)]
    page = client.get(f"{PAGE}/{challenge.public_id}").content.decode()
    assert "#1 with 500" in page
    assert page.index("@me") < page.index("@rival")


def test_joining_an_ended_challenge_says_why(client, me, frozen):
    challenge = make_challenge(member())
    frozen(datetime(2025, 6, 20, tzinfo=UTC))
    response = client.post(f"{PAGE}/{challenge.public_id}/join", follow=True)
    assert "This challenge has ended." in response.content.decode()
    assert not ChallengeParticipant.objects.filter(user=me).exists()


def test_a_challenge_you_may_not_see_is_404(client, me):
    private = make_challenge(member(), visibility="private")
    assert client.get(f"{PAGE}/{private.public_id}").status_code == 404
    assert client.post(f"{PAGE}/{private.public_id}/join").status_code == 404
    assert not ChallengeParticipant.objects.filter(user=me).exists()


def test_the_join_button_only_answers_post(client, me):
    challenge = make_challenge(member())
    assert client.get(f"{PAGE}/{challenge.public_id}/join").status_code == 405
