"""Parties: the people and organisations the registry knows, and the roles they play."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from consentry.errors import ValidationError
from consentry.limits import MAX_CONTACT, MAX_NAME, check_length
from consentry.registry.choices import parse_choice


class PartyKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"

    @classmethod
    def parse(cls, value: str) -> PartyKind:
        return parse_choice(cls, value, field="kind", label="party kind")


class PartyRole(StrEnum):
    CREATOR = "creator"
    RIGHTSHOLDER = "rightsholder"
    PUBLISHER = "publisher"  # a rightsholder
    LABEL = "label"  # a rightsholder
    AGENT = "agent"  # a rightsholder's representative (literary agent)
    MEMBER_ORGANISATION = "member-organisation"
    AI_DEVELOPER = "ai-developer"

    @classmethod
    def parse(cls, value: str) -> PartyRole:
        key = value.strip().lower().replace("_", "-")
        return parse_choice(cls, value, field="role", label="party role", key=key)


def name_key(name: str) -> str:
    """A party name as it is matched: case-folded, runs of white space as one space."""
    return " ".join(name.casefold().split())


# Roles whose holders own rights in works (they appear in a work's holders list).
RIGHTSHOLDER_ROLES = frozenset(
    {
        PartyRole.CREATOR,
        PartyRole.RIGHTSHOLDER,
        PartyRole.PUBLISHER,
        PartyRole.LABEL,
        PartyRole.AGENT,
    }
)


# Contact kinds. ``form`` is a web form (a developer's copyright or opt-out form), ``policy``
# a published policy page (a crawler or AI-training policy); both are http(s) URLs.
CONTACT_KINDS = ("email", "postal", "url", "form", "policy", "phone")
URL_KINDS = frozenset({"form", "policy"})


@dataclass(frozen=True, slots=True)
class ContactPoint:
    kind: str  # one of CONTACT_KINDS
    value: str

    def __post_init__(self) -> None:
        if self.kind not in CONTACT_KINDS:
            raise ValidationError(
                f"contact kind {self.kind!r} is not one of {', '.join(CONTACT_KINDS)}",
                field="contacts.kind",
                value=self.kind,
                expected=", ".join(CONTACT_KINDS),
            )
        check_length(self.value, field="contacts.value", limit=MAX_CONTACT)
        # (no general "not empty" rule: contacts stored before this check are read with it,
        # and a stored value must stay readable; email, form and policy refuse empties below)
        if self.kind == "email" and ("@" not in self.value or " " in self.value.strip()):
            raise ValidationError(
                f"email {self.value!r} is not an address",
                field="contacts.value",
                value=self.value,
                expected="an address like name@example.org",
            )
        if self.kind in URL_KINDS and not _is_web_url(self.value):
            raise ValidationError(
                f"{self.kind} contact {self.value!r} is not an http(s) URL",
                field="contacts.value",
                value=self.value,
                expected="a URL starting with https:// or http://",
            )


def _is_web_url(value: str) -> bool:
    scheme, sep, rest = value.partition("://")
    host = rest.split("/", 1)[0]
    return bool(sep) and scheme.lower() in ("http", "https") and bool(host) and " " not in value


def parse_contact(text: str, *, field: str = "--contact") -> ContactPoint:
    """``KIND:VALUE`` (``email:rights@example.org``, ``form:https://...``) as a contact."""
    kind, sep, value = text.partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in CONTACT_KINDS:
        raise ValidationError(
            f"{field} {text!r} is not KIND:VALUE with KIND one of {', '.join(CONTACT_KINDS)}",
            field=field,
            value=text,
            expected=f"KIND:VALUE, KIND one of {', '.join(CONTACT_KINDS)}",
        )
    return ContactPoint(kind, value.strip())


@dataclass(frozen=True, slots=True)
class Party:
    id: str
    name: str
    kind: PartyKind
    roles: frozenset[PartyRole] = frozenset()
    identifiers: tuple[str, ...] = ()  # canonical identifier strings (isni:, orcid:, url:)
    contacts: tuple[ContactPoint, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationError(
                "party name is empty", field="name", value=self.name, expected="a non-empty name"
            )
        check_length(self.name, field="name", limit=MAX_NAME)
        if "\x00" in self.name:
            raise ValidationError(
                f"party name {self.name!r} contains a NUL character",
                field="name",
                value=self.name,
                expected="text without NUL (U+0000)",
            )

    def has_role(self, role: PartyRole) -> bool:
        return role in self.roles
