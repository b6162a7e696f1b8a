"""Routes of the AI coach pages, mounted at `/coach/`."""

from django.urls import re_path

from ai import chat_pages, coach_pages

CONVERSATION = (
    r"(?P<conversation_id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
)

app_name = "ai"

urlpatterns: list = [
    re_path(r"^$", coach_pages.coach_page, name="coach"),
    re_path(r"^chat/?$", chat_pages.chat_page, name="chat"),
    re_path(rf"^chat/{CONVERSATION}/?$", chat_pages.chat_page, name="chat-conversation"),
]
