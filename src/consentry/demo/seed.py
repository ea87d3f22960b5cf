"""Seed a registry with the demo data: works from CSV and real ONIX samples, a member
organisation with a mandate, catalogue terms declared under that mandate, and API keys.

Seeding is idempotent: a registry that already holds the demo organisation keeps its data;
only the fingerprints of demo works that have none yet are added (a registry seeded before
the sample texts shipped with the package gets them on the next run).

The sample texts (ten public-domain novels, ``data/texts/*.txt.gz``, sources in
``data/texts/SOURCES.md``) ship with the package, so the demo is complete from an installed
package alone; ``corpus`` names another folder of the same files (plain or ``.gz``).
"""

from __future__ import annotations

import gzip
import hashlib
from datetime import timedelta
from importlib import resources
from pathlib import Path

from consentry.bootstrap import Registry
from consentry.errors import Conflict, ValidationError
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.importing import ImportReport, ParsedRecord, import_records
from consentry.registry.parties import ContactPoint, PartyKind, PartyRole
from consentry.registry.purposes import ALL_PURPOSES, Purpose, Status

ORG_NAME = "Society of Authors (demo)"
DEVELOPER_NAME = "Example AI Lab (demo)"
CREATOR_NAME = "Jane Austen"  # a creator of works.csv who mandated the demo organisation

# The web application's demo accounts (docs/web.md): role, email, password, party's name.
# Known passwords, printed at every start: for a demo on loopback only.
DEMO_ACCOUNTS = (
    (Role.CREATOR, "creator@demo.example", "demo-creator-password", CREATOR_NAME),
    (Role.ORGANISATION, "organisation@demo.example", "demo-organisation-password", ORG_NAME),
    (Role.DEVELOPER, "developer@demo.example", "demo-developer-password", DEVELOPER_NAME),
)


def _data() -> Path:
    return Path(str(resources.files("consentry.demo") / "data"))


def _import(reg: Registry, path: Path, records: list[ParsedRecord], fmt: str) -> ImportReport:
    svc = reg.service
    with reg.uow(write=True) as uow:
        report = import_records(
            uow,
            records,
            ids=svc.ids,
            now=uow.ledger.locked_now(svc.clock),
            actor=SYSTEM.label,
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            filename=path.name,
            fmt=fmt,
            skip_invalid=True,
        )
        uow.commit()
    return report


# The sample corpus's file for each demo work (works.csv work_id -> file in corpus/texts).
CORPUS_FILES = {
    "demo-emma": "emma.txt",
    "demo-pride": "prideprejudice.txt",
    "demo-persuasion": "persuasion.txt",
    "demo-mansfield": "mansfieldpark.txt",
    "demo-northanger": "northangerabbey.txt",
    "demo-sense": "sensesensibility.txt",
    "demo-greatexp": "great-expectations.txt",
    "demo-mobydick": "mobydick.txt",
    "demo-waroftheworlds": "the-war-of-the-worlds.txt",
    "demo-20000leagues": "twenty-thousand-leagues-under-the-sea.txt",
}


def sample_texts() -> Path:
    """The folder of the packaged sample texts (gzip-compressed)."""
    return _data() / "texts"


def corpus_files(corpus: Path | None = None) -> dict[str, Path]:
    """The text file of every demo work (works.csv id -> file): the packaged texts, or those
    in ``corpus``. A corpus that is not a folder, or lacks a text, is an error naming it."""
    folder = corpus if corpus is not None else sample_texts()
    if not folder.is_dir():
        raise ValidationError(
            f"--corpus {folder} is not a folder, expected a folder of the demo's sample texts "
            f"({', '.join(sorted(CORPUS_FILES.values()))})",
            field="--corpus",
            value=str(folder),
            expected="a folder of the sample texts",
        )
    found: dict[str, Path] = {}
    missing: list[str] = []
    for external, name in CORPUS_FILES.items():
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                found[external] = candidate
                break
        else:
            missing.append(name)
    if missing:
        raise ValidationError(
            f"--corpus {folder} lacks {', '.join(missing)} (plain or .gz), expected the ten "
            "sample texts",
            field="--corpus",
            value=str(folder),
            expected=", ".join(sorted(CORPUS_FILES.values())),
        )
    return found


def read_text(path: Path) -> str:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.decode("utf-8", errors="replace")


def register_corpus(reg: Registry, corpus: Path | None = None) -> int:
    """Fingerprint the demo works that have no fingerprints yet from their sample texts (the
    texts are not stored); the number fingerprinted."""
    files = corpus_files(corpus)
    with reg.uow() as uow:
        by_external = uow.works.ids_for_external(list(CORPUS_FILES))
        done = set(uow.fingerprints.work_ids())
    count = 0
    for external, path in files.items():
        work_id = by_external.get(external)
        if work_id is not None and work_id not in done:
            reg.service.register_fingerprints(SYSTEM, work_id=work_id, text=read_text(path))
            count += 1
    return count


def seed(reg: Registry, corpus: Path | None = None) -> list[str]:
    from consentry.registry.csvfile import parse_csv
    from consentry.registry.onix import parse_onix

    svc = reg.service
    keys_file = reg.settings.home / "demo-keys.txt"
    corpus_files(corpus)  # a corpus that is not there is refused before anything is written
    source = corpus or "the sample texts"
    with reg.uow() as uow:
        already = bool(uow.parties.find_by_name(ORG_NAME))
    if already:
        again = ["already seeded"]
        n = register_corpus(reg, corpus)
        if n:
            again.append(f"fingerprints of {n} works registered from {source}")
        return [
            *again,
            f"API keys: {keys_file}",
            *seed_accounts(reg),
            f"totals: {svc.counts()}",
        ]
    works = svc.counts()["works"]
    if works:
        raise Conflict(
            f"data folder {reg.settings.home} holds a registry that is not the demo's "
            f"({works} works); expected an empty registry or one the demo seeded: give the "
            "demo its own folder with --home DIR",
            home=str(reg.settings.home),
        )
    lines: list[str] = []
    csv_path = _data() / "works.csv"
    rep = _import(reg, csv_path, list(parse_csv(csv_path)), "csv")
    lines.append(f"works.csv: {rep.created} works, {rep.parties_created} parties")
    for onix in sorted((_data() / "onix").glob("*.xml")):
        rep = _import(reg, onix, list(parse_onix(onix)), "onix")
        lines.append(f"{onix.name}: {rep.created} works")
    org = svc.create_party(
        SYSTEM,
        name=ORG_NAME,
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.MEMBER_ORGANISATION],
        contacts=[ContactPoint("email", "rights@example.org")],
    )
    dev = svc.create_party(
        SYSTEM,
        name=DEVELOPER_NAME,
        kind=PartyKind.ORGANISATION,
        roles=[PartyRole.AI_DEVELOPER],
        # where notices go (docs/notices.md); .test is reserved (RFC 2606), never delivered
        contacts=[ContactPoint("email", "copyright@example-ai.test")],
    )
    with reg.uow() as uow:
        austen = uow.parties.find_by_name("Jane Austen")[0]
        dickens = uow.parties.find_by_name("Charles Dickens")[0]
    now = svc.clock()
    for member in (austen, dickens):
        svc.create_mandate(
            SYSTEM,
            organisation_id=org.id,
            member_id=member,
            purposes=list(ALL_PURPOSES),
            territories=["WORLD"],
            valid_from=now - timedelta(days=1),
            valid_until=None,
            evidence="membership form and AI-mandate clause, signed (demo)",
        )
    org_actor = Actor(Role.ORGANISATION, org.id)
    svc.declare_terms(
        org_actor,
        party_id=dickens,
        statuses={Purpose.AI_TRAIN: Status.RESERVED, Purpose.AI_INPUT: Status.LICENCE},
    )
    lines.append(f"{ORG_NAME} ({org.id}) holds mandates from Jane Austen and Charles Dickens")
    keys = []
    for role, party in (
        (Role.ADMIN, None),
        (Role.ORGANISATION, org.id),
        (Role.DEVELOPER, dev.id),
    ):
        _, token = svc.create_api_key(SYSTEM, role=role, party_id=party)
        keys.append(f"{role.value}\t{party or '-'}\t{token}")
    keys_file.write_text("role\tparty\ttoken\n" + "\n".join(keys) + "\n", encoding="utf-8")
    keys_file.chmod(0o600)
    n = register_corpus(reg, corpus)
    lines.append(f"fingerprints of {n} works registered from {source}")
    lines.append(f"API keys (admin, organisation, developer): {keys_file}")
    lines.extend(seed_accounts(reg))
    lines.append(f"totals: {svc.counts()}")
    return lines


def seed_accounts(reg: Registry) -> list[str]:
    """The demo's web accounts (:data:`DEMO_ACCOUNTS`), made when missing (a registry the
    demo seeded before accounts existed gets them), and the lines that tell how to sign in."""
    with reg.uow() as uow:
        existing = {a.email for a in uow.web_accounts.list()}
        parties = {name: uow.parties.find_by_name(name) for _, _, _, name in DEMO_ACCOUNTS}
    lines = ["web sign-in at /login (demo accounts: role, email, password):"]
    for role, email, password, name in DEMO_ACCOUNTS:
        if email not in existing and parties[name]:
            reg.accounts.create_account(
                SYSTEM, email=email, role=role, party_id=parties[name][0], password=password
            )
        lines.append(f"  {role.value:<13} {email:<26} {password}")
    return lines
