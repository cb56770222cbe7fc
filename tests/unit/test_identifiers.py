"""USCC, resident ID and mobile number checks and generators."""

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.core import identifiers as ids
from portal.core.identifiers import (
    CITY_CODE,
    DISTRICTS,
    DISTRICTS_EN,
    district_name,
    is_valid_mobile,
    make_id_number,
    make_uscc,
    normalize_mobile,
    normalize_uscc,
    org_code_check_char,
    uscc_check_char,
    validate_firm_uscc,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)

PUBLISHED_USCCS = ["91350100M000100Y43", "91350200776049653A", "91440101MA5CJQ4N59"]


def _with_valid_checks(first16: str) -> str:
    """Complete 16 characters into a code whose org-code and USCC checks both hold."""
    first17 = first16 + org_code_check_char(first16[8:16])
    return first17 + uscc_check_char(first17)


# --- USCC ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", PUBLISHED_USCCS)
def test_published_uscc_codes_are_valid(code):
    assert validate_uscc(code) == []
    assert validate_firm_uscc(code) == []


def test_weights_are_powers_of_three_mod_31():
    assert ids.USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_charset_has_31_characters_without_ambiguous_letters():
    assert len(ids.USCC_CHARSET) == 31
    assert not set("IOSVZ") & set(ids.USCC_CHARSET)


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y44", "91350200776049653B", "91440101MA5CJQ4N50", "91350100M000100Y4X"],
)
def test_wrong_check_character_is_reported(code):
    assert ids.USCC_BAD_CHECK in validate_uscc(code)


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_forbidden_letters_are_rejected(letter):
    code = "91350100M000100Y4" + letter
    assert validate_uscc(code) == [ids.USCC_FORBIDDEN_LETTER]
    inner = "913501" + letter + "0M000100Y43"
    assert ids.USCC_FORBIDDEN_LETTER in validate_uscc(inner)


@pytest.mark.parametrize("code", ["", "9135010", "91350100M000100Y4", "91350100M000100Y433", "9" * 30])
def test_wrong_length_is_rejected(code):
    errors = validate_uscc(code)
    assert errors
    assert errors[0] in (ids.USCC_REQUIRED, ids.USCC_LENGTH)


def test_lower_case_is_rejected_not_upper_cased():
    code = "91440101ma5cjq4n59"
    assert ids.USCC_LOWERCASE in validate_uscc(code)
    # The upper-cased form is fine, which proves the rejection is about case alone.
    assert validate_uscc(code.upper()) == []


@pytest.mark.parametrize("code", ["91350100M00-100Y43", "91350100M000100Y4 ", "9135０100M000100Y43", "91350100Ｍ000100Y43"])
def test_punctuation_and_full_width_characters_are_rejected(code):
    assert ids.USCC_BAD_CHARACTER in validate_uscc(code)


def test_bad_org_code_check_is_reported_even_when_final_check_is_recomputed():
    # Change an org-code body character and recompute only the final USCC check character.
    first17 = "91350100M000200Y4"
    code = first17 + uscc_check_char(first17)
    assert org_code_check_char("M000200Y") != "4"
    assert validate_uscc(code) == [ids.USCC_BAD_ORG_CHECK]


def test_org_code_check_maps_10_to_x_and_11_to_0():
    # Weighted sums: 9*5 = 45 ≡ 1 (mod 11) gives 11 - 1 = 10 → X; 0 gives 11 → 0.
    assert org_code_check_char("00009000") == "X"
    assert org_code_check_char("00000000") == "0"
    assert org_code_check_char("00000001") == "9"


def test_org_code_check_against_gb11714_examples():
    # D2143569-X is the classic worked example of GB 11714.
    assert org_code_check_char("D2143569") == "X"
    assert org_code_check_char("77604965") == "3"


@pytest.mark.parametrize("prefix", ["94", "98", "Y9", "B1", "A2", "N4", "01", "10", "23", "Q1"])
def test_unknown_authority_category_pairs_are_rejected(prefix):
    code = _with_valid_checks(prefix + "35010077604965")
    assert validate_uscc(code) == [ids.USCC_BAD_CATEGORY]


@pytest.mark.parametrize("prefix", ["11", "12", "13", "19", "31", "51", "52", "53", "59", "91", "92", "93", "Y1", "N2", "A1"])
def test_known_authority_category_pairs_are_accepted(prefix):
    assert validate_uscc(_with_valid_checks(prefix + "51050277604965")) == []


def test_division_must_be_digits():
    code = _with_valid_checks("91" + "5105A2" + "77604965")
    assert validate_uscc(code) == [ids.USCC_BAD_DIVISION]


def test_non_enterprise_code_is_valid_but_not_a_firm():
    code = _with_valid_checks("52510502" + "MJ000001")
    assert validate_uscc(code) == []
    assert validate_firm_uscc(code) == [ids.USCC_NOT_FIRM]
    assert validate_firm_uscc(PUBLISHED_USCCS[0]) == []


def test_normalize_strips_spaces_but_keeps_case():
    assert normalize_uscc(" 9135 0100M0 00100Y43\n") == "91350100M000100Y43"
    assert normalize_uscc("91440101ma5cjq4n59") == "91440101ma5cjq4n59"
    assert normalize_uscc(None) == ""


@given(
    prefix=st.sampled_from([a + c for a, cats in ids.USCC_CATEGORIES.items() for c in cats]),
    division=st.sampled_from(sorted(DISTRICTS)),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_generated_uscc_is_valid(prefix, division, seed):
    code = make_uscc(prefix, division, random.Random(seed))
    assert validate_uscc(code) == []
    assert code.startswith(prefix + division)
    assert (validate_firm_uscc(code) == []) == (prefix == "91")


@given(seed=st.integers(min_value=0, max_value=2**32), position=st.integers(min_value=0, max_value=17))
def test_any_single_substitution_in_a_generated_code_is_detected(seed, position):
    rng = random.Random(seed)
    code = make_uscc("91", "510502", rng)
    replacement = rng.choice([c for c in ids.USCC_CHARSET if c != code[position]])
    altered = code[:position] + replacement + code[position + 1:]
    assert validate_uscc(altered) != []


def test_generator_is_deterministic_for_a_seed():
    assert make_uscc("91", "510502", random.Random(7)) == make_uscc("91", "510502", random.Random(7))


@pytest.mark.parametrize("prefix,division", [("94", "510502"), ("9", "510502"), ("91", "51050"), ("91", "5105AB")])
def test_generator_refuses_bad_input(prefix, division):
    with pytest.raises(ValueError):
        make_uscc(prefix, division, random.Random(1))


# --- Resident ID -----------------------------------------------------------------------------------

TODAY = date(2026, 11, 25)


def _id(first17: str) -> str:
    return first17 + ids.id_check_char(first17)


@pytest.mark.parametrize("number", ["11010519491231002X", "110105194912310010"])
def test_published_and_neighbouring_id_numbers(number):
    # 110105194912310010 is not valid: changing the sequence digit without the check breaks it.
    expected = [] if number.endswith("X") else [ids.ID_BAD_CHECK]
    assert validate_id_number(number, TODAY) == expected


@pytest.mark.parametrize("first17", ["51050219900101123", "51052520000229001", "81000019751010999", "91000019800101001"])
def test_valid_id_numbers(first17):
    number = _id(first17)
    assert validate_id_number(number, TODAY) == []


def test_id_check_character_vector():
    # Σ(a_i·W_i) for 11010519491231002 is 167; 167 mod 11 = 2 → "X".
    assert ids.id_check_char("11010519491231002") == "X"


def test_birth_before_1900_is_rejected():
    assert validate_id_number(_id("44052418991231001"), TODAY) == [ids.ID_TOO_OLD]
    assert validate_id_number(_id("44052419000101001"), TODAY) == []


def test_wrong_check_character():
    assert validate_id_number("110105194912310021", TODAY) == [ids.ID_BAD_CHECK]
    good = _id("51050219900101123")
    wrong = "0" if good[-1] != "0" else "1"
    assert validate_id_number(good[:17] + wrong, TODAY) == [ids.ID_BAD_CHECK]


def test_lower_case_x_is_rejected():
    assert validate_id_number("11010519491231002x", TODAY) == [ids.ID_LOWERCASE_X]


@pytest.mark.parametrize("birth", ["19900230", "19901301", "19900001", "19900100", "20230229", "19000229"])
def test_impossible_birth_dates(birth):
    first17 = "510502" + birth + "123"
    number = first17 + ids.id_check_char(first17)
    assert validate_id_number(number, TODAY) == [ids.ID_BAD_BIRTH_DATE]


def test_leap_day_is_a_real_date():
    first17 = "510502" + "20000229" + "123"
    assert validate_id_number(first17 + ids.id_check_char(first17), TODAY) == []


def test_future_birth_date_depends_on_today():
    first17 = "510502" + "20261126" + "001"
    number = first17 + ids.id_check_char(first17)
    assert validate_id_number(number, TODAY) == [ids.ID_FUTURE_BIRTH_DATE]
    assert validate_id_number(number, date(2026, 11, 26)) == []


def test_default_today_is_the_real_date():
    first17 = "510502" + "29991231" + "001"
    assert validate_id_number(first17 + ids.id_check_char(first17)) == [ids.ID_FUTURE_BIRTH_DATE]


@pytest.mark.parametrize("number,error", [
    ("", ids.ID_REQUIRED),
    ("51050219900101123", ids.ID_LENGTH),
    ("5105021990010112345", ids.ID_LENGTH),
    ("51050219900101123Y", ids.ID_BAD_CHARACTERS),
    ("5105021990010A123X", ids.ID_BAD_CHARACTERS),
    ("５10502199001011233", ids.ID_BAD_CHARACTERS),
])
def test_malformed_id_numbers(number, error):
    assert validate_id_number(number, TODAY) == [error]


def test_unknown_province_prefix():
    first17 = "000000" + "19900101" + "123"
    assert validate_id_number(first17 + ids.id_check_char(first17), TODAY) == [ids.ID_BAD_REGION]


def test_several_problems_are_reported_together():
    first17 = "990502" + "19900230" + "123"
    number = first17 + ("1" if ids.id_check_char(first17) != "1" else "2")
    errors = validate_id_number(number, TODAY)
    assert ids.ID_BAD_BIRTH_DATE in errors and ids.ID_BAD_CHECK in errors


@given(
    division=st.sampled_from(sorted(DISTRICTS)),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_generated_id_number_is_valid(division, birth, seed):
    number = make_id_number(division, birth, random.Random(seed))
    assert validate_id_number(number, TODAY) == []
    assert number[:6] == division
    assert ids.id_birth_date(number) == birth


def test_id_generator_refuses_bad_input():
    with pytest.raises(ValueError):
        make_id_number("51050", date(1990, 1, 1), random.Random(1))
    with pytest.raises(ValueError):
        make_id_number("510502", date(1899, 12, 31), random.Random(1))


# --- Districts and phones --------------------------------------------------------------------------


def test_luzhou_districts():
    assert CITY_CODE == "510500"
    assert DISTRICTS["510504"] == "龙马潭区"
    assert set(DISTRICTS) == set(DISTRICTS_EN) and len(DISTRICTS) == 7
    assert all(code.startswith("5105") for code in DISTRICTS)
    assert district_name("510521", "en") == "Lu County"
    assert district_name("510521") == "泸县"
    assert district_name("110105") is None


@pytest.mark.parametrize("phone", ["13812345678", "19912345678", "15000000000", "17712345678"])
def test_valid_mobiles(phone):
    assert validate_mobile(phone) == []
    assert is_valid_mobile(phone)


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "138123456789", "2381234567a", "1381234567８", "+8613812345678"])
def test_invalid_mobiles(phone):
    assert validate_mobile(phone) == [ids.PHONE_INVALID]


def test_empty_mobile():
    assert validate_mobile("") == [ids.PHONE_REQUIRED]


def test_normalize_mobile():
    assert normalize_mobile("+86 138-1234-5678") == "13812345678"
    assert normalize_mobile("0086 13812345678") == "13812345678"
    assert normalize_mobile(" 138 1234 5678 ") == "13812345678"
