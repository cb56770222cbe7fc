"""The fields a firm fills in on a project filing, declared once.

The filing form (`portal.filings.forms`), the save rules (`service._assign`), the review page
(`templates/filings/_fields.html`), the Excel export, the change-filing diff labels and the scoring
evidence ("good = filled in", `portal.scoring.evidence`) all read this list, so adding a field is one
entry here plus its column in `models.py` and a migration (README: "How to add a field").

Pure: no Flask, no SQLAlchemy, no WTForms; labels are msgids translated where they are shown.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.core.msgids import N_

# Kinds of field: how the form asks for it, how the service cleans it and how pages show it.
TEXT, TEXTAREA, DATE, AMOUNT, YEAR, AGENCY, SERVICE_TYPES, FLAG, SITE = (
    "text", "textarea", "date", "amount", "year", "agency", "service_types", "flag", "site")
# Kinds that take a whole row of the form and of the review page.
WIDE_KINDS = (TEXTAREA, SERVICE_TYPES, FLAG, SITE)

SITE_TYPES = {
    "agency_premises": N_("On the agency's premises"),
    "off_site": N_("Off-site (the firm's or other premises)"),
}
DEFAULT_SITE_TYPE = "agency_premises"


@dataclass(frozen=True)
class Section:
    key: str
    title: str       # heading on the review page
    form_title: str  # numbered heading on the form


@dataclass(frozen=True)
class FilingField:
    name: str            # the ProjectFiling column and the form field
    label: str           # msgid
    section: str         # a Section key
    kind: str = TEXT
    required: bool = False  # needed to save a draft; everything else is checked at submission
    max_length: int = 5000
    rows: int = 3
    hint: str | None = None
    export: bool = True  # a column of the filings Excel export
    # An indicator code the scoring rule sets may use: among the projects whose work starts in the
    # period, good = this field is filled in (portal.scoring.evidence counts it; rules.py lists it).
    evidence: str | None = None
    evidence_description: str | None = None

    @property
    def wide(self) -> bool:
        return self.kind in WIDE_KINDS


SECTIONS: tuple[Section, ...] = (
    Section("parties", N_("Parties and contract"), N_("1. Parties and contract")),
    Section("archives", N_("Archives and quantities"), N_("2. Archives and quantities")),
    Section("site", N_("Site"), N_("3. Site")),
    Section("plan", N_("Work plan"), N_("4. Work plan")),
)

FIELDS: tuple[FilingField, ...] = (
    # Parties and contract
    FilingField("title", N_("Project title"), "parties", required=True, max_length=200),
    FilingField("agency_id", N_("Agency"), "parties", AGENCY, required=True,
                hint=N_("The agency is asked to confirm the filing after you submit it.")),
    FilingField("contract_number", N_("Contract number"), "parties", max_length=80),
    FilingField("contract_date", N_("Contract date"), "parties", DATE),
    FilingField("contract_amount", N_("Contract amount (CNY)"), "parties", AMOUNT),
    FilingField("contract_scope", N_("Service scope"), "parties", TEXTAREA),
    FilingField("quality_standard", N_("Quality standard"), "parties", TEXTAREA, rows=2),
    FilingField("technical_standard", N_("Technical standard"), "parties", TEXTAREA, rows=2),
    # Archives
    FilingField("service_types", N_("Service types"), "archives", SERVICE_TYPES),
    FilingField("archive_categories", N_("Archive categories"), "archives", max_length=200,
                hint=N_("e.g. documentary, accounting, personnel, photographs")),
    FilingField("year_from", N_("Archives from year"), "archives", YEAR),
    FilingField("year_to", N_("Archives to year"), "archives", YEAR),
    FilingField("non_classified_declared",
                N_("I declare that the archives in this project are not classified (非涉密)."), "archives", FLAG),
    # Site
    FilingField("site_type", N_("Where the work is done"), "site", SITE),
    FilingField("site_address", N_("Site address"), "site", max_length=300),
    FilingField("archive_room_location", N_("Agency's archive room location"), "site", max_length=200,
                hint=N_("Building, floor and room where the archives are kept, e.g. Building 2, 3rd floor, room 305."),
                evidence="filing.archive_room_recorded",
                evidence_description=N_("Projects whose work started in the period: good = the agency's archive "
                                        "room location is on the filing.")),
    FilingField("off_site_reason", N_("Reason for off-site work"), "site", TEXTAREA, rows=2,
                hint=N_("Needed only when the work is done off-site.")),
    FilingField("off_site_safeguards", N_("Off-site safeguards"), "site", TEXTAREA, rows=2),
    # Work plan (DA/T 68.2 §5)
    FilingField("start_date", N_("Start date"), "plan", DATE),
    FilingField("end_date", N_("End date"), "plan", DATE),
    FilingField("plan_goals", N_("Goals"), "plan", TEXTAREA, export=False),
    FilingField("plan_procedure", N_("Scope and procedure"), "plan", TEXTAREA, export=False),
    FilingField("plan_hardware_software", N_("Hardware and software"), "plan", TEXTAREA, export=False),
    FilingField("plan_staffing", N_("Staffing and duties"), "plan", TEXTAREA, export=False),
    FilingField("plan_indicators", N_("Technical indicators"), "plan", TEXTAREA, export=False),
    FilingField("plan_acceptance_basis", N_("Acceptance basis"), "plan", TEXTAREA, export=False),
    FilingField("plan_security", N_("Security measures"), "plan", TEXTAREA, export=False),
    FilingField("plan_schedule", N_("Schedule"), "plan", TEXTAREA, export=False),
    FilingField("plan_risk_control", N_("Risk control"), "plan", TEXTAREA, export=False),
)

BY_NAME: dict[str, FilingField] = {f.name: f for f in FIELDS}
NAMES: tuple[str, ...] = tuple(BY_NAME)


def in_section(key: str) -> tuple[FilingField, ...]:
    return tuple(f for f in FIELDS if f.section == key)


def label_of(name: str) -> str | None:
    field = BY_NAME.get(name)
    return field.label if field else None


def evidence_fields() -> tuple[FilingField, ...]:
    return tuple(f for f in FIELDS if f.evidence)


# Each section with its fields, in order: what the form and the review page loop over.
LAYOUT: tuple[tuple[Section, tuple[FilingField, ...]], ...] = tuple((s, in_section(s.key)) for s in SECTIONS)
