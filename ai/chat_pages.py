"""The coach chat page: your conversations, one conversation's thread and a form to write.

It calls the same `ai.chat` service as the API, so the quota, the medical refusal and the memory are
the same, and the form counts against the API's `ai` throttle. The form posts and redirects back to
the thread, so it works without JavaScript; another member's conversation is not found (404).
"""

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.forms import form_add_service_errors
from accounts.profile_pages import GET_OR_POST, member_page
from ai import chat
from ai.models import Conversation
from fitai.api.throttling import throttle_wait
from fitai.errors import DomainError, NotFoundError

CONVERSATIONS_SHOWN = 30
MESSAGES_SHOWN = 50


class ChatForm(forms.Form):
    message = forms.CharField(
        max_length=chat.MAX_MESSAGE_CHARS,
        strip=True,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "Ask about your training, e.g. what did I bench last week?"}
        ),
    )


def _thread_url(conversation: Conversation | None) -> str:
    if conversation is None:
        return reverse("ai:chat")
    return reverse("ai:chat-conversation", kwargs={"conversation_id": conversation.public_id})


def _own_conversation(request: HttpRequest, conversation_id: uuid.UUID | None) -> Conversation | None:
    if conversation_id is None:
        return None
    try:
        return chat.conversation_get_for_user(user=request.user, conversation_id=conversation_id)
    except NotFoundError:
        raise Http404("No such conversation.") from None


def _render(
    request: HttpRequest, conversation: Conversation | None, form: ChatForm, *, status: int = 200
) -> HttpResponse:
    thread: list[Any] = []
    if conversation is not None:
        latest = chat.conversation_messages(conversation=conversation).reverse()[:MESSAGES_SHOWN]
        thread = list(reversed(latest))
    context = {
        "conversations": chat.conversations_for_user(user=request.user)[:CONVERSATIONS_SHOWN],
        "conversation": conversation,
        "thread": thread,
        "form": form,
        "action": _thread_url(conversation),
    }
    return render(request, "ai/chat.html", context, status=status)


@GET_OR_POST
@member_page
def chat_page(request: HttpRequest, conversation_id: uuid.UUID | None = None) -> HttpResponse:
    """Your conversations and the chosen one's latest messages; POST sends a message."""
    conversation = _own_conversation(request, conversation_id)
    if request.method != "POST":
        return _render(request, conversation, ChatForm())
    form = ChatForm(request.POST)
    if not form.is_valid():
        return _render(request, conversation, form, status=400)
    wait = throttle_wait(request, scope="ai")
    if wait:
        form.add_error(None, f"You are sending messages quickly. Try again in {wait} seconds.")
        return _render(request, conversation, form, status=429)
    try:
        result = chat.chat_reply(
            user=request.user,
            message=form.cleaned_data["message"],
            conversation_id=conversation.public_id if conversation else None,
        )
    except ValidationError as error:
        form_add_service_errors(form, error)
        return _render(request, conversation, form, status=400)
    except DomainError as error:  # the daily quota
        form.add_error(None, error.message)
        return _render(request, conversation, form, status=error.status_code)
    if result.answer.fallback_reason:
        messages.info(request, "The AI model was unavailable; the built-in coach answered.")
    return redirect(_thread_url(result.conversation) + "#latest")
