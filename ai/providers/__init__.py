"""AI coach providers: the rules engine (default) and the OpenAI-compatible one (`AI_PROVIDER`)."""

from ai.llm import llm_enabled
from ai.providers.base import CoachProvider


def get_provider() -> CoachProvider:
    """The configured provider; the OpenAI one falls back to the rules engine by itself."""
    if llm_enabled():
        from ai.providers.openai import OpenAIProvider

        return OpenAIProvider()
    from ai.providers.rules import RulesProvider

    return RulesProvider()
