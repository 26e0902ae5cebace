"""Property-based fuzzing of the running server from its own OpenAPI document (schemathesis's
strategies, driven by hypothesis): whatever the generated request, valid or not, no 5xx, a documented
status and content type, and a body that matches the documented schema.  Few examples per operation
by default so that the suite stays fast; set NLP_FUZZ_EXAMPLES for a longer run.

(schemathesis's own pytest plugin does not run under pytest 9, so the strategies are used directly.)"""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,  # noqa: E402
                                 status_code_conformance)
from schemathesis.generation import GenerationMode  # noqa: E402

from serve.served import API_KEY  # noqa: E402

EXAMPLES = int(os.environ.get("NLP_FUZZ_EXAMPLES", "15"))
OPERATIONS = [("POST", "/v1/annotate"), ("POST", "/v1/annotate/batch"), ("GET", "/v1/health"), ("GET", "/v1/model"),
              ("GET", "/openapi.json"), ("GET", "/")]
POSITIVE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
NEGATIVE_CHECKS = [not_a_server_error]  # a request outside the schema may be refused with any one-line error


@pytest.fixture(scope="session")
def served_schema(server):
    return schemathesis.openapi.from_url(server.url + "/openapi.json")


CASES = [(method, path, GenerationMode.POSITIVE) for method, path in OPERATIONS] + \
    [(method, path, GenerationMode.NEGATIVE) for method, path in OPERATIONS if method == "POST"]  # the others take no input


@pytest.mark.parametrize("method, path, mode", CASES, ids=[f"{m} {p} {g.value}" for m, p, g in CASES])
def test_no_generated_request_gets_a_server_error(server, served_schema, method, path, mode):
    operation = served_schema[path][method]
    checks = POSITIVE_CHECKS if mode is GenerationMode.POSITIVE else NEGATIVE_CHECKS
    auth = {"Authorization": f"Bearer {API_KEY}"}

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call(base_url=server.url, headers=auth)
        assert response.status_code < 500, (response.status_code, response.text[:300])
        case.validate_response(response, checks=checks, headers=auth)

    run()
