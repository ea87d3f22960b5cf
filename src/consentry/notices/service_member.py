"""What a member sees of the campaigns run on its behalf: the campaigns that named it, their
notices (developer, state, dates), the developers' acknowledgements and answers, and the
removal requests about its works with their evidence files (names, kinds). Read only.

A mixin of :class:`consentry.notices.service.NoticeService`. A creator key reads its own
party's; an admin names the party. A developer's contact points (its notice's email
address, the message ids) are not shown to members: they are the developer's private data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from consentry.registry.access import Actor, member_party

if TYPE_CHECKING:
    from consentry.store.uow import SqlUnitOfWork

# what a member is shown of a notice (status_json less the developer's address)
PRIVATE_TO_DEVELOPER = ("email", "message_id")


@dataclass(frozen=True, slots=True)
class MemberNotices:
    """The campaigns naming a member, each with its notices, and the removal requests about
    the member's works (newest campaign last, as stored)."""

    party_id: str
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    removals: list[dict[str, Any]] = field(default_factory=list)


class MemberReads:
    _uow: Callable[[bool], SqlUnitOfWork]
    clock: Callable[[], datetime]

    def on_behalf_of(self, actor: Actor, party_id: str | None = None) -> MemberNotices:
        """The notices sent on behalf of ``party_id`` (default: the actor's own party)."""
        party = member_party(actor, party_id)
        now = self.clock()
        with self._uow(False) as uow:
            uow.parties.get(party)  # NotFound names an unknown party
            campaigns = uow.notices.campaigns_of_member(party)
            mine = uow.notices.works_of_parties([party]).get(party, [])
            removals = uow.removals.of_works(mine)
            names = uow.parties.get_many(
                sorted({c.organisation_id for c in campaigns} | {r.developer_id for r in removals})
            )
            titles = uow.notices.titles_and_identifiers(sorted({r.work_id for r in removals}))
            evidence = uow.removals.evidence([r.id for r in removals])
            out = MemberNotices(party)
            for c in campaigns:
                notices = uow.notices.notices(campaign_id=c.id)
                answers = uow.notices.answers([n.id for n in notices])
                works = {m: n for m, _, n in uow.notices.members(c.id)}.get(party, 0)
                out.campaigns.append(
                    {
                        "campaign_id": c.id,
                        "kind": c.kind.value,
                        "organisation_id": c.organisation_id,
                        "organisation": names[c.organisation_id].name,
                        "purposes": [p.value for p in c.purposes],
                        "territory": c.territory,
                        "created_at": c.created_at.isoformat(),
                        "deadline": c.deadline.isoformat(),
                        "my_works": works,
                        "notices": [
                            _notice(n.status_json(c.deadline, now), answers) for n in notices
                        ],
                    }
                )
        for r in removals:
            item = r.to_json(evidence.get(r.id, []))
            item["title"] = titles.get(r.work_id, ("", ()))[0]
            item["developer_name"] = names[r.developer_id].name
            out.removals.append(item)
        return out


def _notice(status: dict[str, Any], answers: list[Any]) -> dict[str, Any]:
    item = {k: v for k, v in status.items() if k not in PRIVATE_TO_DEVELOPER}
    item["answers"] = [a.to_json() for a in answers if a.notice_id == status["notice_id"]]
    for a in item["answers"]:
        a.pop("actor", None)
    return item
