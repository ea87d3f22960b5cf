"""The AI-developer directory: developers, their contact points and the crawlers they run.

A developer is a party of role ``ai-developer`` with contact points for copyright notices
and opt-outs (``email``, ``postal`` address, ``form``: a web form, ``policy``: a published
policy page) and the crawler tokens it operates, each checked against the signals catalogue
(``signals/data/agents-v1.json``) and written in the catalogue's spelling.

The shipped seed (``registry/data/developers-v1.json``) names the major developers, their
tokens and their public crawler / opt-out pages. Its emails are empty on purpose: a notice
address is never guessed (docs/registry.md, "Members and developers").

Pure: values in, values out (the seed is package data, read as a resource).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from consentry.errors import ValidationError
from consentry.registry.parties import ContactPoint, Party
from consentry.signals.agents import load_catalogue

SEED_FILE = "developers-v1.json"
DEVELOPER_CONTACT_KINDS = ("email", "postal", "form", "policy")


@dataclass(frozen=True, slots=True)
class Developer:
    """A directory entry: the party (role ``ai-developer``) and its crawler tokens."""

    party: Party
    tokens: tuple[str, ...] = ()

    def contacts_of(self, kind: str) -> list[str]:
        return [c.value for c in self.party.contacts if c.kind == kind]

    def to_json(self) -> dict[str, Any]:
        return {
            "party_id": self.party.id,
            "name": self.party.name,
            "emails": self.contacts_of("email"),
            "postal_addresses": self.contacts_of("postal"),
            "optout_urls": self.contacts_of("form"),
            "policy_urls": self.contacts_of("policy"),
            "tokens": list(self.tokens),
        }


@dataclass(frozen=True, slots=True)
class DeveloperDraft:
    """What an import or the seed says of one developer (found by name, else created)."""

    name: str
    contacts: tuple[ContactPoint, ...] = ()
    tokens: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DeveloperRecord:
    """One record of a developers file: a draft, or the reason it could not be read."""

    number: int
    draft: DeveloperDraft | None
    error: str | None = None
    key: str | None = None


def catalogue_tokens(tokens: Iterable[str], *, field: str = "tokens") -> tuple[str, ...]:
    """Each token as the signals catalogue spells it (case-insensitive), in order, once.

    Raises :class:`ValidationError` naming the first token the catalogue does not list.
    """
    catalogue = load_catalogue()
    out: dict[str, None] = {}
    for token in tokens:
        agent = catalogue.by_token.get(token.strip().lower())
        if agent is None:
            raise ValidationError(
                f"crawler token {token.strip()!r} is not in the signals catalogue "
                f"(catalogue version {catalogue.version})",
                field=field,
                value=token,
                expected="a token of the signals catalogue, e.g. GPTBot, ClaudeBot, CCBot",
            )
        out[agent.token] = None
    return tuple(out)


def additions(
    draft: DeveloperDraft, existing: Developer | None
) -> tuple[list[ContactPoint], list[str]]:
    """The contacts and tokens ``draft`` adds to what the directory already holds."""
    have_contacts = {(c.kind, c.value) for c in existing.party.contacts} if existing else set()
    have_tokens = {t.lower() for t in existing.tokens} if existing else set()
    contacts = [c for c in dict.fromkeys(draft.contacts) if (c.kind, c.value) not in have_contacts]
    tokens = [t for t in dict.fromkeys(draft.tokens) if t.lower() not in have_tokens]
    return contacts, tokens


def check_token_owners(
    records: Sequence[tuple[int, str, Sequence[str]]], owners: dict[str, tuple[str, str]]
) -> dict[int, str]:
    """Errors by record number for tokens another developer already operates.

    ``records``: (number, developer name key, tokens); ``owners``: token (lower case) ->
    (name key, label) of the developer that holds it, in the registry or earlier in the file.
    """
    errors: dict[int, str] = {}
    for number, key, tokens in records:
        for token in tokens:
            owner = owners.get(token.lower())
            if owner is not None and owner[0] != key:
                errors[number] = (
                    f"tokens: {token} is already operated by {owner[1]}, expected each "
                    "crawler token under one developer"
                )
                break
        else:
            for token in tokens:
                owners.setdefault(token.lower(), (key, f"record {number}"))
    return errors


@cache
def seed_bytes() -> bytes:
    """The shipped seed file, as bytes (its SHA-256 makes ``developers seed`` idempotent)."""
    return resources.files("consentry.registry").joinpath("data", SEED_FILE).read_bytes()


def seed_sha256() -> str:
    return hashlib.sha256(seed_bytes()).hexdigest()


def seed_records() -> list[DeveloperRecord]:
    """The shipped seed as records (every one valid: a test checks it)."""
    data = json.loads(seed_bytes())
    out = []
    for n, entry in enumerate(data["developers"], start=1):
        contacts = [ContactPoint("form", entry["optout_url"])] if entry["optout_url"] else []
        contacts += [ContactPoint("policy", u) for u in entry["policy_urls"]]
        if entry.get("email"):
            contacts.append(ContactPoint("email", entry["email"]))
        if entry.get("postal_address"):
            contacts.append(ContactPoint("postal", entry["postal_address"]))
        draft = DeveloperDraft(
            name=entry["name"],
            contacts=tuple(contacts),
            tokens=catalogue_tokens(entry["tokens"]),
        )
        out.append(DeveloperRecord(n, draft, None, entry["name"]))
    return out
