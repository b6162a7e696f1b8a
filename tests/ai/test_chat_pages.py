"""The coach chat page: a login wall, a form that posts and redirects (no JavaScript needed), the
thread and the conversation list, validation, and another member's conversation (404)."""

import pytest

from ai.models import Conversation, Message
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PAGE = "/coach/chat"


@pytest.fixture
def member(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_the_chat_page_needs_a_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]


def test_sending_a_message_redirects_to_the_thread_with_the_reply(client, member):
    response = client.post(PAGE, {"message": "How long should I rest between sets?"})
    conversation = Conversation.objects.get(user=member)
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}/{conversation.public_id}#latest"
    page = client.get(f"{PAGE}/{conversation.public_id}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "How long should I rest between sets?" in html
    assert "Rest between sets: Rest long enough" in html
    assert html.count('class="chat-message ') == 2


def test_a_reply_in_a_thread_continues_that_conversation(client, member):
    client.post(PAGE, {"message": "hello"})
    conversation = Conversation.objects.get()
    response = client.post(f"{PAGE}/{conversation.public_id}", {"message": "How much protein do I need?"})
    assert response.status_code == 302
    assert Conversation.objects.count() == 1
    assert Message.objects.filter(conversation=conversation).count() == 4


def test_an_empty_message_shows_the_form_again(client, member):
    response = client.post(PAGE, {"message": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Conversation.objects.exists()


def test_the_list_shows_only_your_conversations(client, member):
    Conversation.objects.create(user=member, title="Bench questions")
    Conversation.objects.create(user=UserFactory(), title="Someone else's chat")
    html = client.get(PAGE).content.decode()
    assert "Bench questions" in html
    assert "Someone else" not in html


def test_someone_elses_conversation_is_not_found(client, member):
    other = Conversation.objects.create(user=UserFactory(), title="Private")
    assert client.get(f"{PAGE}/{other.public_id}").status_code == 404
    assert client.post(f"{PAGE}/{other.public_id}", {"message": "hi"}).status_code == 404
    assert not Message.objects.exists()


def test_a_medical_question_gets_the_referral_on_the_page(client, member):
    client.post(PAGE, {"message": "My shoulder hurts when I press, is it torn?"})
    conversation = Conversation.objects.get()
    html = client.get(f"{PAGE}/{conversation.public_id}").content.decode()
    assert "physiotherapist" in html
