"""schemathesis over every operation of the generated /api/v1/openapi.json, as a token of each role
with API access: no server error, every response matches its schema, every status is documented and
every value outside the document's stated limits is refused (bounded: a few examples per operation).
"""
from __future__ import annotations

import os
import time

import pytest
import schemathesis
from flask import g
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.builders import api_data, role_tokens

MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "6"))  # more for a one-off deeper run
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance,
               response_schema_conformance]
# Values outside the document's limits (too long, below the minimum, not in the enum, undeclared).
REJECTION = [not_a_server_error, status_code_conformance, negative_data_rejection]


def _fresh_request_globals() -> None:
    # The app fixture keeps one app context, which Flask reuses for each request (as PortalTestClient does).
    for key in ("_login_user", "_flask_babel", "_data_versions"):
        g.pop(key, None)


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " / ".join(lines[:6])[:400]


def _failures(operation, headers: dict[str, str], mode: GenerationMode, checks) -> list[str]:
    found: list[str] = []

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        _fresh_request_globals()
        try:
            case.call_and_validate(headers=headers, checks=checks)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failure is counted, not raised
            parts = getattr(exc, "exceptions", None) or [exc]
            found.append("; ".join(f"{type(part).__name__}: {_first_line(part)}" for part in parts))

    run()
    return found


@pytest.mark.slow
def test_schemathesis_finds_no_failures_on_any_operation_for_any_role(app, build):
    tokens = role_tokens(build, api_data(build))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    print(sorted(op.label for op in operations))
    assert len(operations) >= 8
    started = time.monotonic()
    failing: dict[str, list[str]] = {}
    for role, headers in tokens.items():
        for operation in operations:
            for mode, checks in ((GenerationMode.POSITIVE, CONFORMANCE), (GenerationMode.NEGATIVE, REJECTION)):
                for failure in _failures(operation, headers, mode, checks):
                    failing.setdefault(operation.label, []).append(f"{role} {mode.value}: {failure}")
    elapsed = time.monotonic() - started
    report = "\n".join(f"{label}: {len(found)} failures, e.g. {sorted(set(found))[:3]}"
                       for label, found in failing.items())
    print(f"schemathesis: {len(operations)} operations, {len(failing)} failing, {elapsed:.1f} s\n{report}")
    assert not failing, f"{len(failing)} of {len(operations)} operations fail:\n{report}"
    if "API_FUZZ_EXAMPLES" not in os.environ:  # the bounded default run stays under a minute
        assert elapsed < 60
