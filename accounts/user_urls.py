"""Routes of the Users section of API.md, mounted at `/api/v1/users/`."""

from django.urls import path

urlpatterns = [
    # --- profile, preferences, body metrics ---
    # --- avatar and account erasure ---
    # --- friends and search ---
]
