"""Exercise search: full-text and typo-tolerant, over a queryset the caller has already filtered.

Names are compared three ways, so that "dumbel curl", "benchpress" and "squats barbel" all find
their exercise: the query against the name word by word, the normalised query against
`name_key`, and both with their spaces removed (people type "benchpress" and "pullup").

PostgreSQL ranks in one query: `pg_trgm` word similarity on those three, plus the full-text rank
of the name (weight A) and description (weight C), plus a boost for an exact or prefix match of
the normalised name. Candidates are picked through the GIN indexes of migration 0003, so the SQL
below must spell the indexed expressions exactly as that migration does.

SQLite (embedded mode) has no trigrams: one narrow query fetches the names of the queryset and
rapidfuzz ranks them in Python.
"""

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramSimilarity,
    TrigramStrictWordSimilarity,
    TrigramWordSimilarity,
)
from django.db import connections, transaction
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Greatest, Replace
from rapidfuzz import fuzz

from exercises.models import Exercise
from exercises.text import name_key

QUERY_MAX_LENGTH = 100
MAX_QUERY_WORDS = 8
# pg_trgm word similarity a candidate needs; "squats barbel" vs "Barbell Back Squat" is about 0.5.
WORD_SIMILARITY_THRESHOLD = 0.3
# Full-text configuration: English stemming makes "squats" match "squat".
SEARCH_CONFIG = "english"
# Weights of the PostgreSQL rank; trigram word similarity (0..1) is the backbone.
FULL_TEXT_WEIGHT = 0.5
WHOLE_NAME_WEIGHT = 0.3
EXACT_BOOST = 1.0
PREFIX_BOOST = 0.25
# Best score (0..100) of the query against a name that a match needs in the SQLite fallback.
FALLBACK_MIN_SCORE = 60.0


def search_exercise_ids(*, q: str, queryset: QuerySet[Exercise], limit: int = 100) -> list[int]:
    """The pks of the exercises in `queryset` that match `q`, best first, at most `limit`.

    `queryset` carries every rule of who may see what (status, ownership, filters); the search
    only narrows and orders it. Ties are broken by name, then pk.
    """
    query = q.strip()[:QUERY_MAX_LENGTH]
    # Normalised as `Exercise.name_key` is, so "Squats" meets "squat" and "EZ-Bar" meets "ez bar".
    key = " ".join(name_key(query).split()[:MAX_QUERY_WORDS])
    if not key or limit <= 0:
        return []
    exercises = _single_table(queryset)
    if connections[exercises.db].vendor == "postgresql":
        return _search_postgresql(exercises=exercises, query=query, key=key, limit=limit)
    return _search_fallback(exercises=exercises, key=key, limit=limit)


def _single_table(queryset: QuerySet[Exercise]) -> QuerySet[Exercise]:
    """`queryset` itself when it reads one table, else a filter on its pks.

    The search adds its own filter, ordering and slice: a queryset with joins could repeat rows,
    one that is sliced or distinct could not take them, so those become a subquery.
    """
    query = queryset.query
    if query.is_sliced or query.distinct or query.combinator or len(query.alias_map) > 1:
        return Exercise.objects.filter(pk__in=queryset.values("pk"))
    return queryset


def _compact(expression):
    return Replace(expression, Value(" "), Value(""))


def _search_postgresql(*, exercises: QuerySet[Exercise], query: str, key: str, limit: int) -> list[int]:
    compact_key = key.replace(" ", "")
    # Migration 0003 indexes exactly this vector (and `name`, and `name_key` without spaces).
    document = SearchVector("name", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "description", weight="C", config=SEARCH_CONFIG
    )
    text_query = SearchQuery(query, config=SEARCH_CONFIG)
    # Strict word similarity matches whole words: "deadlfit" is nearer "Deadlift" than "Deficit
    # Deadlift". Glued words have no boundaries to respect, so the spaceless name uses plain.
    similarity = Greatest(
        TrigramStrictWordSimilarity(Value(query), "name"),
        TrigramStrictWordSimilarity(Value(key), "name_key"),
        TrigramWordSimilarity(Value(compact_key), _compact(F("name_key"))),
    )
    boost = Case(
        When(name_key=key, then=Value(EXACT_BOOST)),
        When(name_key__startswith=key, then=Value(PREFIX_BOOST)),
        default=Value(0.0),
        output_field=FloatField(),
    )
    rank = (
        similarity
        + FULL_TEXT_WEIGHT * SearchRank(document, text_query)
        # Whole-name similarity prefers "Bench Press" to "Barbell Bench Press" for "bench press".
        + WHOLE_NAME_WEIGHT * TrigramSimilarity("name_key", Value(key))
        + boost
    )
    ids = (
        exercises.annotate(search_document=document, search_rank=rank)
        .filter(
            Q(TrigramWordSimilar(F("name"), Value(query)))
            | Q(TrigramWordSimilar(_compact(F("name_key")), Value(compact_key)))
            | Q(search_document=text_query)
        )
        .order_by("-search_rank", "name", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    # `%>` uses the index only with the threshold in this setting; set it for this transaction only.
    with transaction.atomic(using=exercises.db), connections[exercises.db].cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
            [str(WORD_SIMILARITY_THRESHOLD)],
        )
        return list(ids)


def _word_score(query_word: str, words: list[str]) -> float:
    """The best match (0..100) of one query word to any word of a name; a prefix counts as whole."""
    best = 0.0
    for word in words:
        if word.startswith(query_word) and (len(query_word) >= 3 or word == query_word):
            return 100.0
        best = max(best, fuzz.ratio(query_word, word))
    return best


def _fallback_score(key: str, exercise_key: str) -> float:
    """How well the normalised query matches one normalised name, 0 for no match."""
    query_words, words = key.split(), exercise_key.split()
    per_word = sum(_word_score(word, words) for word in query_words) / len(query_words)
    # Without spaces, "benchpres" lies inside "barbellbenchpres".
    joined = fuzz.partial_ratio(key.replace(" ", ""), exercise_key.replace(" ", ""))
    match = max(per_word, joined)
    if match < FALLBACK_MIN_SCORE:
        return 0.0
    if exercise_key == key:
        boost = 100 * EXACT_BOOST
    elif exercise_key.startswith(key):
        boost = 100 * PREFIX_BOOST
    else:
        boost = 0.0
    # Whole-name similarity prefers the name with the fewest extra words.
    return match + WHOLE_NAME_WEIGHT * fuzz.ratio(key, exercise_key) + boost


def _search_fallback(*, exercises: QuerySet[Exercise], key: str, limit: int) -> list[int]:
    ranked: list[tuple[float, str, int]] = []
    for pk, name, exercise_key in exercises.values_list("pk", "name", "name_key"):
        score = _fallback_score(key, exercise_key or name_key(name))
        if score > 0:
            ranked.append((-score, name, pk))
    ranked.sort()
    return [pk for _score, _name, pk in ranked[:limit]]
