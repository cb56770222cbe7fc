"""Checks and generators for Chinese identifiers: USCC (GB 32100), resident ID (GB 11643), mobile numbers."""

from __future__ import annotations

import random
import re
from datetime import date

from portal.core import clock
from portal.core.msgids import N_

# --- Luzhou -------------------------------------------------------------------------------------

CITY_CODE = "510500"
DISTRICTS: dict[str, str] = {
    "510502": "江阳区",
    "510503": "纳溪区",
    "510504": "龙马潭区",
    "510521": "泸县",
    "510522": "合江县",
    "510524": "叙永县",
    "510525": "古蔺县",
}
DISTRICTS_EN: dict[str, str] = {
    "510502": "Jiangyang",
    "510503": "Naxi",
    "510504": "Longmatan",
    "510521": "Lu County",
    "510522": "Hejiang",
    "510524": "Xuyong",
    "510525": "Gulin",
}


def district_name(code: str, lang: str = "zh_CN") -> str | None:
    """Name of a Luzhou district for display; None for codes outside the city."""
    table = DISTRICTS_EN if lang.startswith("en") else DISTRICTS
    return table.get(code)


# --- Unified social credit code (统一社会信用代码), GB 32100-2015 --------------------------------

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
# Weight of position i (0-based) is 3**i mod 31.
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# Registration authority (position 1) → institution categories (position 2), GB 32100-2015 Annex A.
# Labels are msgids so a form can show what a prefix means.
USCC_CATEGORIES: dict[str, dict[str, str]] = {
    "1": {"1": N_("Government body"), "2": N_("Public institution"),
          "3": N_("Mass organisation under the central staffing office"), "9": N_("Other (staffing office)")},
    "2": {"1": N_("Resident foreign news agency"), "9": N_("Other (foreign affairs)")},
    "3": {"1": N_("Law firm"), "2": N_("Notary office"), "3": N_("Grassroots legal service"),
          "4": N_("Judicial appraisal institution"), "5": N_("Arbitration commission"),
          "9": N_("Other (justice administration)")},
    "4": {"1": N_("Foreign cultural centre in China"), "9": N_("Other (culture)")},
    "5": {"1": N_("Social organisation"), "2": N_("Private non-enterprise unit"), "3": N_("Foundation"),
          "9": N_("Other (civil affairs)")},
    "6": {"1": N_("Foreign tourism office"), "2": N_("Hong Kong, Macao or Taiwan tourism office"),
          "9": N_("Other (tourism)")},
    "7": {"1": N_("Religious venue"), "2": N_("Religious college"), "9": N_("Other (religious affairs)")},
    "8": {"1": N_("Grassroots trade union"), "9": N_("Other (trade unions)")},
    "9": {"1": N_("Enterprise"), "2": N_("Individual business"), "3": N_("Farmers' cooperative")},
    "A": {"1": N_("Military public institution"), "9": N_("Other (military staffing)")},
    "N": {"1": N_("Group-level collective economic organisation"),
          "2": N_("Village-level collective economic organisation"),
          "3": N_("Township-level collective economic organisation"), "9": N_("Other (agriculture)")},
    "Y": {"1": N_("Other registration authority")},
}

# Organisation code (组织机构代码) inside a USCC, GB 11714-1997.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

USCC_REQUIRED = N_("Enter the unified social credit code.")
USCC_LENGTH = N_("A unified social credit code has exactly 18 characters.")
USCC_LOWERCASE = N_("Letters in a unified social credit code must be upper case.")
USCC_FORBIDDEN_LETTER = N_("A unified social credit code never contains the letters I, O, S, V or Z.")
USCC_BAD_CHARACTER = N_("A unified social credit code contains only digits and upper-case letters.")
USCC_BAD_CATEGORY = N_("The first two characters are not a known registration authority and category.")
USCC_BAD_DIVISION = N_("Characters 3 to 8 must be a six-digit administrative division code.")
USCC_BAD_ORG_CHECK = N_("The organisation code inside the credit code (characters 9 to 17) fails its check.")
USCC_BAD_CHECK = N_("The check character (the last one) does not match; the code was probably mistyped.")
USCC_NOT_FIRM = N_("An outsourcing firm's credit code must start with 91 (enterprise).")


def normalize_uscc(code: str) -> str:
    """Drop whitespace users paste around or inside a code; case is left alone on purpose."""
    return re.sub(r"\s+", "", code or "")


def uscc_check_char(first17: str) -> str:
    """Check character (position 18) for the first 17 characters of a USCC."""
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """Check character of a GB 11714 organisation code from its 8 body characters."""
    total = sum(_org_value(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return {10: "X", 11: "0"}.get(c9, str(c9))


def _org_value(c: str) -> int:
    if c.isdigit():
        return int(c)
    return ord(c) - ord("A") + 10


def validate_uscc(code: str) -> list[str]:
    """Error messages (msgids) for a unified social credit code; an empty list means valid."""
    if not code:
        return [USCC_REQUIRED]
    errors: list[str] = []
    if any(c.islower() for c in code):
        errors.append(USCC_LOWERCASE)
    if any(c in "IOSVZ" for c in code):
        errors.append(USCC_FORBIDDEN_LETTER)
    if any(not (c.isascii() and (c.isdigit() or c.isupper() or c.islower())) for c in code):
        errors.append(USCC_BAD_CHARACTER)
    if len(code) != 18:
        errors.append(USCC_LENGTH)
    if errors:
        # The checksums are meaningless until the shape is right.
        return errors
    if code[1] not in USCC_CATEGORIES.get(code[0], {}):
        errors.append(USCC_BAD_CATEGORY)
    if not code[2:8].isdigit():
        errors.append(USCC_BAD_DIVISION)
    if org_code_check_char(code[8:16]) != code[16]:
        errors.append(USCC_BAD_ORG_CHECK)
    if uscc_check_char(code[:17]) != code[17]:
        errors.append(USCC_BAD_CHECK)
    return errors


def validate_firm_uscc(code: str) -> list[str]:
    """Like validate_uscc, plus the enterprise prefix rule for outsourcing firms."""
    errors = validate_uscc(code)
    if not errors and not code.startswith("91"):
        errors.append(USCC_NOT_FIRM)
    return errors


def make_uscc(prefix2: str, division6: str, rng: random.Random) -> str:
    """A valid random USCC for demo and scale data; raises ValueError for an unknown prefix or division."""
    if len(prefix2) != 2 or prefix2[1] not in USCC_CATEGORIES.get(prefix2[0], {}):
        raise ValueError(f"unknown USCC authority/category prefix: {prefix2!r}")
    if len(division6) != 6 or not division6.isdigit():
        raise ValueError(f"division code must be six digits: {division6!r}")
    body = "".join(rng.choice(USCC_CHARSET) for _ in range(8))
    first17 = prefix2 + division6 + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


# --- Resident identity card number (居民身份证号码), GB 11643-1999 ---------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
ID_EARLIEST_BIRTH = date(1900, 1, 1)

# First two digits: GB/T 2260 provinces, plus 71/81/82/83 used by residence permits for Taiwan, Hong Kong
# and Macao residents. Foreigners' permanent residence cards (2023 format) start with 9.
_ID_REGIONS = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 "
    "71 81 82 83".split()
)

ID_REQUIRED = N_("Enter the ID card number.")
ID_LENGTH = N_("An ID card number has exactly 18 characters.")
ID_BAD_CHARACTERS = N_("The first 17 characters of an ID card number are digits; the last is a digit or X.")
ID_LOWERCASE_X = N_("Write the final X of an ID card number in upper case.")
ID_BAD_REGION = N_("The first two digits of the ID card number are not a province code.")
ID_BAD_BIRTH_DATE = N_("Characters 7 to 14 of the ID card number are not a real date of birth.")
ID_FUTURE_BIRTH_DATE = N_("The date of birth in the ID card number is in the future.")
ID_TOO_OLD = N_("The date of birth in the ID card number is before 1900.")
ID_BAD_CHECK = N_("The check character (the last one) does not match; the number was probably mistyped.")


def id_check_char(first17: str) -> str:
    """Check character (position 18) for the first 17 digits of an ID number."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def id_birth_date(number: str) -> date | None:
    """Date of birth encoded in an 18-character ID number, or None when it is not a real date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def validate_id_number(s: str, today: date | None = None) -> list[str]:
    """Error messages (msgids) for a resident ID number; an empty list means valid."""
    if not s:
        return [ID_REQUIRED]
    if len(s) != 18:
        return [ID_LENGTH]
    if s[17] == "x" and s[:17].isascii() and s[:17].isdigit():
        return [ID_LOWERCASE_X]
    if not (s[:17].isascii() and s[:17].isdigit() and (s[17] == "X" or (s[17].isascii() and s[17].isdigit()))):
        return [ID_BAD_CHARACTERS]
    errors: list[str] = []
    if s[:2] not in _ID_REGIONS and s[0] != "9":
        errors.append(ID_BAD_REGION)
    born = id_birth_date(s)
    if born is None:
        errors.append(ID_BAD_BIRTH_DATE)
    elif born > (today or clock.today()):
        errors.append(ID_FUTURE_BIRTH_DATE)
    elif born < ID_EARLIEST_BIRTH:
        errors.append(ID_TOO_OLD)
    if id_check_char(s[:17]) != s[17]:
        errors.append(ID_BAD_CHECK)
    return errors


def normalize_id_number(s: str) -> str:
    """Strip whitespace; a trailing lower-case x is left for the validator to report."""
    return re.sub(r"\s+", "", s or "")


def make_id_number(division6: str, birth: date, rng: random.Random) -> str:
    """A valid random ID number for demo data; raises ValueError for a bad division or birth date."""
    if len(division6) != 6 or not division6.isdigit():
        raise ValueError(f"division code must be six digits: {division6!r}")
    if birth < ID_EARLIEST_BIRTH:
        raise ValueError("birth date before 1900")
    first17 = f"{division6}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + id_check_char(first17)


# --- Mobile phone numbers --------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9][0-9]{9}")

PHONE_REQUIRED = N_("Enter the mobile phone number.")
PHONE_INVALID = N_("A mobile phone number has 11 digits and starts with 13 to 19.")


def normalize_mobile(s: str) -> str:
    """Drop spaces and hyphens and a +86 / 0086 country prefix that people often type."""
    digits = re.sub(r"[\s-]+", "", s or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix):]
    return digits


def validate_mobile(s: str) -> list[str]:
    """Error messages (msgids) for a mainland mobile number; an empty list means valid."""
    if not s:
        return [PHONE_REQUIRED]
    if not (s.isascii() and _MOBILE.fullmatch(s)):
        return [PHONE_INVALID]
    return []


def clean_optional_mobile(s: str | None) -> tuple[str, list[str]]:
    """An optional mobile number as typed: (normalised number, problems); empty input is no problem."""
    phone = normalize_mobile(s or "")
    return phone, (validate_mobile(phone) if phone else [])


def is_valid_mobile(s: str) -> bool:
    return not validate_mobile(s)
