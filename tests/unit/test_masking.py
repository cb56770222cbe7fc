"""Masked display of ID numbers and phone numbers."""

import pytest

from portal.core.masking import mask_id_number, mask_phone


def test_id_number_shows_division_and_last_four():
    assert mask_id_number("51050219900101123X") == "510502********123X"
    assert mask_id_number("110105194912310021") == "110105********0021"


def test_phone_shows_prefix_and_last_four():
    assert mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize("value", ["", None])
def test_empty_input_gives_empty_output(value):
    assert mask_id_number(value) == ""
    assert mask_phone(value) == ""


@pytest.mark.parametrize("value", ["1", "12345", "1234567", "1234567890123"])
def test_short_input_never_reveals_more_than_it_hides(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert masked.count("*") >= len(value) // 2 or masked == "*" * len(value)


def test_too_short_to_mask_partially_is_hidden_entirely():
    assert mask_phone("1381234") == "*******"
    assert mask_id_number("5105021") == "*******"


def test_mask_never_contains_the_hidden_middle():
    number = "51050219900101123X"
    assert "19900101" not in mask_id_number(number)
    assert "1234" not in mask_phone("13812345678")
