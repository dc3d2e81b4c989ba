"""Error answers match the OpenAPI schema, every route documents the errors it gives, and
dates are read from ISO 8601 text only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from agent.core.settings import Settings
from api.app import create_app

ISO_REFUSED = [
    ("/api/v1/calls", {"started_to": "0.5"}),
    ("/api/v1/calls", {"started_from": "-1"}),
    ("/api/v1/calls", {"started_from": "1700000000"}),
    ("/api/v1/kpis", {"to": "0"}),
    ("/api/v1/kpis", {"from": "1700000000"}),
    ("/api/v1/kpis", {"from": "2026-11-18T10:00"}),
    ("/api/v1/engagement", {"to": "0"}),
    ("/api/v1/engagement", {"from": "1700000000"}),
]
ISO_TAKEN = [
    ("/api/v1/calls", {"started_from": "2026-11-18T10:00:00Z", "started_to": "2026-11-19"}),
    ("/api/v1/kpis", {"from": "2026-11-01", "to": "2026-11-30"}),
    ("/api/v1/engagement", {"from": "2026-11-01", "to": "2026-11-30"}),
]

# What each route may answer besides success, from reading its code and its dependencies. A
# route with parameters documents 422 even where its plain string parameters cannot fail:
# FastAPI adds its own 422 to such a route otherwise.
ERRORS = {
    ("post", "/api/v1/calls"): {400, 401, 413, 415, 422},
    ("post", "/api/v1/conversations"): {400, 401, 413, 422},
    ("get", "/api/v1/calls"): {401, 422},
    ("get", "/api/v1/calls/{call_id}"): {401, 404, 422},
    ("get", "/api/v1/calls/{call_id}/transcript"): {401, 404, 409, 422},
    ("get", "/api/v1/calls/{call_id}/audio"): {400, 401, 404, 410, 416, 422},
    ("post", "/api/v1/calls/{call_id}/approve"): {401, 403, 404, 409, 422},
    ("patch", "/api/v1/calls/{call_id}"): {400, 401, 403, 404, 409, 422},
    ("patch", "/api/v1/calls/{call_id}/speakers"): {400, 401, 403, 404, 409, 422},
    ("post", "/api/v1/calls/{call_id}/crm-links"): {400, 401, 403, 404, 409, 422},
    ("post", "/api/v1/calls/{call_id}/retry"): {401, 404, 409, 422},
    ("get", "/api/v1/kpis"): {401, 403, 422},
    ("get", "/api/v1/engagement"): {401, 403, 422},
    ("get", "/api/v1/customers"): {401, 403, 422},
    ("get", "/api/v1/customers/{customer_id}"): {401, 403, 404, 422},
    ("post", "/api/v1/surveys"): {400, 401, 403, 404, 409, 422},
    ("post", "/api/v1/webhooks/subscriptions"): {400, 401, 403, 422},
    ("get", "/api/v1/webhooks/subscriptions"): {401, 403},
    ("delete", "/api/v1/webhooks/subscriptions/{subscription_id}"): {401, 403, 404, 422},
    ("get", "/api/v1/webhooks/subscriptions/{subscription_id}/deliveries"): {
        401,
        403,
        404,
        422,
    },
    ("post", "/api/v1/webhooks/crm"): {400, 401, 409, 413, 422},
    ("post", "/api/v1/webhooks/salesforce"): {400, 401, 403, 413, 422},
    ("get", "/api/v1/audit"): {401, 403, 422},
    ("get", "/readyz"): {503},
    ("get", "/metrics"): {401, 503},
}
# Routes that read a JSON body: bytes that are not UTF-8 are a 400 (FastAPI's own answer).
JSON_BODIES = [
    ("post", "/api/v1/conversations"),
    ("patch", "/api/v1/calls/{call_id}"),
    ("patch", "/api/v1/calls/{call_id}/speakers"),
    ("post", "/api/v1/calls/{call_id}/crm-links"),
    ("post", "/api/v1/surveys"),
    ("post", "/api/v1/webhooks/subscriptions"),
]
# Every route that checks an API key may also answer 429 (api.deps.get_principal's throttle).
KEYLESS = {
    ("post", "/api/v1/webhooks/crm"),
    ("post", "/api/v1/webhooks/salesforce"),
    ("get", "/readyz"),
    ("get", "/metrics"),
}
for _keyed in set(ERRORS) - KEYLESS:
    ERRORS[_keyed] |= {429}
PLAIN_TEXT_ERRORS = {("get", "/api/v1/calls/{call_id}/audio"): {400, 416}}


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir: Path = tmp_path_factory.mktemp("openapi")
    return create_app(Settings(data_dir=data_dir)).openapi()


def _documented_422(schema: dict[str, Any], method: str, path: str) -> Draft202012Validator:
    answer = schema["paths"][path][method]["responses"]["422"]["content"]["application/json"]
    return Draft202012Validator({**answer["schema"], "components": schema["components"]})


def test_numbers_are_refused_where_dates_are_expected(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    for path, params in ISO_REFUSED:
        response = client.get(path, params=params, headers=admin_headers)
        assert response.status_code == 422, (path, params, response.text)
        assert "ISO 8601" in response.text, (path, params)
    for path, params in ISO_TAKEN:
        assert client.get(path, params=params, headers=admin_headers).status_code == 200
    survey = {"customer_id": 1, "csat": 5, "responded_at": 1700000000}
    refused = client.post("/api/v1/surveys", json=survey, headers=admin_headers)
    assert refused.status_code == 422 and "ISO 8601" in refused.text


def test_both_shapes_of_a_422_match_the_documented_schema(
    client: TestClient, admin_headers: dict[str, str], schema: dict[str, Any]
) -> None:
    validator = _documented_422(schema, "get", "/api/v1/kpis")
    as_message = client.get(
        "/api/v1/kpis", params={"from": "2026-12-01", "to": "2026-11-01"}, headers=admin_headers
    )
    as_problems = client.get("/api/v1/kpis", params={"to": "0"}, headers=admin_headers)
    assert as_message.status_code == as_problems.status_code == 422
    assert isinstance(as_message.json()["detail"], str)
    assert isinstance(as_problems.json()["detail"], list)
    for answer in (as_message, as_problems):
        validator.validate(answer.json())
    with pytest.raises(Exception, match="is not valid"):
        validator.validate({"detail": 422})


def test_every_route_documents_the_errors_it_returns(schema: dict[str, Any]) -> None:
    operations = {
        (method, path): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    assert set(ERRORS) <= set(operations)
    for route, codes in ERRORS.items():
        documented = {int(code) for code in operations[route]["responses"] if code >= "400"}
        assert documented == codes, route


def test_error_answers_are_documented_as_callsight_messages(schema: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    message = {"$ref": "#/components/schemas/ErrorMessage"}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            plain = PLAIN_TEXT_ERRORS.get((method, path), set())
            for code, answer in operation["responses"].items():
                if code < "400" or int(code) in plain:
                    continue
                documented = answer["content"]["application/json"]["schema"]
                shapes = documented.get("anyOf", [documented])
                assert message in shapes, (method, path, code)


def test_a_json_body_that_is_not_utf8_is_a_documented_400(
    client: TestClient, admin_headers: dict[str, str], schema: dict[str, Any]
) -> None:
    headers = {**admin_headers, "Content-Type": "application/json"}
    for method, path in JSON_BODIES:
        url = path.replace("{call_id}", "no-such-call")
        response = client.request(method, url, content=b"\xff\xfe{", headers=headers)
        assert response.status_code == 400, (method, path, response.text)
        assert isinstance(response.json()["detail"], str)
        assert "400" in schema["paths"][path][method]["responses"], (method, path)


def test_the_upload_documents_its_multipart_form(schema: dict[str, Any]) -> None:
    body = schema["paths"]["/api/v1/calls"]["post"]["requestBody"]
    form = body["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file"]
    assert form["properties"]["file"] == {
        "type": "string",
        "format": "binary",
        "description": form["properties"]["file"]["description"],
    }
    assert form["properties"]["direction"]["enum"] == ["inbound", "outbound"]
    assert form["properties"]["customer_email"]["maxLength"] == 320
    assert form["properties"]["started_at"]["format"] == "date-time"
    assert form["properties"]["conversation_type"]["enum"] == ["support", "sales", "other"]
