"""Campaigns end to end on the service, against a real SMTP server on loopback (aiosmtpd):
who is in and who is left out (and why), what arrives where, attachments that parse,
nothing sent outside a mandate, replies, bounces, follow-ups and the evidence bundle.
SQLite, and PostgreSQL when configured."""

from __future__ import annotations

import csv
import io
import json
import mailbox
import zipfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from consentry.errors import MandateError, PermissionDenied, ValidationError
from consentry.ledger.evidence import verify_bundle
from consentry.notices.delivery import SmtpTransport, SmtpUrl
from consentry.notices.evidence import write_bundle
from consentry.notices.kinds import NoticeKind
from consentry.notices.outbox import Outbox
from consentry.notices.render import LetterRenderer
from consentry.notices.service import CampaignRequest, NoticeService
from consentry.registry.access import SYSTEM, Actor, Role
from consentry.registry.purposes import Purpose
from tests.notices.conftest import NoticeWorld
from tests.notices.smtp import Mailbox, smtp_server


def create(w: NoticeWorld, **kw: Any) -> dict[str, Any]:
    svc = w.registry.notices()
    members = kw.pop("members", tuple(w.members.values()))
    req = CampaignRequest(
        organisation_id=w.org,
        kind=kw.pop("kind", NoticeKind.RESERVATION),
        members=members,
        template_sha256=LetterRenderer().fingerprint(),
        base_url="https://registry.example",
        **kw,
    )
    return svc.create_campaign(SYSTEM, req)


def send(svc: NoticeService, campaign_id: str, box: Mailbox) -> dict[str, Any]:
    renderer = LetterRenderer()
    svc.queue(SYSTEM, campaign_id, renderer)
    with SmtpTransport(SmtpUrl.parse(box.url)) as t:
        return svc.deliver(SYSTEM, campaign_id, t)


def attachments(msg: EmailMessage) -> dict[str, bytes]:
    out = {}
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        out[str(part.get_filename())] = data
    return out


def test_members_outside_a_mandate_are_left_out_with_the_reason(world: NoticeWorld) -> None:
    result = create(world)
    reasons = {e["member"]: e["reason"] for e in result["excluded"]}
    m = world.members
    assert reasons == {
        m["bob"]: "no mandate",
        m["cat"]: "mandate withdrawn",
        m["dan"]: "purposes not covered",
        m["eve"]: "expired",
    }
    assert (result["works"], result["members"]) == (2, 1)  # ann's two books
    assert result["notices"] == 3  # one per developer, with or without an address
    assert result["developers_without_email"] == [world.developers["nomail"]]
    # a campaign for ai-train only: dan's mandate covers it
    narrow = create(world, purposes=(Purpose.AI_TRAIN,))
    assert narrow["works"] == 4 and m["dan"] not in {e["member"] for e in narrow["excluded"]}


def test_a_territory_outside_every_mandate_leaves_the_member_out(world: NoticeWorld) -> None:
    svc = world.registry.service
    svc.create_mandate(
        SYSTEM,
        organisation_id=world.org,
        member_id=world.members["bob"],
        purposes=list(Purpose),
        territories=["GB"],
        valid_from=world.clock(),
        valid_until=None,
        evidence="form bob GB",
    )
    result = create(world)
    bob = [e for e in result["excluded"] if e["member"] == world.members["bob"]]
    assert [e["reason"] for e in bob] == ["territory not covered"]
    assert create(world, territory="GB")["works"] == 4  # ann (WORLD) and bob (GB)


def test_notices_arrive_at_the_right_developers_with_attachments(world: NoticeWorld) -> None:
    svc = world.registry.notices()
    cid = create(world)["campaign_id"]
    with smtp_server() as box:
        counts = send(svc, cid, box)
    assert counts == {"sent": 2, "refused": 0, "resent_unknown": 0}
    status = svc.status(SYSTEM, cid)
    by_dev = {n["developer"]: n for n in status["notices"]}
    assert by_dev[world.developers["nomail"]]["state"] == "drafted"
    got = {a.recipients[0]: a.message() for a in box.arrived}
    assert sorted(got) == ["copyright@openai.example", "legal@anthropic.example"]
    ann_titles = {"Ann's book 1", "Ann's book 2"}
    for dev, email in (
        ("openai", "copyright@openai.example"),
        ("anthropic", "legal@anthropic.example"),
    ):
        msg, notice = got[email], by_dev[world.developers[dev]]
        assert notice["state"] == "sent" and notice["sent_at"]
        assert msg["Message-ID"] == notice["message_id"]
        assert msg["From"].addresses[0].addr_spec == "notices@society.example"
        files = attachments(msg)
        mandates = list(csv.DictReader(io.StringIO(files["mandates.csv"].decode())))
        assert [m["mandate_id"] for m in mandates] == [world.mandates["ann"]]
        assert sorted(files) == [
            "mandates.csv",
            "notice-" + notice["notice_id"] + ".pdf",
            "policy.odrl.json",
            "works.csv",
            "works.json",
        ]
        assert files["notice-" + notice["notice_id"] + ".pdf"].startswith(b"%PDF-")
        rows = list(csv.DictReader(io.StringIO(files["works.csv"].decode())))
        assert {r["title"] for r in rows} == ann_titles
        assert {r["ai-train"] for r in rows} == {"reserved"}
        works = json.loads(files["works.json"])["works"]
        assert {w["title"] for w in works} == ann_titles
        assert all(w["identifiers"][0].startswith("isbn:978") for w in works)
        policy = json.loads(files["policy.odrl.json"])
        assert policy["@graph"][0]["prohibition"][0]["action"] == "tdm:mine"
        body = msg.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        assert "Art. 4(3)" in text and "express notice" in text and "ss.16(2)" in text
        assert "/notices/ack/" in text and notice["notice_id"] in text
    # nothing of the members without a mandate went anywhere
    for a in box.arrived:
        for label in ("Bob", "Cat", "Dan", "Eve"):
            assert f"{label}'s book".encode() not in a.data


def test_nothing_is_sent_when_a_mandate_lapsed_after_creation(world: NoticeWorld) -> None:
    svc = world.registry.notices()
    cid = create(world)["campaign_id"]
    world.registry.service.withdraw_mandate(SYSTEM, world.mandates["ann"])
    world.clock.advance(seconds=1)
    with smtp_server() as box, pytest.raises(MandateError, match="no longer cover"):
        send(svc, cid, box)
    assert box.arrived == []
    assert {n["state"] for n in svc.status(SYSTEM, cid)["notices"]} == {"drafted"}


def test_a_second_send_sends_nothing_more(world: NoticeWorld) -> None:
    svc = world.registry.notices()
    cid = create(world)["campaign_id"]
    with smtp_server() as box:
        send(svc, cid, box)
        again = send(svc, cid, box)
    assert again == {"sent": 0, "refused": 0, "resent_unknown": 0}
    assert len(box.arrived) == 2


def test_a_refused_recipient_is_bounced(world: NoticeWorld) -> None:
    svc = world.registry.notices()
    cid = create(world)["campaign_id"]
    with smtp_server(refuse={"legal@anthropic.example"}) as box:
        counts = send(svc, cid, box)
    assert counts["refused"] == 1 and counts["sent"] == 1
    states = {n["developer"]: n["state"] for n in svc.status(SYSTEM, cid)["notices"]}
    assert states[world.developers["anthropic"]] == "bounced"


def test_acknowledge_by_token_answer_by_key_and_who_sees_what(world: NoticeWorld) -> None:
    svc = world.registry.notices()
    cid = create(world)["campaign_id"]
    with smtp_server() as box:
        send(svc, cid, box)
    notice = next(
        n
        for n in svc.status(SYSTEM, cid)["notices"]
        if n["developer"] == world.developers["openai"]
    )
    token = svc.token(notice["notice_id"])
    with pytest.raises(ValidationError, match="not one this registry signed"):
        svc.acknowledge_token(token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
    first = svc.acknowledge_token(token)
    assert first["already"] is False
    assert svc.acknowledge_token(token)["already"] is True
    dev = Actor(Role.DEVELOPER, world.developers["openai"])
    other = Actor(Role.DEVELOPER, world.developers["anthropic"])
    with pytest.raises(PermissionDenied):
        svc.answer(other, notice["notice_id"], "not ours")
    answer = svc.answer(
        dev, notice["notice_id"], "We have removed them.", [("manifest.json", b'{"removed": 2}')]
    )
    assert answer.files[0].size == 14
    assert [n["notice_id"] for n in svc.notices_for(other)] != [notice["notice_id"]]
    mine = svc.notices_for(dev)
    assert [n["notice_id"] for n in mine] == [notice["notice_id"]]
    assert mine[0]["state"] == "answered"
    with pytest.raises(PermissionDenied):
        svc.notice(other, notice["notice_id"])
    stranger = Actor(Role.ORGANISATION, world.members["ann"])
    with pytest.raises(PermissionDenied):
        svc.status(stranger, cid)


def test_overdue_notices_get_a_reminder(world: NoticeWorld) -> None:
    svc = world.registry.notices()
    cid = create(world, deadline_days=14)["campaign_id"]
    with smtp_server() as box:
        send(svc, cid, box)
        openai = next(
            n
            for n in svc.status(SYSTEM, cid)["notices"]
            if n["developer"] == world.developers["openai"]
        )
        svc.acknowledge_token(svc.token(openai["notice_id"]))
        world.clock.advance(days=15)
        states = {n["developer"]: n["state"] for n in svc.status(SYSTEM, cid)["notices"]}
        assert states[world.developers["anthropic"]] == "overdue"
        assert states[world.developers["openai"]] == "acknowledged"
        queued = svc.queue_followups(SYSTEM, cid, LetterRenderer())
        with SmtpTransport(SmtpUrl.parse(box.url)) as t:
            svc.deliver(SYSTEM, cid, t)
        assert svc.queue_followups(SYSTEM, cid, LetterRenderer()) == []  # not twice a week
    assert len(queued) == 1
    reminder = box.arrived[-1].message()
    original = box.arrived[
        [a.recipients[0] for a in box.arrived].index("legal@anthropic.example")
    ].message()
    assert reminder["In-Reply-To"] == original["Message-ID"]
    assert reminder["Subject"].startswith("Reminder 1:")


def test_bounces_from_an_mbox_mark_the_notice(world: NoticeWorld, tmp_path: Path) -> None:
    from consentry.notices.bounces import read_mbox

    svc = world.registry.notices()
    cid = create(world)["campaign_id"]
    with smtp_server() as box:
        send(svc, cid, box)
    original = next(a for a in box.arrived if a.recipients == ["legal@anthropic.example"])
    dsn = dsn_for(original.message_id, "legal@anthropic.example")
    box_path = tmp_path / "bounces.mbox"
    mb = mailbox.mbox(str(box_path))
    mb.add(dsn)
    mb.close()
    bounces = read_mbox(box_path)
    assert [(b.recipients, b.permanent, b.status) for b in bounces] == [
        (("legal@anthropic.example",), True, "5.1.1")
    ]
    for b in bounces:
        svc.record_bounce(
            message_ids=b.message_ids,
            recipients=b.recipients,
            permanent=b.permanent,
            detail=b.detail(),
        )
    states = {n["developer"]: n["state"] for n in svc.status(SYSTEM, cid)["notices"]}
    assert states[world.developers["anthropic"]] == "bounced"
    assert states[world.developers["openai"]] == "sent"


def dsn_for(message_id: str, recipient: str) -> bytes:
    """An RFC 3464 delivery-status notification, as Postfix writes them."""
    return (
        "From: MAILER-DAEMON@mx.example\r\nTo: notices@society.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn1@mx.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nOriginal-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {message_id}\r\nTo: {recipient}\r\nSubject: Notice\r\n\r\n"
        "--B--\r\n"
    ).encode()


def test_evidence_bundle_verifies_and_one_changed_byte_fails(
    world: NoticeWorld, tmp_path: Path
) -> None:
    reg = world.registry
    svc = reg.notices()
    cid = create(world)["campaign_id"]
    with smtp_server() as box:
        send(svc, cid, box)
    out = tmp_path / "evidence.zip"
    write_bundle(
        svc,
        Outbox(reg.settings.home / "notices"),
        SYSTEM,
        cid,
        out,
        signer=reg.signing_key,
        registry="test",
    )
    trusted = reg.signing_key.public_key()
    report = verify_bundle(out.read_bytes(), trusted)
    assert report.ok and report.metadata["campaign_id"] == cid
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        contents = {n: z.read(n) for n in names}
    emls = [n for n in names if n.endswith(".eml")]
    assert len(emls) == 2 and {a.data for a in box.arrived} == {contents[n] for n in emls}
    assert any(n.endswith("notice.pdf") for n in names)
    assert "attachments/mandates.csv" in names
    ledger = json.loads(contents["ledger.json"])
    assert {"notices.campaign_created", "notices.queued", "notices.attempt", "notices.sent"} <= {
        e["kind"] for e in ledger
    }
    tampered = tmp_path / "tampered.zip"
    victim = emls[0]
    data = bytearray(contents[victim])
    data[len(data) // 2] ^= 1
    with zipfile.ZipFile(tampered, "w") as z:
        for n in names:
            z.writestr(n, bytes(data) if n == victim else contents[n])
    bad = verify_bundle(tampered.read_bytes(), trusted)
    assert not bad.ok and bad.bad_path == victim
