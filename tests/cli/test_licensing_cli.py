"""``consentry licences|schemes|credits`` on a real SQLite data folder: the documented flow
offer -> request -> grant -> revoke, with --json outputs, and refusals that exit 2 or 1
with one line naming the value."""

from __future__ import annotations

import json
from pathlib import Path

from tests.licensing.kit import Cast, cast
from typer.testing import CliRunner

from consentry.cli.app import build_app
from consentry.cli.common import registry_for
from consentry.ledger.receipts import verify_receipt

runner = CliRunner()
app = build_app()


def run(*args: str, home: Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--home", str(home)])
    return result.exit_code, result.stdout, result.stderr


def setup(home: Path) -> Cast:
    with registry_for(home) as reg:
        return cast(reg)


def ok(*args: str, home: Path) -> dict[str, object]:
    code, out, err = run(*args, home=home)
    assert code == 0, err
    answer: dict[str, object] = json.loads(out)
    return answer


def test_offer_request_grant_revoke(tmp_path: Path) -> None:
    home = tmp_path / "home"
    c = setup(home)
    offered = ok(
        "licences", "offer", "--work", c.book, "--purposes", "ai-train", "--fee-model",
        "per-work", "--amount", "5000", "--currency", "GBP", "--term-days", "365",
        "--territory", "GB", "--attribution", "{title} by {creators}", "--json", home=home,
    )  # fmt: skip
    assert set(offered) == {"offer_id"}
    requested = ok(
        "licences", "request", str(offered["offer_id"]), "--developer", c.developer, "--json",
        home=home,
    )  # fmt: skip
    assert set(requested) == {"request_id"}
    granted = ok("licences", "grant", str(requested["request_id"]), "--json", home=home)
    assert set(granted) == {"grant_id", "document"}
    document = granted["document"]
    assert isinstance(document, dict)
    with registry_for(home) as reg:
        verify_receipt(document, reg.signing_key.public_key())
    assert document["declaration"]["terms"]["territory"] == "GB"
    code, out, err = run("licences", "revoke", str(granted["grant_id"]), home=home)
    assert code == 0, err
    assert "revoked at" in out
    code, _, err = run("licences", "revoke", str(granted["grant_id"]), home=home)
    assert code == 1 and "already revoked" in err
    code, out, err = run("licences", "withdraw", str(offered["offer_id"]), home=home)
    assert code == 0 and "withdrawn at" in out, err
    code, _, err = run("licences", "request", str(offered["offer_id"]), "--developer",
                       c.developer, home=home)  # fmt: skip
    assert code == 1 and "withdrawn" in err


def test_scheme_create_and_opt_in(tmp_path: Path) -> None:
    home = tmp_path / "home"
    c = setup(home)
    scheme = ok(
        "schemes", "create", "--organisation", c.society, "--name", "AI Licences",
        "--purposes", "ai-train,ai-input", "--json", home=home,
    )  # fmt: skip
    sid = str(scheme["scheme_id"])
    code, out, err = run("schemes", "opt-in", sid, "--work", c.poem, "--purposes", "ai-input",
                         home=home)  # fmt: skip
    assert code == 0, err
    assert f"{c.poem}: {c.poet} opted in to {sid} for ai-input" in out
    code, out, err = run("schemes", "opt-in", sid, "--work", c.poem, "--purposes", "ai-train",
                         home=home)  # fmt: skip
    assert f"{c.poem}: {c.poet} opted in to {sid} for ai-input, ai-train" in out, err
    code, out, err = run("schemes", "opt-out", sid, "--work", c.poem, "--purposes", "ai-train",
                         home=home)  # fmt: skip
    assert f"{c.poem}: {c.poet} opted in to {sid} for ai-input" in out, err
    offered = ok(
        "licences", "offer", "--scheme", sid, "--purposes", "ai-input", "--fee-model",
        "per-unit", "--amount", "0.002", "--currency", "EUR", "--unit", "answers", "--json",
        home=home,
    )  # fmt: skip
    req = ok("licences", "request", str(offered["offer_id"]), "--developer", c.developer,
             "--json", home=home)  # fmt: skip
    granted = ok("licences", "grant", str(req["request_id"]), "--json", home=home)
    document = granted["document"]
    assert isinstance(document, dict)
    assert document["declaration"]["works"] == [{"work_id": c.poem, "purposes": ["ai-input"]}]


def test_refusals_name_the_value(tmp_path: Path) -> None:
    home = tmp_path / "home"
    c = setup(home)
    base = ("licences", "offer", "--purposes", "ai-train")
    code, _, err = run(*base, "--fee-model", "per-work", "--amount", "5", "--currency", "GPB",
                       "--work", c.book, home=home)  # fmt: skip
    assert code == 2 and "GPB" in err and "ISO 4217" in err
    code, _, err = run(*base, "--fee-model", "free-attribution", home=home)
    assert code == 2 and "expected exactly one" in err
    code, _, err = run(*base, "--fee-model", "free-attribution", "--work", c.book, "--party",
                       c.author, home=home)  # fmt: skip
    assert code == 2
    code, _, err = run("licences", "request", "of_nope", "--developer", c.developer, home=home)
    assert code == 1 and "of_nope" in err
    offered = ok(*base, "--fee-model", "free-attribution", "--work", c.book, "--by", c.author,
                 "--json", home=home)  # fmt: skip
    req = ok("licences", "request", str(offered["offer_id"]), "--developer", c.developer,
             "--json", home=home)  # fmt: skip
    code, _, err = run("licences", "grant", str(req["request_id"]), home=home)
    assert code == 1 and c.publisher in err  # the publisher has not agreed
    code, out, err = run("licences", "join", str(offered["offer_id"]), "--party", c.publisher,
                         home=home)  # fmt: skip
    assert code == 0, err
    code, out, err = run("licences", "grant", str(req["request_id"]), home=home)
    assert code == 0, err
    assert out.startswith("grant ") and c.developer in out


def test_export_and_credits(tmp_path: Path) -> None:
    home = tmp_path / "home"
    c = setup(home)
    offered = ok(
        "licences", "offer", "--party", c.poet, "--purposes", "ai-input", "--fee-model",
        "free-attribution", "--attribution", "{title} by {creators}", "--json", home=home,
    )  # fmt: skip
    oid = str(offered["offer_id"])
    policy = ok("licences", "export", oid, "--format", "odrl", home=home)
    assert policy["@type"] == "Offer"
    code, out, err = run("licences", "export", oid, "--format", "rsl", home=home)
    assert code == 0, err
    assert out.startswith("<?xml") and 'type="attribution"' in out
    code, _, err = run("licences", "export", oid, "--format", "pdf", home=home)
    assert code == 2 and "pdf" in err
    req = ok("licences", "request", oid, "--developer", c.developer, "--json", home=home)
    grant = ok("licences", "grant", str(req["request_id"]), "--json", home=home)
    gid = str(grant["grant_id"])
    code, out, err = run("credits", "record", gid, "--model", "acme/writer-7b", "--period",
                         "2026-03", home=home)  # fmt: skip
    assert code == 0, err
    assert f"{c.poem}  2026-03  Odes by Sam Poet" in out
    code, out, err = run("credits", "show", "--work", c.poem, home=home)
    assert code == 0, err
    assert 'credit "Odes by Sam Poet" for ai-input' in out and gid in out
    code, out, err = run("credits", "export", "--model", "acme/writer-7b", home=home)
    assert code == 0, err
    assert out.startswith("## Credits: acme/writer-7b") and "- Odes by Sam Poet" in out
    card = ok("credits", "export", "--model", "acme/writer-7b", "--format", "json", home=home)
    assert card["model"] == "acme/writer-7b"


def test_a_developer_added_with_parties_add_requests_a_licence(tmp_path: Path) -> None:
    """The issue's flow: the developer is a party made by `consentry parties add ... --role
    ai-developer --json`; a party without that role cannot request."""
    home = tmp_path / "home"
    c = setup(home)
    dev = ok("parties", "add", "Acme AI", "--kind", "organisation", "--role", "ai-developer",
             "--json", home=home)  # fmt: skip
    press = ok("parties", "add", "Other Press", "--kind", "organisation", "--role", "publisher",
               "--json", home=home)  # fmt: skip
    offered = ok("licences", "offer", "--work", c.poem, "--purposes", "ai-input", "--fee-model",
                 "free-attribution", "--json", home=home)  # fmt: skip
    req = ok("licences", "request", str(offered["offer_id"]), "--developer",
             str(dev["party_id"]), "--json", home=home)  # fmt: skip
    granted = ok("licences", "grant", str(req["request_id"]), "--json", home=home)
    assert granted["grant_id"]
    code, _, err = run("licences", "request", str(offered["offer_id"]), "--developer",
                       str(press["party_id"]), home=home)  # fmt: skip
    assert code == 2 and "ai-developer" in err
    code, out, err = run("decide", "--work", c.poem, "--purpose", "ai-input", "--developer",
                         str(dev["party_id"]), home=home)  # fmt: skip
    assert code == 0 and out.startswith("allow"), err
