"""Coordinator buttons on a case card: รับเรื่อง / ส่งต่อหน่วยงาน / ปิดเรื่อง."""


def act_on_case(conv, engine, payload) -> None:
    raise NotImplementedError   # being written
