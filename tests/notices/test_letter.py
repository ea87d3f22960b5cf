"""The letter a developer received, read back through the service (the web's notice page):
the text of the message as sent, for the developer it is addressed to only; none before the
notice is queued."""

from __future__ import annotations

import pytest

from consentry.errors import PermissionDenied
from consentry.registry.access import SYSTEM, Actor, Role
from tests.notices.conftest import NoticeWorld
from tests.notices.smtp import smtp_server
from tests.notices.test_campaigns import create, send


def test_the_letter_as_sent_is_read_back_by_its_addressee_only(world: NoticeWorld) -> None:
    svc = world.registry.notices()
    cid = create(world)["campaign_id"]
    drafted = svc.status(SYSTEM, cid)["notices"][0]["notice_id"]
    assert svc.letter(SYSTEM, drafted) is None  # nothing rendered yet
    with smtp_server() as box:
        send(svc, cid, box)
    notice = next(
        n
        for n in svc.status(SYSTEM, cid)["notices"]
        if n["developer"] == world.developers["openai"]
    )
    dev = Actor(Role.DEVELOPER, world.developers["openai"])
    letter = svc.letter(dev, notice["notice_id"])
    assert letter is not None and "Society of Authors" in letter
    arrived = next(a for a in box.arrived if a.message_id == notice["message_id"])
    body = arrived.message().get_body(preferencelist=("plain",))
    assert body is not None and letter == body.get_content()
    other = Actor(Role.DEVELOPER, world.developers["anthropic"])
    with pytest.raises(PermissionDenied):
        svc.letter(other, notice["notice_id"])
