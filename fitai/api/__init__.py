"""Shared API plumbing: the error envelope, pagination, parsing, throttles, permissions, schema."""
