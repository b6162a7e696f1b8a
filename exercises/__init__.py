"""Exercise library: exercises, muscles, equipment, ratings, moderation and search."""
