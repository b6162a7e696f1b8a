"""How exercise names become lookup keys and URL slugs; every part of the app must agree on both."""

import re

from django.utils.text import slugify

# Any run of characters that is not a letter or digit, in any script (`\W` keeps "_").
_SEPARATORS = re.compile(r"[\W_]+")


def name_key(name: str) -> str:
    """Return the key two names share when people mean the same exercise ("Dumbbell Curls" = "dumbbell curl").

    The rule: lower-case; replace every run of non-alphanumeric characters with one space; strip; then
    drop one trailing "s" from each word longer than three letters. Apostrophes separate words, so
    "Farmer's Carry" gives "farmer s carry", and double-s words lose their last letter ("Press" gives
    "pres"): the key is for matching, never for display. `Exercise.name_key` stores it, so changing the
    rule needs a data migration that re-keys every exercise.
    """
    words = _SEPARATORS.sub(" ", name.lower()).strip().split(" ")
    return " ".join(word[:-1] if len(word) > 3 and word.endswith("s") else word for word in words)


def slug_for(name: str) -> str:
    """Return the URL slug for an exercise name (ASCII, lower-case, hyphens); callers make it unique."""
    return slugify(name)
