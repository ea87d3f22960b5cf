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


@dataclass(frozen=True, slots=True)
class ContactPoint:
    kind: str  # "email", "url", "postal", "phone"
    value: str

    def __post_init__(self) -> None:
        if self.kind not in {"email", "url", "postal", "phone"}:
            raise ValidationError(
                f"contact kind {self.kind!r} is not one of email, url, postal, phone",
                field="contacts.kind",
                value=self.kind,
                expected="email, url, postal or phone",
            )
        check_length(self.value, field="contacts.value", limit=MAX_CONTACT)
        if self.kind == "email" and ("@" not in self.value or " " in self.value.strip()):
            raise ValidationError(
                f"email {self.value!r} is not an address",
                field="contacts.value",
                value=self.value,
                expected="an address like name@example.org",
            )


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
