"""Draw the rich menu images (mentor.png, coordinator.png, province.png) from
delivery.richmenu.LAYOUTS.

The PNGs are committed: the web process only uploads them. Run this after changing a layout or
a label, on a machine with Thai fonts and Pillow (neither is a runtime dependency):

    apt-get install -y fonts-thai-tlwg fonts-noto-color-emoji
    pip install pillow
    python delivery/richmenu_images/make_images.py

then look at the images, and run `mentorbot richmenu deploy`.
"""
from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from delivery.richmenu import LAYOUTS, Area, area_label, image_path  # noqa: E402
from models import Role  # noqa: E402

FONT_BOLD = "/usr/share/fonts/truetype/tlwg/Waree-Bold.ttf"
FONT_PLAIN = "/usr/share/fonts/truetype/tlwg/Waree.ttf"
EMOJI_FONT = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
EMOJI_SIZE = 109            # the only size Noto Color Emoji's bitmaps come in
MAX_BYTES = 1_000_000       # LINE's limit for a rich menu image

BACKGROUND = "#F2F4F3"
GAP = 14
MARGIN = 18               # at least between a tile's edge and its widest line
CIRCLE, ICON = 280, 170   # white disc, and the icon inside it
# key -> (tile colour, emoji, the label broken into lines, a short hint)
LOOKS: dict[str | None, tuple[str, str, tuple[str, ...], str]] = {
    "visit": ("#06C755", "\U0001F4DD", ("รายงาน", "การเยี่ยมบ้าน"), ""),
    "households": ("#1E88E5", "\U0001F3E0", ("บ้านที่ดูแล",), "รายชื่อและกำหนดเยี่ยม"),
    "plan": ("#00897B", "\U0001F4CB", ("แผนพัฒนา", "ครัวเรือน"), ""),
    "my_cases": ("#F57C00", "\U0001F4E8", ("เรื่องที่", "ส่งต่อ"), ""),
    "assist": ("#8E24AA", "\U0001F91D", ("บันทึก", "ความช่วยเหลือ"), ""),
    "case_queue": ("#E53935", "\U0001F4E5", ("เรื่องรอ", "ดำเนินการ"), ""),
    "district_summary": ("#1E88E5", "\U0001F4CA", ("สรุปอำเภอ",), "ภาพรวมทั้งอำเภอ"),
    "monthly_figures": ("#00897B", "\U0001F4C8", ("สรุป", "รายเดือน"), "เทียบเดือนก่อน"),
    "dashboard": ("#3949AB", "\U0001F4BB", ("แดชบอร์ด",), "ภาพรวม กราฟ และไฟล์ข้อมูล"),
    None: ("#546E7A", "", ("เมนู",), "ดูเมนูทั้งหมด"),
}


def draw(role: Role) -> Image.Image:
    layout = LAYOUTS[role]
    image = Image.new("RGB", (layout.width, layout.height), BACKGROUND)
    pen = ImageDraw.Draw(image)
    for area in layout.areas:
        _tile(image, pen, role, area)
    return image


def _tile(image: Image.Image, pen: ImageDraw.ImageDraw, role: Role, area: Area) -> None:
    colour, emoji, lines, hint = LOOKS[area.key]
    assert "".join(lines) == area_label(role, area), f"{area.key}: lines must spell the label"
    box = (area.x + GAP, area.y + GAP, area.x + area.width - GAP, area.y + area.height - GAP)
    pen.rounded_rectangle(box, radius=48, fill=colour)
    room = box[2] - box[0] - 2 * MARGIN
    size = _fitting(pen, FONT_BOLD, 118 if max(len(line) for line in lines) <= 9 else 104,
                    lines, room)
    font = _font(FONT_BOLD, size)
    small = _font(FONT_PLAIN, _fitting(pen, FONT_PLAIN, 64, (hint,), room))
    line_step, hint_step = int(size * 1.3), 90 if hint else 0
    block = CIRCLE + 60 + line_step * len(lines) + hint_step
    centre_x, top = area.x + area.width // 2, area.y + (area.height - block) // 2
    pen.ellipse((centre_x - CIRCLE // 2, top, centre_x + CIRCLE // 2, top + CIRCLE), fill="#FFFFFF")
    icon_top = top + (CIRCLE - ICON) // 2
    if emoji:
        _emoji(image, emoji, centre_x, icon_top, ICON)
    else:
        _menu_icon(pen, centre_x, icon_top, colour)
    y = top + CIRCLE + 60
    for line in lines:
        pen.text((centre_x, y), line, font=font, fill="#FFFFFF", anchor="ma")
        y += line_step
    if hint:
        pen.text((centre_x, y), hint, font=small, fill="#FFFFFF", anchor="ma")


def _fitting(pen: ImageDraw.ImageDraw, path: str, size: int, lines: tuple[str, ...],
             room: int) -> int:
    """The largest size up to ``size`` at which every line fits ``room`` pixels across (a
    narrow tile, such as one of four in a row, gets smaller letters)."""
    while size > 40 and max(pen.textlength(line, font=_font(path, size)) for line in lines) > room:
        size -= 2
    return size


def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    # Raqm shapes Thai: vowels and tone marks stack correctly (เยี่ยม, ที่).
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM)


def _menu_icon(pen: ImageDraw.ImageDraw, centre_x: int, top: int, colour: str) -> None:
    """Three bars (the usual "menu" sign); the emoji font has none."""
    for i in range(3):
        y = top + 25 + i * 55
        pen.rounded_rectangle((centre_x - 75, y, centre_x + 75, y + 26), radius=13, fill=colour)


def _emoji(image: Image.Image, emoji: str, centre_x: int, top: int, size: int) -> None:
    font = ImageFont.truetype(EMOJI_FONT, EMOJI_SIZE)
    glyph = Image.new("RGBA", (EMOJI_SIZE * 2, EMOJI_SIZE * 2), (0, 0, 0, 0))
    ImageDraw.Draw(glyph).text((0, 0), emoji, font=font, embedded_color=True)
    glyph = glyph.crop(glyph.getbbox()).resize((size, size), Image.Resampling.LANCZOS)
    image.paste(glyph, (centre_x - size // 2, top), glyph)


def main() -> None:
    for role in LAYOUTS:
        path = image_path(role)
        draw(role).save(path, "PNG", optimize=True)
        size = path.stat().st_size
        assert size <= MAX_BYTES, f"{path.name} is {size} bytes; LINE allows {MAX_BYTES}"
        print(f"{path} {size} bytes")


if __name__ == "__main__":
    main()
