"""Schemathesis against the running gateway: no 5xx, and every answer matches the document.

Requests are generated from /api/v1/openapi.json (valid and invalid ones) and sent as an
HQ admin with a session of its own (the fuzzer may well log itself out), to a system of its
own: an HQ admin may change any price or close any store, which other tests rely on. The seed is fixed
in `make test` so it is repeatable; `make fuzz` runs ten times longer with a fresh seed
(FUZZ_EXAMPLES and FUZZ_SEED set both).
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.launcher import run_manage
from tests.e2e.conftest import ADMIN_PASSWORD, Api, running_system

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance,negative_data_rejection")


def run_schemathesis(gateway: str, max_examples: int, seed: str | None, report: Path):
    token = Api(gateway).login("admin", ADMIN_PASSWORD)["access_token"]
    command = [str(Path(sys.executable).with_name("st")), "run", f"{gateway}/api/v1/openapi.json",
               "--checks", CHECKS, "--max-examples", str(max_examples),
               # One worker: with threads, hypothesis's ast.parse of its filters hits CPython
               # 3.11's AST recursion-depth race (gh-106905) and aborts the run now and then.
               "--workers", "1",
               "--header", f"Authorization: Bearer {token}", "--request-timeout", "10",
               # Logging out would end the fuzzer's own session; tests/e2e/test_auth.py covers it.
               "--exclude-operation-id", "logout",
               # A customer's and a staff member's own views and acts: an HQ admin only ever
               # gets 403 (tests/e2e/test_booking_api.py, test_complaints.py and
               # test_store_scoping.py call them).
               "--exclude-operation-id", "my_bookings", "--exclude-operation-id", "my_calendar",
               "--exclude-operation-id", "give_feedback",
               # The payment provider's callback is signed, not token-authenticated: every
               # generated request is 401 (tests/e2e/test_paid_path.py covers it).
               "--exclude-operation-id", "provider_callback",
               "--report", "junit", "--report-junit-path", str(report), "--no-color"]
    if seed is not None:
        command += ["--seed", str(seed)]
    return subprocess.run(command, capture_output=True, text=True, timeout=1800)


@pytest.fixture(scope="module")
def fuzzed(request, vhost_pipeline, tmp_path_factory):
    with running_system(request, vhost_pipeline, tmp_path_factory.mktemp("fuzzed")) as running:
        run_manage(running.env, "seed", "all")
        yield running


@pytest.mark.timeout(1800)
def test_generated_requests_get_no_5xx_and_only_documented_answers(fuzzed, tmp_path):
    seed = os.environ.get("FUZZ_SEED", "20261123")
    done = run_schemathesis(fuzzed.gateway, int(os.environ.get("FUZZ_EXAMPLES", "20")),
                            None if seed == "random" else seed, tmp_path / "junit.xml")
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]
    assert "passed" in done.stdout
    # Proof the fuzzer got past authentication to the services behind it:
    assert "Authentication failed" not in done.stdout, done.stdout[-5000:]
