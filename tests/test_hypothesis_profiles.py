"""The hypothesis profiles of tests/conftest.py: CI is derandomized, ``explore`` draws more.

Each case runs pytest in a child process with the environment or option under test, on the probe
below, which reports the settings a hypothesis test actually ran with.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

TESTS = Path(__file__).resolve().parent
PROBE_ENV = "EVENTSTUDY_PROFILE_PROBE"


@settings(max_examples=7)
@given(st.integers())
def test_profile_probe(value: int) -> None:
    """Write the settings in force to the file named by the probe variable (else do nothing)."""
    target = os.environ.get(PROBE_ENV)
    if target:
        used = settings()  # the profile in force (what a test without its own settings gets)
        own = test_profile_probe._hypothesis_internal_use_settings  # type: ignore[attr-defined]
        record = {"derandomize": used.derandomize, "max_examples": own.max_examples}
        Path(target).write_text(json.dumps(record), encoding="utf-8")


def _probe(tmp_path: Path, env: dict[str, str], *options: str) -> dict[str, object]:
    out = tmp_path / "probe.json"
    base = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOTHESIS_PROFILE")}
    base.update(env, **{PROBE_ENV: str(out)})
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *options,
            f"{TESTS / Path(__file__).name}::test_profile_probe",
        ],
        env=base,
        check=True,
        capture_output=True,
        cwd=TESTS.parent,
        timeout=120,
    )
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("env", "options", "derandomize", "examples"),
    [
        ({"CI": "true"}, (), True, 7),
        ({"HYPOTHESIS_PROFILE": "ci"}, (), True, 7),
        ({}, (), False, 7),
        ({}, ("--hypothesis-profile=explore",), False, 70),
    ],
)
def test_profile_in_force(tmp_path, env, options, derandomize, examples) -> None:
    got = _probe(tmp_path, env, *options)
    assert got == {"derandomize": derandomize, "max_examples": examples}
