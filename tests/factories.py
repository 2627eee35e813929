"""Small builders for test data (synthetic people and households only)."""
from __future__ import annotations

from datetime import datetime, timedelta

from handlers.codes import generate_code
from models import Assignment, Household, HouseholdDimension, Person, RegistrationCode, Role


def person(session, *, name="นายทดสอบ ใจดี", role=Role.MENTOR, phone="0810000099",
           district="เมืองเลย", province="เลย", line_user_id=None) -> Person:
    p = Person(role=role, name=name, phone=phone, district=district, province=province,
               line_user_id=line_user_id)
    session.add(p)
    session.flush()
    return p


def code_for(session, p: Person, now: datetime, days: int = 14) -> str:
    code = generate_code()
    session.add(RegistrationCode(person_id=p.id, code=code, created_at=now,
                                 expires_at=now + timedelta(days=days)))
    session.flush()
    return code


def household(session, mentor: Person, *, house_id="42010000011", head="นางสมศรี ใจดี",
              village="บ้านนาโป่ง", dims=("income", "health"), now: datetime) -> Household:
    h = Household(house_id=house_id, head_name=head, village_no="3", village_name=village,
                  subdistrict="นาโป่ง", district=mentor.district, province=mentor.province,
                  members=4)
    h.dimension_rows = [HouseholdDimension(dimension=d) for d in dims]
    session.add(h)
    session.flush()
    session.add(Assignment(household_id=h.id, mentor_id=mentor.id, assigned_at=now))
    session.flush()
    return h
