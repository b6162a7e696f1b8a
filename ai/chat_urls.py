"""Routes of the AI chat API, mounted at `/api/v1/ai/` (`fitai.middleware` accepts a trailing slash)."""

from django.urls import path

from ai.chat_views import ChatApi, ChatHistoryApi

urlpatterns = [
    path("chat", ChatApi.as_view(), name="ai-chat"),
    path("chat/history", ChatHistoryApi.as_view(), name="ai-chat-history"),
]
