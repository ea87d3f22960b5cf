"""The notices commands as a user runs them (real processes): create, preview, send,
status, ack; and a send killed with SIGKILL mid-campaign, then run again, which delivers
every notice, each Message-ID with the same bytes (at least once; once per Message-ID)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from consentry.bootstrap import build
from consentry.config import Settings
from consentry.registry.access import SYSTEM
from consentry.registry.parties import ContactPoint, PartyKind, PartyRole
from tests.conftest import FakeClock, SequentialIds
from tests.notices.conftest import NoticeWorld, build_world
from tests.notices.smtp import smtp_server

SRC = Path(__file__).resolve().parents[2] / "src"


def make_world(settings: Settings, extra_developers: int = 0) -> NoticeWorld:
    clock = FakeClock(datetime.now(UTC) - timedelta(days=3))
    reg = build(settings, clock=clock, ids=SequentialIds())
    try:
        w = build_world(reg, clock)
        for n in range(extra_developers):
            dev = reg.service.create_party(
                SYSTEM,
                name=f"Developer {n}",
                kind=PartyKind.ORGANISATION,
                roles=[PartyRole.AI_DEVELOPER],
                contacts=[ContactPoint("email", f"optout{n}@dev{n}.example")],
            )
            w.developers[f"dev{n}"] = dev.id
        return w
    finally:
        reg.close()


def env_for(settings: Settings, smtp_url: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC)
    env["CONSENTRY_HOME"] = str(settings.home)
    env.pop("CONSENTRY_DATABASE_URL", None)
    if settings.database_url:
        env["CONSENTRY_DATABASE_URL"] = settings.database_url
    if smtp_url:
        env["CONSENTRY_SMTP_URL"] = smtp_url
    return env


def cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "consentry", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_create_preview_send_status_ack(settings: Settings, tmp_path: Path) -> None:
    w = make_world(settings)
    env = env_for(settings)
    created = json.loads(
        cli(
            env,
            "notices",
            "campaign",
            "create",
            "--organisation",
            w.org,
            "--kind",
            "reservation",
            "--developers",
            "all",
            "--deadline-days",
            "30",
            "--json",
        ).stdout
    )
    assert set(created) >= {"campaign_id", "notices", "works", "excluded"}
    # members: all = every party with a mandate, in any state (bob has none: not listed)
    assert {e["reason"] for e in created["excluded"]} == {
        "mandate withdrawn",
        "purposes not covered",
        "expired",
    }
    cid = created["campaign_id"]
    out = tmp_path / "preview"
    cli(env, "notices", "campaign", "preview", cid, "--out", str(out))
    folders = sorted(p.name for p in out.iterdir())
    assert len(folders) == 3
    assert (out / folders[0] / "letter.pdf").read_bytes().startswith(b"%PDF-")
    bad = cli(env, "notices", "campaign", "send", cid, check=False)
    assert bad.returncode == 2 and "CONSENTRY_SMTP_URL" in bad.stderr
    with smtp_server() as box:
        sent = cli(env_for(settings, box.url), "notices", "campaign", "send", cid)
    assert "2 sent" in sent.stdout and len(box.arrived) == 2
    status = json.loads(cli(env, "notices", "campaign", "status", cid, "--json").stdout)
    assert set(status) >= {"campaign_id", "kind", "notices"}
    assert sorted(n["state"] for n in status["notices"]) == ["drafted", "sent", "sent"]
    assert set(status["notices"][0]) >= {
        "notice_id",
        "developer",
        "state",
        "message_id",
        "sent_at",
        "acknowledged_at",
    }
    text = box.arrived[0].message().get_body(("plain",))
    assert text is not None
    link = next(line.strip() for line in text.get_content().splitlines() if "/notices/ack/" in line)
    acked = cli(env, "notices", "ack", link)
    assert "acknowledged at" in acked.stdout
    status = json.loads(cli(env, "notices", "campaign", "status", cid, "--json").stdout)
    assert "acknowledged" in {n["state"] for n in status["notices"]}


def test_send_killed_mid_campaign_and_run_again_delivers_each_notice(
    settings: Settings,
) -> None:
    w = make_world(settings, extra_developers=4)
    env = env_for(settings)
    created = json.loads(
        cli(
            env,
            "notices",
            "campaign",
            "create",
            "--organisation",
            w.org,
            "--kind",
            "removal",
            "--developers",
            "all",
            "--json",
        ).stdout
    )
    cid = created["campaign_id"]
    with smtp_server(hold_at=3) as box:
        senv = env_for(settings, box.url)
        proc = subprocess.Popen(
            [sys.executable, "-m", "consentry", "notices", "campaign", "send", cid],
            env=senv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            # the server holds DATA's reply of the third message: the sender waits for it
            assert box.holding.wait(timeout=240), "the send never reached the third message"
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        box.release()
        held = box.arrived[2]
        again = cli(senv, "notices", "campaign", "send", cid)
        assert "1 re-sent after an unknown outcome" in again.stdout
        arrived = list(box.arrived)
    status = json.loads(cli(env, "notices", "campaign", "status", cid, "--json").stdout)
    with_address = [n for n in status["notices"] if n["email"]]
    assert len(with_address) == 6
    assert {n["state"] for n in with_address} == {"sent"}
    wanted = {n["message_id"] for n in with_address}
    copies = Counter(a.message_id for a in arrived)
    assert set(copies) == wanted  # every notice arrived, nothing else did
    # the one whose fate was unknown came twice, the same bytes; every other exactly once
    assert copies[held.message_id] == 2
    assert all(c == 1 for mid, c in copies.items() if mid != held.message_id)
    assert len({a.data for a in arrived if a.message_id == held.message_id}) == 1


def test_bounces_import_marks_the_notice_bounced(settings: Settings, tmp_path: Path) -> None:
    import mailbox

    from tests.notices.test_campaigns import dsn_for

    w = make_world(settings)
    env = env_for(settings)
    cid = json.loads(
        cli(
            env,
            "notices",
            "campaign",
            "create",
            "--organisation",
            w.org,
            "--kind",
            "transparency",
            "--developers",
            f"{w.developers['openai']},{w.developers['anthropic']}",
            "--json",
        ).stdout
    )["campaign_id"]
    with smtp_server() as box:
        cli(env_for(settings, box.url), "notices", "campaign", "send", cid)
    lost = next(a for a in box.arrived if a.recipients == ["legal@anthropic.example"])
    path = tmp_path / "bounces.mbox"
    mb = mailbox.mbox(str(path))
    mb.add(dsn_for(lost.message_id, "legal@anthropic.example"))
    mb.close()
    out = json.loads(cli(env, "notices", "bounces", "import", str(path), "--json").stdout)
    assert out["messages"] == 1 and len(out["notices"]) == 1
    status = json.loads(cli(env, "notices", "campaign", "status", cid, "--json").stdout)
    states = {n["developer"]: n["state"] for n in status["notices"]}
    assert states == {w.developers["openai"]: "sent", w.developers["anthropic"]: "bounced"}
    missing = cli(env, "notices", "bounces", "import", str(tmp_path / "nope.mbox"), check=False)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
