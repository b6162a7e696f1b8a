"""Workout programs: days, exercises and set prescriptions; favourites, ratings, forks."""
