"""Shared set-up of the dashboard tests: a district (เมืองเลย) with a mentor, a household and
two coordinators, another district (วังสะพุง) with its own, a province officer of เลย and one
of another province; and a way to sign in from the chat, as a coordinator would."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from models import Role

from . import factories
from .players import Player, actions_in

MENTOR = "U" + "a1" * 16
COORD = "U" + "b2" * 16          # เมืองเลย
COORD_OTHER = "U" + "c3" * 16    # วังสะพุง
PROVINCE = "U" + "d4" * 16       # จังหวัดเลย
PROVINCE_OTHER = "U" + "e5" * 16  # จังหวัดหนองคาย


@pytest.fixture
def area_ids(db, clock):
    with db.transaction() as s:
        mentor = factories.person(s, name="นายวิชัย ทองดี", line_user_id=MENTOR)
        other_mentor = factories.person(s, name="นางสาวจันทร์ เพ็ญ", phone="0810000098",
                                        district="วังสะพุง")
        coord = factories.person(s, name="นางสาวมาลี ศรีเลย", role=Role.COORDINATOR, phone=None,
                                 line_user_id=COORD)
        factories.person(s, name="นางรัตนา ภูเรือ", role=Role.COORDINATOR, phone=None,
                         district="วังสะพุง", line_user_id=COORD_OTHER)
        factories.person(s, name="นายประเสริฐ เมืองเลย", role=Role.PROVINCE, phone=None,
                         district="-", line_user_id=PROVINCE)
        factories.person(s, name="นายอนันต์ ริมโขง", role=Role.PROVINCE, phone=None,
                         district="-", province="หนองคาย", line_user_id=PROVINCE_OTHER)
        home = factories.household(s, mentor, now=clock.now - timedelta(days=40))
        away = factories.household(s, other_mentor, house_id="42010000029",
                                   head="นายสมหมาย ดีใจ", now=clock.now - timedelta(days=40))
        return {"mentor": mentor.id, "other_mentor": other_mentor.id, "coord": coord.id,
                "home": home.id, "away": away.id}


def player(line, fake_line, clock, user_id: str) -> Player:
    return Player(line, fake_line, user_id, clock)


def link_from_chat(who: Player, label: str = "เปิดแดชบอร์ด") -> str:
    """Type แดชบอร์ด and take the link of the button the bot offered."""
    who.say("แดชบอร์ด")
    for action in actions_in(who.last):
        if action["type"] == "uri" and action["label"] == label:
            return action["uri"]
    raise AssertionError(f"no link button {label!r}: {[a['label'] for a in actions_in(who.last)]}")


def path_of(uri: str) -> str:
    parts = urlsplit(uri)
    return parts.path + ("?" + parts.query if parts.query else "")
