"""A JSON parser with the limits DRF leaves out: body size (413) and nesting depth (400).

DRF reads a JSON body straight from the request stream, past Django's
DATA_UPLOAD_MAX_MEMORY_SIZE, and a deeply nested document makes `json` hit the recursion
limit — an error DRF would turn into a 500.
"""

import codecs
import json
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from fitai.api.exception_types import PayloadTooLarge

MAX_JSON_DEPTH = 100


def exceeds_depth(document: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether containers nest deeper than `limit`, walking iteratively (no recursion)."""
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            document = json.loads(codecs.decode(raw, encoding), parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError("The body is not valid JSON.") from exc
        if exceeds_depth(document):
            raise ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels is refused.")
        return document


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")
