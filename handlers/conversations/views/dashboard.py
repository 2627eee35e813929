"""แดชบอร์ด: the coordinator's or province officer's personal sign-in link to the dashboard.

The link travels as a card button, never as text in a message: LINE fetches previews of links
written in text, and that fetch would use up a one-time link before its owner taps it.
"""
from __future__ import annotations

from ...dashboard import signin
from ...replies import Button, Card, Cards
from ..engine import Conversation, Engine
from ..menu import menu_buttons, show_menu

NOT_SET_UP = "แดชบอร์ดยังไม่เปิดใช้ในระบบนี้ค่ะ กรุณาติดต่อผู้ดูแลระบบค่ะ"
LIFF_URL = "https://liff.line.me/"


def show_dashboard_link(conv: Conversation, engine: Engine) -> None:
    settings = conv.ctx.settings
    base = str(settings.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base:
        show_menu(conv, NOT_SET_UP)
        return
    token = signin.issue_link(conv.session, conv.person, conv.ctx.now)
    link = f"{base}/dashboard/signin?t={token}"
    liff_id = settings.get("LIFF_ID")
    buttons: tuple[Button, ...]
    if liff_id:
        buttons = (Button("เปิดแดชบอร์ดใน LINE", uri=LIFF_URL + str(liff_id), style="primary"),
                   Button("เปิดในเบราว์เซอร์", uri=link, style="secondary"))
    else:
        buttons = (Button("เปิดแดชบอร์ด", uri=link, style="primary"),)
    area = signin.home_area(conv.person)
    minutes = int(signin.LINK_TTL.total_seconds() // 60)
    card = Card(
        title="แดชบอร์ด",
        subtitle=area.label,
        body=(f"ลิงก์นี้สำหรับท่านเท่านั้น ใช้ได้ครั้งเดียวภายใน {minutes} นาทีค่ะ "
              "กรุณาอย่าส่งต่อให้ผู้อื่นค่ะ หากลิงก์หมดอายุ พิมพ์ แดชบอร์ด เพื่อขอใหม่ได้ค่ะ"),
        buttons=buttons)
    conv.outcome.say(Cards(alt_text="ลิงก์เข้าแดชบอร์ดค่ะ", cards=(card,),
                           buttons=menu_buttons(conv.person.role)))
