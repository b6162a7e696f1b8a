"""Fixtures of the AI coach tests: FitAI's real exercise library, loaded once per test."""

import pytest

from exercises.seed import library_load


@pytest.fixture
def library(db):
    """The seeded library (223 exercises with muscles, equipment and contraindications)."""
    library_load()
