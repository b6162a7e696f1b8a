"""Coach chat (API.md, AI): answers from the user's own data with real numbers, from the knowledge
base, medical refusal whatever the provider, memory (summary + recent messages), the LLM path and
its fallback, ownership, validation, pagination of the history and its query count."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.settings import api_settings

from accounts.metrics import metric_record
from ai import chat
from ai.llm import LLMError, LLMReply
from ai.models import AICall, Conversation, Message
from fitai.errors import RateLimitedError
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/ai/chat"
HISTORY = "/api/v1/ai/chat/history"
# A Wednesday: "last week" is Mon 2 to Sun 8 June, "this month" is 1 to 11 June.
NOW = datetime(2025, 6, 11, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def lifts():
    return {
        "bench": ExerciseFactory(name="Barbell Bench Press", muscles=["chest"]),
        "squat": ExerciseFactory(name="Barbell Back Squat", muscles=["quadriceps"]),
        "dip": ExerciseFactory(name="Bench Dip", muscles=["triceps"]),
        "incline": ExerciseFactory(name="Incline Barbell Bench Press", muscles=["chest"]),
    }


def log(client, exercise, sets, *, start: datetime) -> None:
    body = {
        "name": "Session",
        "status": "completed",
        "started_at": start.isoformat(),
        "completed_at": (start + timedelta(minutes=50)).isoformat(),
        "exercises": [
            {"exercise_id": str(exercise.public_id), "sets": [{"weight_kg": w, "reps": r} for w, r in sets]}
        ],
    }
    response = client.post("/api/v1/workouts", body, format="json")
    assert response.status_code == 201, response.content


@pytest.fixture
def trained(auth_client, lifts, django_capture_on_commit_callbacks):
    """A client whose user benched last week and this week and squatted in May (aggregates built)."""
    client = auth_client()
    with django_capture_on_commit_callbacks(execute=True):
        log(client, lifts["bench"], [(80, 5), (85, 5), (90, 3)], start=datetime(2025, 6, 4, 10, tzinfo=UTC))
        log(client, lifts["bench"], [(92.5, 3)], start=datetime(2025, 6, 10, 10, tzinfo=UTC))
        log(client, lifts["squat"], [(120, 5)], start=datetime(2025, 5, 20, 10, tzinfo=UTC))
    return client


def ask(client, message, conversation_id=None, status=200) -> dict:
    body = {"message": message} | ({"conversation_id": conversation_id} if conversation_id else {})
    response = client.post(URL, body, format="json")
    assert response.status_code == status, response.content
    return response.json()


# --- the user's own data ---------------------------------------------------------------------------


def test_what_did_i_bench_last_week_answers_with_that_weeks_sets(trained):
    body = ask(trained, "What did I bench last week?")
    reply = body["reply"]
    assert "Barbell Bench Press last week" in reply
    assert "Wed 4 Jun 2025: top set 90 kg, 3 sets, 13 reps, 1095 kg volume" in reply
    assert "99.2 kg" in reply  # 85 kg x 5 by Epley
    assert "92.5" not in reply  # this week's session is not last week's
    assert body["provider"] == "rules"
    assert body["fallback_reason"] is None
    assert body["refused"] is False


def test_workouts_this_month_are_counted_from_the_daily_summaries(trained):
    reply = ask(trained, "How many workouts this month?")["reply"]
    assert reply.startswith("You completed 2 workouts this month: 4 working sets")
    assert "1372.5 kg" in reply  # 1095 + 277.5


def test_best_lift_survives_a_typo_in_the_exercise_name(trained):
    reply = ask(trained, "my best sqaut?")["reply"]
    assert reply == (
        "Your best Barbell Back Squat: heaviest weight 120 kg (on Tue 20 May 2025), "
        "best estimated 1RM 140 kg (on Tue 20 May 2025)."
    )


def test_a_follow_up_question_reuses_the_exercise_named_before(trained):
    first = ask(trained, "What did I bench last week?")
    reply = ask(trained, "and this week?", first["conversation_id"])["reply"]
    assert "Barbell Bench Press this week" in reply
    assert "top set 92.5 kg" in reply


def test_weight_trend_reads_the_weight_measurements(auth_client):
    client = auth_client()
    for kg, days_ago in [(90, 14), (89, 7), (88, 0)]:
        metric_record(
            user=client.user, kind="weight", value=Decimal(kg), measured_at=NOW - timedelta(days=days_ago)
        )
    reply = ask(client, "What is my weight trend?")["reply"]
    assert "from 90 kg (Wed 28 May 2025) to 88 kg (Wed 11 Jun 2025): down 2 kg over 3 measurements" in reply
    assert "-1.00 kg per week" in reply


def test_no_data_is_said_plainly(auth_client, lifts):
    reply = ask(auth_client(), "What did I bench last week?")["reply"]
    assert reply == "You haven't logged Barbell Bench Press yet."


# --- knowledge base and default --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "title"),
    [
        ("How long should I rest between sets?", "Rest between sets"),
        ("how much protien should I eat a day", "Protein intake"),
        ("When should I take a deload week?", "Deloads"),
        ("My bench has been stuck for weeks, plateau", "Breaking a plateau"),
        ("how do I warm up before squats", "Warming up"),
        ("Is zone 2 cardio worth it?", "Cardio and conditioning"),
    ],
)
def test_coaching_questions_are_answered_from_the_knowledge_base(auth_client, message, title):
    body = ask(auth_client(), message)
    assert body["reply"].startswith(f"{title}: ")
    assert body["provider"] == "rules"


def test_the_same_question_gets_the_same_answer(trained):
    first = ask(trained, "What did I bench last week?")
    second = ask(trained, "What did I bench last week?")
    assert first["conversation_id"] != second["conversation_id"]
    assert first["reply"] == second["reply"]


def test_an_unknown_question_gets_the_safe_default(auth_client):
    assert ask(auth_client(), "hello there")["reply"] == chat.DEFAULT_REPLY


# --- medical refusal -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "pointer"),
    [
        ("My knee hurts when I squat, what is wrong with it?", "physiotherapist"),
        ("Do I have tendinitis in my elbow?", "physiotherapist"),
        ("I felt dizzy after my run", "physiotherapist"),
        ("I get chest pain during cardio", "emergency number"),
        ("I fainted after deadlifts", "emergency number"),
        ("How much ibuprofen should I take after training?", "pharmacist"),
        ("How can I stop eating to lose weight faster?", "eating disorders"),
    ],
)
def test_medical_questions_are_referred_to_a_professional(auth_client, monkeypatch, message, pointer):
    called = []
    monkeypatch.setattr(chat, "llm_enabled", lambda: True)
    monkeypatch.setattr(chat, "complete_text", lambda **kwargs: called.append(kwargs))
    body = ask(auth_client(), message)
    assert pointer in body["reply"]
    assert body["refused"] is True
    assert body["provider"] == "rules"
    assert called == []  # the LLM never sees the question


def test_soreness_versus_injury_is_general_knowledge_not_a_refusal(auth_client):
    body = ask(auth_client(), "How can I tell soreness from an injury?")
    assert body["refused"] is False
    assert body["reply"].startswith("Soreness versus injury: ")


def test_a_diagnosis_from_the_llm_is_replaced_by_the_refusal(auth_client, monkeypatch):
    monkeypatch.setattr(chat, "llm_enabled", lambda: True)
    monkeypatch.setattr(
        chat,
        "complete_text",
        lambda **kwargs: LLMReply(
            text="You probably have a torn rotator cuff. Take 400 mg ibuprofen.", model="m"
        ),
    )
    body = ask(auth_client(), "Why is my overhead press weak?")
    assert body["refused"] is True
    assert body["provider"] == "rules"
    assert body["fallback_reason"] == "unsafe_reply"
    assert "torn" not in body["reply"]
    assert "physiotherapist" in body["reply"]


# --- memory and the LLM ----------------------------------------------------------------------------

TURNS = [
    "How much protein do I need?",
    "How long should I rest between sets?",
    "What about warming up?",
    "I train three days a week and my goal is to get stronger.",
    "Should I do cardio?",
    "When do I deload?",
]


def converse(client, messages) -> str:
    conversation_id = None
    for message in messages:
        conversation_id = ask(client, message, conversation_id)["conversation_id"]
    return conversation_id


def test_the_summary_remembers_topics_and_facts_once_the_window_is_passed(auth_client):
    client = auth_client()
    conversation_id = converse(client, TURNS[:4])
    assert Conversation.objects.get(public_id=conversation_id).summary == ""  # 8 messages: all recent
    converse_more = ask(client, TURNS[4], conversation_id)
    summary = Conversation.objects.get(public_id=converse_more["conversation_id"]).summary
    assert summary == "Topics: protein intake"
    ask(client, TURNS[5], conversation_id)
    ask(client, TURNS[0], conversation_id)
    ask(client, TURNS[0], conversation_id)
    summary = Conversation.objects.get(public_id=conversation_id).summary
    assert "protein intake" in summary
    assert "rest between sets" in summary
    assert "Facts: I train three days a week and my goal is to get stronger." in summary
    recall = ask(client, "What did we talk about so far?", conversation_id)["reply"]
    assert recall.startswith("So far we talked about: protein intake, rest between sets")


def test_the_llm_receives_the_summary_the_recent_messages_and_the_users_data(trained, monkeypatch):
    conversation_id = converse(trained, [*TURNS[:5], "What did I bench last week?"])
    seen: list[list[dict]] = []

    def complete_text(*, messages, user, endpoint):
        seen.append(messages)
        assert (user, endpoint) == (trained.user, "chat")
        return LLMReply(
            text="Keep adding 2.5 kg when you hit all reps.", model="tiny", tokens_in=321, tokens_out=12
        )

    monkeypatch.setattr(chat, "llm_enabled", lambda: True)
    monkeypatch.setattr(chat, "complete_text", complete_text)
    body = ask(trained, "How do I progress my bench?", conversation_id)
    assert body["provider"] == "openai"
    assert body["reply"] == "Keep adding 2.5 kg when you hit all reps."
    (messages,) = seen
    assert messages[0]["role"] == "system"
    assert "never diagnose" in messages[0]["content"].lower()
    system = "\n".join(m["content"] for m in messages if m["role"] == "system")
    assert "Summary of the earlier conversation:\nTopics: protein intake; rest between sets" in system
    assert "You completed 2 workouts this month" in system
    assert "Barbell Bench Press: trained on 2 days" in system
    conversation = [m for m in messages if m["role"] != "system"]
    stored = Message.objects.filter(conversation__public_id=conversation_id).order_by("created_at", "pk")
    expected = [{"role": m.role, "content": m.content} for m in stored][-(chat.RECENT_MESSAGES + 2) : -2]
    assert conversation[:-1] == expected
    assert conversation[-1] == {"role": "user", "content": "How do I progress my bench?"}
    call = AICall.objects.filter(endpoint="chat").latest("pk")
    assert (call.provider, call.outcome, call.model, call.tokens_in, call.tokens_out) == (
        "openai",
        "ok",
        "tiny",
        321,
        12,
    )


def test_an_llm_failure_falls_back_to_the_rules_engine(trained, monkeypatch):
    def fail(**kwargs):
        raise LLMError("timeout")

    monkeypatch.setattr(chat, "llm_enabled", lambda: True)
    monkeypatch.setattr(chat, "complete_text", fail)
    body = ask(trained, "What did I bench last week?")
    assert body["provider"] == "rules"
    assert body["fallback_reason"] == "timeout"
    assert "top set 90 kg" in body["reply"]
    call = AICall.objects.filter(endpoint="chat").latest("pk")
    assert (call.outcome, call.fallback_reason) == ("fallback", "timeout")
    assert Message.objects.filter(role="assistant").latest("pk").provider == "rules"


def test_every_reply_is_logged_and_the_quota_is_checked_first(auth_client, monkeypatch):
    client = auth_client()
    ask(client, "How long should I rest between sets?")
    assert (
        AICall.objects.filter(user=client.user, endpoint="chat", provider="rules", outcome="ok").count() == 1
    )

    def spent(*, user, endpoint):
        raise RateLimitedError("Daily AI quota reached.", code="ai_quota_exceeded", retry_after=3600)

    monkeypatch.setattr(chat, "quota_reserved", spent)
    body = ask(client, "And warming up?", status=429)
    assert body["error"]["code"] == "ai_quota_exceeded"
    assert Message.objects.count() == 2


def test_chat_posts_are_throttled_by_the_ai_scope(auth_client, monkeypatch):
    monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, "ai", "2/min")
    client = auth_client()
    ask(client, "hello")
    ask(client, "hello")
    assert ask(client, "hello", status=429)["error"]["code"] == "throttled"


# --- validation, ownership, history -------------------------------------------------------------


@pytest.mark.parametrize("message", ["", "   ", "x" * 2001])
def test_an_empty_or_too_long_message_is_refused(auth_client, message):
    body = ask(auth_client(), message, status=400)
    assert body["error"]["code"] == "validation_error"
    assert "message" in body["error"]["fields"]
    assert not Conversation.objects.exists()


def test_someone_elses_conversation_is_not_found(auth_client):
    owner, stranger = auth_client(), auth_client()
    conversation_id = ask(owner, "hello")["conversation_id"]
    assert ask(stranger, "hello", conversation_id, status=404)["error"]["code"] == "not_found"
    response = stranger.get(HISTORY, {"conversation_id": conversation_id})
    assert response.status_code == 404
    assert Message.objects.count() == 2


def test_anonymous_requests_are_refused(api_client):
    assert api_client.post(URL, {"message": "hi"}, format="json").status_code == 401
    assert (
        api_client.get(HISTORY, {"conversation_id": "8f5e7c1a-2b3c-4d5e-8f90-123456789abc"}).status_code
        == 401
    )
    assert api_client.get(URL).status_code == 401


def test_history_needs_a_valid_conversation_id(auth_client):
    client = auth_client()
    assert client.get(HISTORY).json()["error"]["fields"]["conversation_id"]
    assert client.get(HISTORY, {"conversation_id": "nope"}).status_code == 400


def test_history_pages_oldest_first_in_a_fixed_number_of_queries(auth_client, django_assert_max_num_queries):
    client = auth_client()
    conversation = Conversation.objects.create(user=client.user, title="Long")
    Message.objects.bulk_create(
        Message(
            conversation=conversation,
            role="user" if n % 2 == 0 else "assistant",
            content=f"message {n}",
            provider="" if n % 2 == 0 else "rules",
        )
        for n in range(45)
    )
    other = Conversation.objects.create(user=UserFactory(), title="Not yours")
    Message.objects.create(conversation=other, role="user", content="secret")
    contents, url, params = [], HISTORY, {"conversation_id": str(conversation.public_id), "page_size": 20}
    while url:
        with django_assert_max_num_queries(3):
            body = client.get(url, params).json()
        contents += [item["content"] for item in body["results"]]
        url, params = body["next"], None
    assert contents == [f"message {n}" for n in range(45)]
    assert set(body["results"][0]) == {"role", "content", "provider", "created_at"}


def test_the_conversation_list_shows_only_yours_most_recent_first(auth_client, django_assert_max_num_queries):
    client = auth_client()
    first = ask(client, "How much protein do I need?")["conversation_id"]
    second = ask(client, "hello")["conversation_id"]
    ask(auth_client(), "someone else's question")
    with django_assert_max_num_queries(2):
        body = client.get(URL).json()
    assert [item["id"] for item in body["results"]] == [second, first]
    assert body["results"][1]["title"] == "How much protein do I need?"


# --- injuries ---------------------------------------------------------------------------------------


def test_an_exercise_question_with_an_injury_gets_guidance_that_avoids_it(auth_client, library, monkeypatch):
    from exercises.models import Exercise

    called = []
    monkeypatch.setattr(chat, "llm_enabled", lambda: True)
    monkeypatch.setattr(chat, "complete_text", lambda **kwargs: called.append(kwargs))
    body = ask(auth_client(), "I have a shoulder injury, what exercises for chest?")
    assert body["refused"] is False
    assert body["provider"] == "rules"
    assert called == []
    listed = [line.removeprefix("- ") for line in body["reply"].splitlines() if line.startswith("- ")]
    assert listed
    for name in listed:
        exercise = Exercise.objects.get(name=name)
        assert "chest" in {m.group for m in exercise.primary_muscles.all()}
        assert not any("shoulder" in c for c in exercise.contraindications)
    assert "Barbell Bench Press" not in listed
    assert "/ai/exercise-suggest" in body["reply"]
    assert "physiotherapist" in body["reply"]


@pytest.mark.parametrize(
    "message",
    ["I have a shoulder injury, do I have a torn rotator cuff?", "My knee hurts, what is wrong with it?"],
)
def test_a_diagnosis_question_with_an_injury_is_still_refused(auth_client, message):
    body = ask(auth_client(), message)
    assert body["refused"] is True
    assert "physiotherapist" in body["reply"]


def test_injuries_mentioned_earlier_in_the_conversation_reach_the_model(auth_client, monkeypatch):
    sent = []
    client = auth_client()
    first = ask(client, "I have a bad knee. How long should I rest between sets?")
    monkeypatch.setattr(chat, "llm_enabled", lambda: True)

    def model(**kwargs):
        sent.append(kwargs)
        return LLMReply(text="Rest 2 minutes.", model="m")

    monkeypatch.setattr(chat, "complete_text", model)
    ask(client, "And how often should I deload?", conversation_id=first["conversation_id"])
    system = [m["content"] for m in sent[0]["messages"] if m["role"] == "system"]
    assert any("injuries" in text and "knee" in text for text in system)
