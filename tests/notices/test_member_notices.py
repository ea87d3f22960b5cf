"""What a member reads of the campaigns run on its behalf (notices/service_member.py): its
campaigns' notices and answers, removal requests about its works; never another member's,
never a developer's address."""

from __future__ import annotations

import pytest

from consentry.errors import PermissionDenied
from consentry.notices.kinds import NoticeKind
from consentry.registry.access import SYSTEM, Actor, Role
from tests.notices.conftest import NoticeWorld
from tests.notices.smtp import smtp_server
from tests.notices.test_campaigns import create, send


def test_a_member_reads_the_notices_naming_it_and_their_answers(world: NoticeWorld) -> None:
    svc = world.registry.notices()
    cid = create(world)["campaign_id"]  # ann is named; bob (no mandate) is not
    with smtp_server() as box:
        send(svc, cid, box)
    dev = Actor(Role.DEVELOPER, world.developers["openai"])
    nid = next(n["notice_id"] for n in svc.notices_for(dev))
    svc.answer(dev, nid, "We have taken note.")
    ann = Actor(Role.CREATOR, world.members["ann"])
    got = svc.on_behalf_of(ann)
    assert [c["campaign_id"] for c in got.campaigns] == [cid]
    c = got.campaigns[0]
    assert c["organisation"] == "Society of Authors" and c["my_works"] == 2
    assert c["kind"] == "reservation"
    by_dev = {n["developer"]: n for n in c["notices"]}
    assert set(by_dev) == set(world.developers.values())
    assert by_dev[world.developers["openai"]]["state"] == "answered"
    assert by_dev[world.developers["openai"]]["answers"][0]["text"] == "We have taken note."
    assert all("email" not in n and "message_id" not in n for n in c["notices"])
    bob = Actor(Role.CREATOR, world.members["bob"])
    assert svc.on_behalf_of(bob).campaigns == []
    assert svc.on_behalf_of(SYSTEM, world.members["ann"]).campaigns == got.campaigns


def test_removal_requests_about_my_works_only(world: NoticeWorld) -> None:
    svc = world.registry.notices()
    create(world, kind=NoticeKind.REMOVAL, members=(world.members["ann"],))
    ann = svc.on_behalf_of(Actor(Role.CREATOR, world.members["ann"]))
    assert {r["work_id"] for r in ann.removals} == set(world.works["ann"])
    assert len(ann.removals) == 2 * len(world.developers)
    assert {r["state"] for r in ann.removals} == {"requested"}
    assert ann.removals[0]["title"].startswith("Ann's book")
    assert svc.on_behalf_of(Actor(Role.CREATOR, world.members["dan"])).removals == []


def test_only_creators_and_admins_read_a_members_notices(world: NoticeWorld) -> None:
    svc = world.registry.notices()
    for role in (Role.ORGANISATION, Role.DEVELOPER):
        with pytest.raises(PermissionDenied):
            svc.on_behalf_of(Actor(role, world.members["ann"]))
    # a creator names no other party: it reads its own
    own = svc.on_behalf_of(Actor(Role.CREATOR, world.members["bob"]), world.members["ann"])
    assert own.party_id == world.members["bob"]
