"""The ID-number check judges "born in the future" by the bureau's calendar from the portal clock."""
from __future__ import annotations

from datetime import datetime

from portal.core import clock
from portal.core.identifiers import ID_FUTURE_BIRTH_DATE, id_check_char, validate_id_number


def _id_born(yyyymmdd: str) -> str:
    body = f"510502{yyyymmdd}123"
    return body + id_check_char(body)


def test_born_today_in_luzhou_is_not_in_the_future():
    clock.freeze(datetime(2031, 3, 31, 17, 0))  # 01:00 on 1 April 2031 in Luzhou
    try:
        assert ID_FUTURE_BIRTH_DATE not in validate_id_number(_id_born("20310401"))
        assert ID_FUTURE_BIRTH_DATE in validate_id_number(_id_born("20310402"))
    finally:
        clock.reset()
