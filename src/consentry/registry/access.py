"""Who may do what: API-key roles and the rules the service applies to each call.

Roles: ``admin`` (everything); ``organisation`` (acts only for mandated members, within the
mandate); ``creator`` (own works and declarations); ``developer`` (lookups and decisions
only, never another party's private data such as contact points).
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from consentry.errors import PermissionDenied
from consentry.registry.choices import parse_choice
from consentry.registry.mandates import Mandate


class Role(StrEnum):
    ADMIN = "admin"
    ORGANISATION = "organisation"
    CREATOR = "creator"
    DEVELOPER = "developer"

    @classmethod
    def parse(cls, value: str) -> Role:
        return parse_choice(cls, value, field="role", label="role")


# Roles that must be tied to a party (their rights are the party's).
PARTY_ROLES = frozenset({Role.ORGANISATION, Role.CREATOR, Role.DEVELOPER})


@dataclass(frozen=True, slots=True)
class Actor:
    role: Role
    party_id: str | None = None
    key_id: str | None = None

    @property
    def label(self) -> str:
        who = f"party:{self.party_id}" if self.party_id else "registry"
        return f"{self.role.value}:{who}"

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            raise PermissionDenied(
                f"role {self.role.value} may not do this; "
                f"allowed: {', '.join(r.value for r in roles)}",
                role=self.role.value,
            )

    def own_party(self) -> str:
        """The key's party, for a role whose rights are its party's; refused when it has none
        (an explicit check, never an ``assert``: asserts vanish under ``python -O``)."""
        if self.party_id is None:
            raise PermissionDenied(
                f"a {self.role.value} key must belong to a party to do this; this one has none",
                role=self.role.value,
                expected="a key created with --party",
            )
        return self.party_id


SYSTEM = Actor(Role.ADMIN, None, "cli")


def member_party(actor: Actor, party_id: str | None = None) -> str:
    """Whose records ``actor`` reads in a member's own views (the notices sent on its behalf,
    its licences, statements, usage): a creator key its own party's, whatever it names; an
    admin the party it names. Other roles are refused (an organisation reads its campaigns,
    a developer what is addressed to it)."""
    actor.require(Role.ADMIN, Role.CREATOR)
    if actor.role is Role.ADMIN and party_id is not None:
        return party_id
    return actor.own_party()


def unmandated(
    organisation_id: str, parties: Iterable[str], mandates: Iterable[Mandate], *, at: datetime
) -> list[str]:
    """The parties, other than the organisation itself, that hold no mandate in force at
    ``at`` to ``organisation_id`` (sorted): an organisation registers a work only when this is
    empty for every holder and contributor named on it.

    Decision: any mandate in force counts, whatever its purposes and territories (registering
    a work declares no terms; each declaration is then checked against the mandate's scope),
    and every contributor counts, creative or not (a publisher or editor named on the work
    has not let the organisation speak for it either): erring toward refusing.
    """
    mandated = {
        m.member_id for m in mandates if m.organisation_id == organisation_id and m.in_force(at)
    }
    return sorted({p for p in parties if p != organisation_id and p not in mandated})


def check_may_register(
    actor: Actor,
    parties: Set[str],
    mandates: Iterable[Mandate],
    *,
    at: datetime,
    what: str = "works",
) -> None:
    """Refuse (PermissionDenied) unless ``actor`` may register a work naming ``parties`` (its
    holders and every contributor), or ``what`` else of such a work (its fingerprints): an
    admin always; a creator key when its party is named on the work; an organisation when
    every party named other than itself mandated it (:func:`unmandated`; ``mandates``: the
    organisation's); a developer key never."""
    actor.require(Role.ADMIN, Role.ORGANISATION, Role.CREATOR)
    if actor.role is Role.ADMIN:
        return
    if actor.role is Role.CREATOR:
        own = actor.own_party()
        if own not in parties:
            raise PermissionDenied(
                f"a creator key for party {own} may only register {what} it "
                "holds rights in or contributed to",
                party=own,
            )
        return
    org = actor.own_party()
    # Every holder and contributor other than the organisation itself must have mandated
    # it: listing itself as a minor holder does not let it register others' works.
    missing = unmandated(org, parties, mandates, at=at)
    if missing:
        raise PermissionDenied(
            f"organisation {org} holds no mandate in force from "
            f"{'party' if len(missing) == 1 else 'parties'} {', '.join(missing)} named on "
            f"this work; an organisation registers {what} only for parties that mandated it",
            organisation=org,
            parties=missing,
        )


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as an admin may see it: never its secret nor the secret's hash."""

    key_id: str
    role: Role
    party_id: str | None
    created_at: datetime
    revoked_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """What ``GET /v1/keys`` lists and ``consentry keys list --json`` prints."""
        return {
            "key_id": self.key_id,
            "role": self.role.value,
            "party_id": self.party_id,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }
