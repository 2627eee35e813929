"""สรุปรายเดือน: the coordinator's district this month so far against the same days of last
month, as a small carousel: the month at a glance, assistance by dimension, and the five
agencies that helped most this month. The figures come from handlers/monthly_figures.py."""
from __future__ import annotations

from models.dimensions import DIMENSIONS

from ...assistance import format_baht
from ...buttons import command_button
from ...monthly_figures import MonthlyFigures, Pair, Period, monthly_figures
from ...replies import Card, Cards, Field
from ...thai_dates import format_thai_date, format_thai_month
from ..engine import Conversation, Engine

AGENCY_LABEL_MAX = 40    # a name typed under อื่น ๆ may be long; the card shows its start


def period_words(period: Period) -> str:
    """'1–7 พ.ค. 2569'; a single day as '1 พ.ค. 2569'."""
    if period.start == period.end:
        return format_thai_date(period.start)
    return f"{period.start.day}–{period.end.day} {format_thai_month(period.end)}"


def compared(pair: Pair, unit: str = "") -> str:
    """'12 รายการ (เดือนก่อน 9)': zero is shown as 0."""
    suffix = f" {unit}" if unit else ""
    return f"{pair.this:,}{suffix} (เดือนก่อน {pair.last:,})"


def _baht(pair: Pair) -> str:
    return f"{format_baht(pair.this)} (เดือนก่อน {format_baht(pair.last)})"


def _agency_label(rank: int, name: str) -> str:
    if len(name) > AGENCY_LABEL_MAX:
        name = name[:AGENCY_LABEL_MAX - 1] + "…"
    return f"{rank}. {name}"


def monthly_cards(district: str, figures: MonthlyFigures) -> tuple[Card, ...]:
    this, last = period_words(figures.this), period_words(figures.last)
    subtitle = f"{this} เทียบกับ {last}"
    note = f"ตัวเลขในวงเล็บคือช่วงเดียวกันของเดือนก่อน ({last}) ค่ะ"
    overview = Card(
        title=f"สรุปรายเดือน อำเภอ{district}", subtitle=subtitle,
        fields=(
            Field("ความช่วยเหลือ", compared(figures.records, "รายการ")),
            Field("ครัวเรือนที่ได้รับ", compared(figures.households_helped, "ครัวเรือน")),
            Field("มูลค่ารวม", _baht(figures.value_baht)),
            Field("เรื่องที่ส่งต่อใหม่", compared(figures.cases_opened, "เรื่อง")),
            Field("เรื่องที่ปิดแล้ว", compared(figures.cases_closed, "เรื่อง")),
            Field("การเยี่ยมบ้าน", compared(figures.visits, "ครั้ง")),
            Field("ครัวเรือนที่เยี่ยม", compared(figures.households_visited, "ครัวเรือน")),
        ),
        body=note,
        buttons=(command_button("district_summary", "สรุปอำเภอ"),))
    by_dimension = Card(
        title="ความช่วยเหลือตามมิติ", subtitle=f"จำนวนรายการ {subtitle}",
        fields=tuple(Field(DIMENSIONS[code], compared(pair))
                     for code, pair in figures.by_dimension),
        body=note)
    agencies = Card(
        title="หน่วยงานที่ช่วยเหลือมากที่สุด",
        subtitle=f"5 อันดับแรกของ {format_thai_month(figures.this.start)} (จำนวนรายการ)",
        fields=tuple(Field(_agency_label(rank, agency.name), compared(agency.records))
                     for rank, agency in enumerate(figures.top_agencies, start=1)),
        body=note if figures.top_agencies else "เดือนนี้ยังไม่มีการบันทึกความช่วยเหลือค่ะ")
    return overview, by_dimension, agencies


def show_monthly(conv: Conversation, engine: Engine) -> None:
    person, ctx = conv.person, conv.ctx
    figures = monthly_figures(conv.session, person.province, person.district, ctx.today, ctx.tz)
    conv.outcome.say(Cards(
        alt_text=f"สรุปรายเดือน อำเภอ{person.district} {period_words(figures.this)}",
        cards=monthly_cards(person.district, figures)))
