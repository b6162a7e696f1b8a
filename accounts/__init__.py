"""Accounts: users, authentication, profiles, preferences, avatars, body metrics, friendships."""
