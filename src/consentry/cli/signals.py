"""Signal commands: ``signals write``, ``signals read``, ``signals lint`` and ``check``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import typer

from consentry.cli.common import HomeOption, echo_json, reports_errors, settings_for
from consentry.errors import SignalError, ValidationError
from consentry.signals.formats import FORMATS

if TYPE_CHECKING:
    from consentry.registry.parties import Party
    from consentry.registry.terms import TermsSet
    from consentry.signals.c2pa_signing import SigningCredentials
    from consentry.signals.fetched import CheckConfig, RegistryLookup

# Commands import what they implement inside their bodies: see consentry.cli.app.

signals_app = typer.Typer(
    help="Machine-readable AI-use signals: write every carrier, read one, lint a site.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(signals_app, name="signals")
    app.command("check")(check)


def _terms_from(
    work: str | None, party: str | None, spec: str | None, home: Path | None, attribution: bool
) -> tuple[TermsSet, Party | None]:
    """The terms to write and the party that declared them (None for ``--terms``)."""
    given = [n for n, v in (("--work", work), ("--party", party), ("--terms", spec)) if v]
    if len(given) != 1:
        raise ValidationError(
            f"give exactly one of --work, --party, --terms (got {', '.join(given) or 'none'})",
            field="terms",
            value=given,
            expected="one of --work ID, --party ID, --terms SPEC",
        )
    from consentry.registry.terms import TermsSet, parse_terms_spec

    if spec is not None:
        terms = TermsSet.from_statuses(parse_terms_spec(spec), attribution_required=attribution)
        return terms, None
    from consentry.bootstrap import open_registry
    from consentry.registry.access import SYSTEM

    with open_registry(settings=settings_for(home)) as reg:
        if work is not None:
            terms = reg.current_terms(work)
            holders = reg.service.get_work(work).holders
            party_id = holders[0].party_id if holders else None
        else:
            terms, party_id = reg.party_terms(str(party)), str(party)
        declarant = reg.service.get_party(SYSTEM, party_id) if party_id else None
        return terms, declarant


def _c2pa_credentials(
    fmt: str, cert: Path | None, key: Path | None, home: Path | None
) -> SigningCredentials | None:
    if fmt.strip().lower() != "c2pa":
        return None
    from consentry.ledger.c2pa_keys import registry_credentials, user_credentials

    if (cert is None) != (key is None):
        raise ValidationError(
            "give both --c2pa-cert and --c2pa-key, or neither (the registry's key issues one)",
            field="c2pa-cert",
            value=str(cert or key),
            expected="--c2pa-cert CHAIN.pem --c2pa-key KEY.pem",
        )
    if cert is not None and key is not None:
        return user_credentials(cert, key)
    from datetime import UTC, datetime

    return registry_credentials(settings_for(home).home, now=datetime.now(UTC))


def _party_contact(party: Party | None) -> str | None:
    """The party's first e-mail contact, else its first URL contact."""
    if party is None:
        return None
    for kind in ("email", "url"):
        for c in party.contacts:
            if c.kind == kind:
                return c.value
    return None


@signals_app.command("write")
@reports_errors
def write_cmd(
    fmt: str = typer.Option(..., "--format", "-f", help=f"One of: {', '.join(FORMATS)}."),
    work: str | None = typer.Option(None, "--work", help="Write the terms of this work."),
    party: str | None = typer.Option(None, "--party", help="Write this party's catalogue terms."),
    terms: str | None = typer.Option(
        None, "--terms", help='Terms given directly, e.g. "ai-train=reserved;search=allowed".'
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here (default stdout)."),
    input_file: Path | None = typer.Option(
        None, "--in", help="The file to write into (epub, pdf, image formats)."
    ),
    site_url: str | None = typer.Option(None, "--site-url", help="The site's origin URL."),
    policy_url: str | None = typer.Option(None, "--policy-url", help="Where the TDM policy is."),
    licence_url: str | None = typer.Option(
        None, "--licence-url", help="Where the RSL license.xml is served."
    ),
    contact: str | None = typer.Option(
        None,
        "--contact",
        help="Licensing contact (e-mail/URL); default: the declaring party's registry record.",
    ),
    attribution: bool = typer.Option(
        False, "--attribution", help="With --terms: allowed uses require attribution."
    ),
    c2pa_cert: Path | None = typer.Option(
        None, "--c2pa-cert", help="c2pa: your PEM certificate chain (signing cert first)."
    ),
    c2pa_key: Path | None = typer.Option(
        None, "--c2pa-key", help="c2pa: the private key of --c2pa-cert (PEM)."
    ),
    home: Path | None = HomeOption,
) -> None:
    """Write one signal carrier from a work's, a party's or given terms.

    ``--format c2pa`` signs a manifest into a JPEG or PNG with a certificate issued by the
    registry's own key (files in the data folder; c2pa-ca.pem is the trust anchor to hand
    to verifiers), or with your own chain (--c2pa-cert and --c2pa-key)."""
    from consentry.signals.write import WriteOptions, write

    ts, declarant = _terms_from(work, party, terms, home, attribution)
    opts = WriteOptions(
        site_url,
        policy_url,
        licence_url,
        contact or _party_contact(declarant),
        declarant.name if declarant is not None else None,
        _c2pa_credentials(fmt, c2pa_cert, c2pa_key, home),
    )
    data = None
    if input_file is not None:
        try:
            data = input_file.read_bytes()
        except OSError as e:
            raise SignalError(
                f"cannot read --in {input_file}: {e.strerror or e}",
                field="in",
                value=str(input_file),
                expected="a readable file",
            ) from None
    body = write(ts, fmt, options=opts, data=data)
    if out is None:
        if FORMATS[fmt.strip().lower()].needs_input and sys.stdout.isatty():
            raise SignalError(
                f"format {fmt!r} produces a binary file; give --out PATH",
                field="out",
                expected="--out PATH",
            )
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    else:
        out.write_bytes(body)
        typer.echo(f"wrote {len(body)} bytes of {fmt} to {out}", err=True)


@signals_app.command("read")
@reports_errors
def read_cmd(
    file: Path = typer.Argument(..., help="The local file to read."),
    carrier: str = typer.Option(..., "--carrier", "-c", help="What the file is (robots, ...)."),
    url: str | None = typer.Option(None, "--url", help="The URL the file belongs to / is for."),
    agent: str = typer.Option("*", "--agent", help="Crawler product token, default '*'."),
    trust: Path | None = typer.Option(
        None,
        "--trust",
        help="c2pa: PEM trust anchors (default: this registry's c2pa-ca.pem, if any).",
    ),
    home: Path | None = HomeOption,
) -> None:
    """Read one local carrier file and resolve it (JSON on stdout).

    ``--carrier c2pa`` on a JPEG, PNG or PDF validates its signed C2PA manifests: each
    training-mining assertion is reported trusted, signed (untrusted signer) or tampered."""
    from consentry.ledger.c2pa_keys import CA_CERT, read_trust
    from consentry.signals.read import read_file

    own_ca = settings_for(home).home / CA_CERT
    if trust is None and own_ca.exists():
        trust = own_ca
    anchors = read_trust(trust)
    echo_json(read_file(file, carrier, url=url, agent=agent, trust_anchors=anchors).to_json())


@signals_app.command("lint")
@reports_errors
def lint_cmd(
    url: str = typer.Argument(..., help="A page URL of the site to lint."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON."),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds per request."),
    home: Path | None = HomeOption,
) -> None:
    """Fetch a site's carriers and report contradictions and common errors, with fixes.

    Exit status 1 when an error-level finding is reported.
    """
    import asyncio

    from consentry.signals.checkrun import fetch_site
    from consentry.signals.fetched import CheckConfig
    from consentry.signals.lint import lint

    site = asyncio.run(fetch_site(url, CheckConfig(timeout=timeout, retries=1)))
    findings = lint(site)
    if as_json:
        echo_json([f.to_json() for f in findings])
    elif not findings:
        typer.echo(f"{url}: no problems found")
    else:
        for f in findings:
            typer.echo(f"{f.severity}: [{f.code}] {f.carrier}: {f.message}")
            typer.echo(f"  fix: {f.fix}")
    if any(f.severity == "error" for f in findings):
        raise typer.Exit(1)


@reports_errors
def check(
    urls: list[str] | None = typer.Argument(None, help="URLs to check."),
    urls_file: Path | None = typer.Option(None, "--urls", help="A file of URLs, one a line."),
    agent: str = typer.Option("*", "--agent", help="Crawler product token, default '*'."),
    out: Path | None = typer.Option(None, "--out", help="Write JSON lines here (default stdout)."),
    concurrency: int = typer.Option(64, "--concurrency", help="URLs checked at once."),
    per_host: int = typer.Option(8, "--per-host", help="Requests in flight per host."),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds per request."),
    retries: int = typer.Option(2, "--retries", help="Retries on network errors, 429, 5xx."),
    workers: int = typer.Option(
        1, "--workers", help="Checker processes; URLs are sharded by host (one fetch per host)."
    ),
    registry: bool | None = typer.Option(
        None,
        "--registry/--no-registry",
        help="Add the registry's terms for URLs registered as works (default: when the data "
        "folder exists).",
    ),
    home: Path | None = HomeOption,
) -> None:
    """Check live URLs: fetch every carrier, resolve per purpose, one JSON line per URL."""
    from consentry.signals.fetched import CheckConfig

    todo = list(urls or [])
    if urls_file is not None:
        try:
            todo += [
                line.strip()
                for line in urls_file.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.lstrip().startswith("#")
            ]
        except (OSError, UnicodeDecodeError) as e:
            raise ValidationError(
                f"cannot read --urls {urls_file}: {e}",
                field="urls",
                value=str(urls_file),
                expected="a UTF-8 text file of URLs, one a line",
            ) from None
    if not todo:
        raise ValidationError(
            "no URLs to check", field="urls", expected="URL arguments or --urls FILE"
        )
    if workers < 1:
        raise ValidationError(
            f"--workers {workers} must be at least 1",
            field="workers",
            value=workers,
            expected="a positive integer",
        )
    config = CheckConfig(
        agent=agent, concurrency=concurrency, per_host=per_host, timeout=timeout, retries=retries
    )
    settings = settings_for(home)
    use_registry = (
        registry
        if registry is not None
        else (home is not None or "CONSENTRY_HOME" in os.environ or settings.home.exists())
    )
    registered: dict[str, list[tuple[str, TermsSet]]] | None = None
    if use_registry:
        from consentry.bootstrap import open_registry

        registered = {}
        with open_registry(settings=settings) as reg:
            # one batched registry lookup before the network work (not one query per URL
            # inside the event loop); URLs that are not valid identifiers match nothing
            unique = list(dict.fromkeys(todo))
            for start in range(0, len(unique), 1000):
                chunk = unique[start : start + 1000]
                results = reg.service.lookup([f"url:{u}" for u in chunk])
                for url, found in zip(chunk, results, strict=True):
                    if found.error is None and found.works:
                        registered[url] = [(w.id, t) for w, t in found.works]
    _run_check(todo, config, registered, out, workers)


def _run_check(
    urls: list[str],
    config: CheckConfig,
    registered: dict[str, list[tuple[str, TermsSet]]] | None,
    out: Path | None,
    workers: int,
) -> None:
    import asyncio

    from consentry.signals.checkrun import check_in_processes

    stream = out.open("w", encoding="utf-8") if out is not None else sys.stdout
    n = 0
    try:
        if workers > 1:
            for line in check_in_processes(urls, config, workers=workers, registered=registered):
                stream.write(line + "\n")
                n += 1
        else:
            n = asyncio.run(_check_here(urls, config, registered, stream))
    finally:
        if out is not None:
            stream.close()
    if out is not None:
        typer.echo(f"checked {n} URLs; results in {out}", err=True)


async def _check_here(
    urls: list[str],
    config: CheckConfig,
    registered: dict[str, list[tuple[str, TermsSet]]] | None,
    stream: TextIO,
) -> int:
    from consentry.signals.check import Checker

    n = 0
    lookup: RegistryLookup | None = None
    if registered is not None:
        found = registered

        def lookup(url: str) -> list[tuple[str, TermsSet]]:
            return found.get(url, [])

    async with Checker(config, registry=lookup) as checker:
        async for result in checker.check_many(urls):
            stream.write(result.to_line() + "\n")
            n += 1
    return n
