"""Project filing forms (shape only; the submission rules live in portal.filings.submission)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.web.forms import VersionField

QUANTITY_FIELDS = ("volumes", "items", "boxes", "pages", "records")


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choice objects."""
    return [SelectChoice(value, label) for value, label in pairs]


SITE_CHOICES = choices([("agency_premises", _l("On the agency's premises")),
                        ("off_site", _l("Off-site (the firm's or other premises)"))])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _qty(label):
    return IntegerField(label, validators=[Optional(), NumberRange(min=0, max=100_000_000)])


def _text(label, rows: int = 3):
    return TextAreaField(label, validators=[Optional(), Length(max=5000)], render_kw={"rows": rows})


class QuantitiesMixin:
    qty_volumes = _qty(_l("Volumes (卷)"))
    qty_items = _qty(_l("Items (件)"))
    qty_boxes = _qty(_l("Boxes (盒)"))
    qty_pages = _qty(_l("Pages, A4-equivalent (页)"))
    qty_records = _qty(_l("Records (条)"))

    def quantities(self) -> dict:
        return {unit: getattr(self, f"qty_{unit}").data for unit in QUANTITY_FIELDS}


class FilingForm(QuantitiesMixin, FlaskForm):
    version = VersionField()
    # Parties and contract
    title = StringField(_l("Project title"), validators=[DataRequired(), Length(max=200)])
    agency_id = SelectField(_l("Agency (立档单位)"), coerce=int, validators=[DataRequired()])
    contract_number = StringField(_l("Contract number"), validators=[Optional(), Length(max=80)])
    contract_date = DateField(_l("Contract date"), validators=[Optional()])
    contract_amount = DecimalField(_l("Contract amount (CNY)"), places=2,
                                   validators=[Optional(), NumberRange(min=0, max=10**11)])
    contract_scope = _text(_l("Service scope"))
    quality_standard = _text(_l("Quality standard"), 2)
    technical_standard = _text(_l("Technical standard"), 2)
    # Archives
    service_types = MultiCheckboxField(_l("Service types"), choices=[])
    archive_categories = StringField(_l("Archive categories"), validators=[Optional(), Length(max=200)])
    year_from = IntegerField(_l("Archives from year"), validators=[Optional(), NumberRange(min=1800, max=2100)])
    year_to = IntegerField(_l("Archives to year"), validators=[Optional(), NumberRange(min=1800, max=2100)])
    non_classified_declared = BooleanField(_l("I declare that the archives in this project are not classified (非涉密)."))
    # Site
    site_type = RadioField(_l("Where the work is done"), default="agency_premises",
                           choices=SITE_CHOICES)
    site_address = StringField(_l("Site address"), validators=[Optional(), Length(max=300)])
    off_site_reason = _text(_l("Reason for off-site work"), 2)
    off_site_safeguards = _text(_l("Off-site safeguards"), 2)
    # Work plan (DA/T 68.2 §5)
    plan_goals = _text(_l("Goals"))
    plan_procedure = _text(_l("Scope and procedure"))
    plan_hardware_software = _text(_l("Hardware and software"))
    plan_staffing = _text(_l("Staffing and duties"))
    plan_indicators = _text(_l("Technical indicators"))
    plan_acceptance_basis = _text(_l("Acceptance basis"))
    plan_security = _text(_l("Security measures"))
    plan_schedule = _text(_l("Schedule"))
    plan_risk_control = _text(_l("Risk control"))
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    # Staff and site security
    staff_ids = MultiCheckboxField(_l("Assigned staff"), coerce=int, choices=[])
    chk_network_isolation = BooleanField(_l("Processing machines are isolated from the internet"))
    chk_dedicated_media = BooleanField(_l("Only approved dedicated media are used, and every use is logged"))
    chk_video_coverage = BooleanField(_l("Full video coverage of the work area, recordings retained"))
    chk_no_personal_devices = BooleanField(_l("No personal phones, cameras or storage devices in the work area"))
    chk_visitor_log = BooleanField(_l("Visitor log and daily sign-in of staff"))
    chk_data_wipe = BooleanField(_l("Data wiped and checked before any media leave the site"))
    video_retention_days = IntegerField(_l("Video retained for (days)"), validators=[Optional(), NumberRange(min=0, max=3650)])
    # Attachments
    file_contract = FileField(_l("Contract (PDF or image)"))
    file_work_plan = FileField(_l("Work plan"))
    file_commitment = FileField(_l("Security and confidentiality commitments"))
    file_other = FileField(_l("Other document"))
    save = SubmitField(_l("Save draft"))
    submit_filing = SubmitField(_l("Save and submit"))


class ActionForm(FlaskForm):
    version = VersionField()
    reason = TextAreaField(_l("Reason or remark"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})


class CompletionForm(QuantitiesMixin, FlaskForm):
    version = VersionField()
    data_wipe_confirmed = BooleanField(_l("I confirm that project data was wiped from every device and medium, and checked, before they left the site."))
    handback_sheet = FileField(_l("Signed hand-back sheet"))
    note = TextAreaField(_l("Remark"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})


class AcceptanceForm(FlaskForm):
    version = VersionField()
    sample_size = IntegerField(_l("Items sampled"), validators=[Optional(), NumberRange(min=1, max=10**8)])
    pass_rate = DecimalField(_l("Pass rate (%)"), places=2, validators=[Optional(), NumberRange(min=0, max=100)])
    opinion = TextAreaField(_l("Opinion (required when acceptance fails)"), validators=[Optional(), Length(max=5000)],
                            render_kw={"rows": 4})
    accept = SubmitField(_l("Accept the work"))
    fail = SubmitField(_l("Fail acceptance (rework)"))


class ChangeForm(QuantitiesMixin, FlaskForm):
    version = VersionField()
    change_type = SelectField(_l("What changes"), choices=[], validators=[DataRequired()])
    reason = TextAreaField(_l("Reason for the change"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    effective_date = DateField(_l("Change takes effect on"), validators=[Optional()])
    staff_ids = MultiCheckboxField(_l("Assigned staff"), coerce=int, choices=[])
    site_type = RadioField(_l("Where the work is done"), default="agency_premises",
                           choices=SITE_CHOICES)
    site_address = StringField(_l("Site address"), validators=[Optional(), Length(max=300)])
    off_site_reason = _text(_l("Reason for off-site work"), 2)
    off_site_safeguards = _text(_l("Off-site safeguards"), 2)
    contract_scope = _text(_l("Service scope"))
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])


class AttachmentForm(FlaskForm):
    kind = SelectField(_l("Document type"), choices=[])
    file = FileField(_l("File"))
