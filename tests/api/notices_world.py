"""A sent notice in the API tests' world (for the route x role table and the notices API
tests): the organisation and the developer get email addresses, a campaign names the
creator's works, and the notice is sent to a real SMTP server on loopback."""

from __future__ import annotations

from sqlalchemy import insert

from consentry.notices.delivery import SmtpTransport, SmtpUrl
from consentry.notices.kinds import NoticeKind
from consentry.notices.render import LetterRenderer
from consentry.notices.service import CampaignRequest
from consentry.registry.access import SYSTEM
from consentry.store.tables import ContactRow, table
from tests.api.conftest import World
from tests.notices.smtp import smtp_server

MARK = "_test_sent_notice"  # kept on the registry object: one sent notice per registry


def add_email(w: World, party_id: str, address: str) -> None:
    with w.registry.uow(write=True) as uow:
        uow.session.execute(
            insert(table(ContactRow)), [{"party_id": party_id, "kind": "email", "value": address}]
        )
        uow.commit()


def sent_notice(w: World) -> tuple[str, str]:
    """``(campaign_id, notice_id)`` of a notice to the world's developer, sent once."""
    done: tuple[str, str] | None = getattr(w.registry, MARK, None)
    if done is not None:
        return done
    add_email(w, w.org, "notices@society.example")
    add_email(w, w.developer, "copyright@ailab.example")
    svc = w.registry.notices()
    renderer = LetterRenderer(pdf=False)
    created = svc.create_campaign(
        SYSTEM,
        CampaignRequest(
            organisation_id=w.org,
            kind=NoticeKind.RESERVATION,
            developers=(w.developer,),
            template_sha256=renderer.fingerprint(),
        ),
    )
    cid = created["campaign_id"]
    with smtp_server() as box:
        svc.queue(SYSTEM, cid, renderer)
        with SmtpTransport(SmtpUrl.parse(box.url)) as t:
            svc.deliver(SYSTEM, cid, t)
    notice = svc.status(SYSTEM, cid)["notices"][0]["notice_id"]
    setattr(w.registry, MARK, (cid, notice))
    return cid, notice
