"""The OpenAPI schema: valid, complete, and served with offline docs (SECURITY.md API9)."""

import re

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

OPEN_PATHS = {"/api/v1", "/api/v1/ping"}


def _api_routes(patterns, prefix: str = "") -> set[str]:
    """Every route under /api/v1, written the way the schema writes paths."""
    routes = set()
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes |= _api_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/v1"):
            routes.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
    return routes


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_every_api_route_is_in_the_schema(schema):
    routes = _api_routes(get_resolver().url_patterns)
    assert routes >= OPEN_PATHS
    assert routes - set(schema["paths"]) == set()


def test_operations_document_the_error_envelope(schema):
    root = schema["paths"]["/api/v1"]["get"]["responses"]
    envelope_ref = {"$ref": "#/components/schemas/ErrorEnvelope"}
    assert root["401"]["content"]["application/json"]["schema"] == envelope_ref
    assert "429" in root
    envelope = schema["components"]["schemas"]["Error"]
    assert envelope["required"] == ["code", "message"]


def test_ping_documents_no_auth_or_throttle_errors(schema):
    assert set(schema["paths"]["/api/v1/ping"]["get"]["responses"]) == {"200", "406"}


def test_an_unsatisfiable_accept_header_is_a_documented_406_in_the_envelope(client, schema):
    """Found by the schema fuzzer: every view negotiates content, but no operation documented 406."""
    response = client.get("/api/v1/ping", HTTP_ACCEPT="text/csv")
    assert response.status_code == 406
    assert response.json()["error"]["code"] == "not_acceptable"
    operations = [operation for path in schema["paths"].values() for operation in path.values()]
    assert all("406" in operation["responses"] for operation in operations)


def test_schema_is_served_anonymously(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "FitAI API"


def test_swagger_ui_loads_nothing_from_other_hosts(client):
    page = client.get("/api/docs/")
    script = client.get("/api/docs/", {"script": ""})
    assert page.status_code == script.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "//" not in re.sub(r"https?://testserver", "", script.content.decode()).replace("// ", "")


def test_swagger_assets_are_served_by_the_app(client):
    response = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert response.status_code == 200
