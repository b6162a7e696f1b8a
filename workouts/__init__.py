"""Workout sessions: sets, the session state machine, personal records, sync and live updates."""
