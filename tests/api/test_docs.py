"""docs/api.md stays honest: every served route is documented, and its error example is
what the API answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

from consentry.api.app import create_app
from consentry.bootstrap import Registry
from tests.api.conftest import ApiClient, World

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def documented_routes(text: str) -> set[tuple[str, str]]:
    out = set()
    for cell in re.findall(r"^\| `([^|]+)` \|", text, flags=re.M):
        for item in re.findall(r"(GET|POST|DELETE) (/[^`?]*)", cell):
            out.add(item)
    for item in re.findall(r"`(GET|POST|DELETE) (/[^`?]*)[^`]*`", text):
        out.add(item)
    return {(m, re.sub(r"\{[^}]+\}", "{}", p)) for m, p in out}


def test_every_route_is_documented(registry: Registry) -> None:
    spec = create_app(registry).openapi()
    served = {
        (m.upper(), re.sub(r"\{[^}]+\}", "{}", p)) for p, ops in spec["paths"].items() for m in ops
    }
    served.add(("GET", "/.well-known/consentry-public-key.pem"))
    missing = served - documented_routes(DOC.read_text(encoding="utf-8"))
    assert not missing, f"routes missing from docs/api.md: {sorted(missing)}"


def test_documented_error_example_is_real(client: ApiClient, world: World) -> None:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("## Errors", 1)[1].split("```console", 1)[1].split("```", 1)[0]
    body = json.loads(re.search(r"-d '([^']+)'", block).group(1))  # type: ignore[union-attr]
    answer = json.loads(block.split("/v1/works\n", 1)[1])
    r = client.post("/v1/works", json=body, headers=world.headers("admin"))
    assert r.json() == answer
