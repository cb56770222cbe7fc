"""Default inspection checklists per service type, from the Archives Law, DA/T 68.2 and the security rules.

Each item is (code, text msgid, basis msgid, is_security). Security items feed the scoring dimension
"site and equipment security"; the lead may edit a checklist, which creates a new version.
"""
from __future__ import annotations

from portal.core.msgids import N_

ART42 = N_("Archives Law Art. 42")
DAT682 = N_("DA/T 68.2 §5")
SECURITY_RULES = N_("Digitisation outsourcing security rules (2014)")

GENERAL_ITEMS: tuple[tuple[str, str, str, bool], ...] = (
    ("A42-1", N_("Archive work responsibility system and management rules are established and followed"), ART42, False),
    ("A42-2", N_("Rooms, facilities and equipment for archives meet fire, theft, light, humidity and pest protection requirements"), ART42, True),
    ("A42-3", N_("Staff are assigned, managed and supervised according to the rules"), ART42, False),
    ("A42-4", N_("Collection, arrangement, custody and use of archives follow the rules"), ART42, False),
    ("A42-5", N_("Informatisation and information security measures are in place"), ART42, True),
    ("D5-1", N_("A written work plan covers goals, scope, procedure, staffing, indicators, acceptance, security, schedule and risk control"), DAT682, False),
    ("D5-2", N_("Every worker has a labour contract"), DAT682, False),
    ("D5-3", N_("Every worker has signed a confidentiality commitment"), DAT682, True),
    ("D5-4", N_("Every worker had at least 5 days of training with a passed assessment before starting"), DAT682, False),
    ("D5-5", N_("Visitors to the work site are registered and accompanied"), DAT682, True),
)

SECURITY_ITEMS: tuple[tuple[str, str, str, bool], ...] = (
    ("S-1", N_("Processing machines and network are isolated from the internet"), SECURITY_RULES, True),
    ("S-2", N_("Only approved, dedicated storage media are used, and their use is logged"), SECURITY_RULES, True),
    ("S-3", N_("Video surveillance covers the whole work area and recordings are retained"), SECURITY_RULES, True),
    ("S-4", N_("A visitor log and daily sign-in sheet are kept"), SECURITY_RULES, True),
    ("S-5", N_("Personal phones and devices are banned from the work area"), SECURITY_RULES, True),
    ("S-6", N_("Security and confidentiality training has been given"), SECURITY_RULES, True),
    ("S-7", N_("Security and confidentiality commitments are signed by the firm and each worker"), SECURITY_RULES, True),
    ("S-8", N_("Data are handed back and wiped, and media are checked before leaving the site"), SECURITY_RULES, True),
)

# Digitisation carries the whole security rule set; other services the media, visitor and device rules.
_SECURITY_CODES_BY_TYPE = {
    "digitisation": tuple(code for code, *_ in SECURITY_ITEMS),
    "storage": ("S-2", "S-3", "S-4", "S-5", "S-7"),
    "destruction": ("S-2", "S-4", "S-5", "S-8"),
}
_DEFAULT_SECURITY_CODES = ("S-2", "S-4", "S-5", "S-7")


def default_items(service_type: str) -> list[tuple[str, str, str, bool]]:
    """The seeded checklist for a service type, in display order."""
    codes = _SECURITY_CODES_BY_TYPE.get(service_type, _DEFAULT_SECURITY_CODES)
    return list(GENERAL_ITEMS) + [item for item in SECURITY_ITEMS if item[0] in codes]
