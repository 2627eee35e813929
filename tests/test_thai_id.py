"""Thai national ID numbers in typed text: masked when the check digit says they are IDs, and
nothing else in the text touched (handlers/thai_id.py; no database)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.thai_id import MASK, check_digit, is_thai_id, mask_ids

# 1 1 0 1 7 0 0 2 0 3 4 5 weighted 13..2: 13+12+0+10+63+0+0+12+0+12+12+10 = 144;
# 144 mod 11 = 1; (11 - 1) mod 10 = 0. No 13-digit ID is written in the source (none is ever
# committed): each is made from its first twelve digits when the tests run.
FIRST12 = "110170020345"
CARD = [1, 5, 10, 12]     # the card's 1-4-5-2-1 layout
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
SEPARATORS = [" ", "  ", "-", " - ", "- ", " -", "\u2013", "\u00a0", " \u2013 "]
# Text that can stand next to a number without joining it: no digits, spaces or dashes at its
# edges (and none inside, so the only number in the text is the one the test put there).
AROUND = st.text(st.characters(blacklist_categories=("Nd", "Cs"),
                               blacklist_characters=" \u00a0-\u2010\u2011\u2012\u2013\u2014"
                                                    "\u2015\u2212"), max_size=30)


def with_check(first12: str) -> str:
    return first12 + str(check_digit(first12))


AN_ID = with_check(FIRST12)
NOT_AN_ID = FIRST12 + str((check_digit(FIRST12) + 1) % 10)


def wrong_check(first12: str, shift: int) -> str:
    return first12 + str((check_digit(first12) + shift) % 10)


def grouped(digits: str, cuts: list[int], separators: list[str]) -> str:
    """``digits`` cut at these positions, the pieces joined by these separators in turn."""
    points = sorted(set(c for c in cuts if 0 < c < len(digits)))
    pieces = [digits[a:b] for a, b in zip([0, *points], [*points, len(digits)], strict=True)]
    out = pieces[0]
    for n, piece in enumerate(pieces[1:]):
        out += separators[n % len(separators)] + piece
    return out


twelve_digits = st.text(alphabet="0123456789", min_size=12, max_size=12)
cuts = st.lists(st.integers(1, 12), max_size=12)
separators = st.lists(st.sampled_from(SEPARATORS), min_size=1, max_size=4)


def test_the_check_digit_by_hand():
    assert check_digit(FIRST12) == 0
    assert is_thai_id(FIRST12 + "0") and is_thai_id(AN_ID.translate(THAI_DIGITS))
    assert not is_thai_id(FIRST12 + "1") and not is_thai_id(FIRST12)


@pytest.mark.parametrize("typed", [
    AN_ID, grouped(AN_ID, CARD, ["-"]), grouped(AN_ID, CARD, [" "]),
    grouped(AN_ID, CARD, [" - "]), grouped(AN_ID, CARD, ["-"]).translate(THAI_DIGITS),
    grouped(AN_ID, CARD, ["\u2013"]), grouped(AN_ID, [5], [" "]),
])
def test_the_ways_people_write_it_are_masked(typed):
    masked = mask_ids(f"ลูกสาวเลขบัตร {typed} ยังไม่ได้ทำบัตรค่ะ")
    assert masked.text == f"ลูกสาวเลขบัตร {MASK} ยังไม่ได้ทำบัตรค่ะ" and masked.hidden == 1


@pytest.mark.parametrize("typed", [
    "0812345678", "081-234-5678", "081 234 5678", "042812345",      # phone numbers
    NOT_AN_ID,                                                      # the check digit is wrong
    "1" + AN_ID, AN_ID + "7",                                       # 14 digits: no ID
    "วันที่ 7/5/2569 เวลา 10:30 น. เงิน 1,500 บาท",
    AN_ID.replace("0", "O", 1),                                     # a letter among the digits
])
def test_other_numbers_stay_as_typed(typed):
    assert mask_ids(typed).text == typed and mask_ids(typed).hidden == 0


def test_an_id_next_to_a_phone_number_or_on_its_own_line():
    assert mask_ids(f"{AN_ID} 0812345678").text == f"{MASK} 0812345678"
    assert mask_ids(f"โทร 0812345678\n{AN_ID}\nค่ะ").text == f"โทร 0812345678\n{MASK}\nค่ะ"
    assert mask_ids(f"บัตร{AN_ID}ค่ะ").text == f"บัตร{MASK}ค่ะ"


@given(twelve_digits, cuts, separators, st.booleans(), AROUND, AROUND)
def test_every_valid_id_in_any_grouping_is_masked_and_the_rest_kept(
        first12, cut_at, seps, thai, before, after):
    typed = grouped(with_check(first12), cut_at, seps)
    if thai:
        typed = typed.translate(THAI_DIGITS)
    masked = mask_ids(f"{before}{typed}{after}")
    assert masked.text == f"{before}{MASK}{after}" and masked.hidden == 1


@given(twelve_digits, st.integers(1, 9), cuts, separators, AROUND, AROUND)
def test_a_wrong_check_digit_is_left_alone_in_any_grouping(
        first12, shift, cut_at, seps, before, after):
    text = f"{before}{grouped(wrong_check(first12, shift), cut_at, seps)}{after}"
    assert mask_ids(text).text == text and mask_ids(text).hidden == 0


@given(st.lists(twelve_digits, min_size=2, max_size=4), st.sampled_from([" ", " และ ", "\n"]))
def test_several_ids_are_each_masked(firsts, between):
    masked = mask_ids(between.join(with_check(f) for f in firsts))
    assert masked.text == between.join([MASK] * len(firsts))
    assert masked.hidden == len(firsts)


@given(st.text(max_size=200))
def test_masking_twice_changes_nothing_more(text):
    once = mask_ids(text)
    again = mask_ids(once.text)
    assert again.text == once.text and again.hidden == 0
    assert (once.text == text) == (once.hidden == 0)
