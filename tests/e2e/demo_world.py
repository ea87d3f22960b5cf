"""A registry seeded as ``consentry demo`` seeds it (``demo.seed.seed``: works, the demo
society with Jane Austen's and Charles Dickens's mandates, the demo AI lab, the three web
accounts with their known passwords), plus one reservation campaign from the society to the
lab sent to a loopback SMTP server, so the campaign, notice and letter pages have content.
"""

from __future__ import annotations

from consentry.bootstrap import Registry
from consentry.demo.seed import DEMO_ACCOUNTS, DEVELOPER_NAME, ORG_NAME, seed
from consentry.notices.delivery import SmtpTransport, SmtpUrl
from consentry.notices.kinds import NoticeKind
from consentry.notices.render import LetterRenderer
from consentry.notices.service import CampaignRequest
from consentry.registry.access import SYSTEM, Role


def demo_password(role: Role) -> tuple[str, str]:
    """``(email, password)`` of the demo account of ``role``."""
    return next((e, p) for r, e, p, _ in DEMO_ACCOUNTS if r is role)


def seed_demo(reg: Registry, smtp_url: str) -> tuple[str, str]:
    """Seed as the demo does and send one campaign; ``(campaign_id, notice_id)``."""
    seed(reg)
    with reg.uow() as uow:
        org = uow.parties.find_by_name(ORG_NAME)[0]
        dev = uow.parties.find_by_name(DEVELOPER_NAME)[0]
    svc = reg.notices()
    renderer = LetterRenderer(pdf=False)
    created = svc.create_campaign(
        SYSTEM,
        CampaignRequest(
            organisation_id=org,
            kind=NoticeKind.RESERVATION,
            developers=(dev,),
            template_sha256=renderer.fingerprint(),
        ),
    )
    cid = str(created["campaign_id"])
    svc.queue(SYSTEM, cid, renderer)
    with SmtpTransport(SmtpUrl.parse(smtp_url)) as transport:
        svc.deliver(SYSTEM, cid, transport)
    notice = str(svc.status(SYSTEM, cid)["notices"][0]["notice_id"])
    return cid, notice
