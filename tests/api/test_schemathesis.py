"""schemathesis, all checks, against the served OpenAPI of the real server (uvicorn on
loopback), with every role's API key: it reports nothing.

Bounded: a few examples per operation and phase, no deadlines (schemathesis sets none on
requests; ``--max-response-time`` is not used). ``positive_data_acceptance`` expects
2xx, 401, 403, 404, 409 and 422 for schema-valid requests: what the schema cannot state is
checked by the core and answered 422 naming the field (an ISBN's check digit, a holder who
is not a party of the work, a mandate from a party to itself), 403 for what a role may not
do, 404 for ids the generator invents, 409 for a taken identifier.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import World
from tests.serving import serving

ROLES = ["admin", "organisation", "creator", "developer"]
CONFIG = """\
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "422"]
"""


@pytest.fixture
def server(world: World) -> Iterator[str]:
    with serving(world.registry) as served:
        yield served.base


def st_command() -> list[str]:
    found = shutil.which("st", path=os.path.dirname(sys.executable)) or shutil.which("st")
    assert found, "schemathesis is a dev dependency (pip install -e .[dev])"
    return [found]


def test_schemathesis_finds_nothing_with_any_role(
    server: str, world: World, tmp_path: Path
) -> None:
    cfg = tmp_path / "schemathesis.toml"
    cfg.write_text(CONFIG)
    failures = []
    for role in ROLES:
        run = subprocess.run(
            [
                *st_command(),
                "--config-file",
                str(cfg),
                "run",
                f"{server}/openapi.json",
                "--checks",
                "all",
                "--header",
                f"Authorization: Bearer {world.tokens[role]}",
                "--max-examples",
                "8",
                "--workers",
                "1",
                "--seed",
                "8",
                "--no-shrink",
                "--request-timeout",
                "60",
                "--suppress-health-check",
                "all",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
        if run.returncode != 0:
            failures.append(
                f"--- {role} (exit {run.returncode})\n{run.stdout[-6000:]}{run.stderr[-2000:]}"
            )
    assert not failures, "\n".join(failures)
