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
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.filings import fields
from portal.web.forms import VersionField, choices

QUANTITY_FIELDS = ("volumes", "items", "boxes", "pages", "records")


SITE_CHOICES = choices([(code, _l(label)) for code, label in fields.SITE_TYPES.items()])


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


def _filing_field(spec: fields.FilingField):
    """The WTForms field that asks for one declared filing field (shape only)."""
    label = _l(spec.label)
    required = [DataRequired()] if spec.required else [Optional()]
    if spec.kind == fields.TEXT:
        return StringField(label, validators=[*required, Length(max=spec.max_length)])
    if spec.kind == fields.TEXTAREA:
        return _text(label, spec.rows)
    if spec.kind == fields.DATE:
        return DateField(label, validators=[Optional()])
    if spec.kind == fields.AMOUNT:
        return DecimalField(label, places=2, validators=[Optional(), NumberRange(min=0, max=10**11)])
    if spec.kind == fields.YEAR:
        return IntegerField(label, validators=[Optional(), NumberRange(min=1800, max=2100)])
    if spec.kind == fields.AGENCY:
        return SelectField(label, coerce=int, validators=[DataRequired()])
    if spec.kind == fields.SERVICE_TYPES:
        return MultiCheckboxField(label, choices=[])
    if spec.kind == fields.FLAG:
        return BooleanField(label)
    if spec.kind == fields.SITE:
        return RadioField(label, default=fields.DEFAULT_SITE_TYPE, choices=SITE_CHOICES)
    raise ValueError(f"no form field for kind {spec.kind!r}")


class _FilingFormBase(QuantitiesMixin, FlaskForm):
    """What the filing form asks besides the declared fields, which `FilingForm` below adds."""

    version = VersionField()
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


# The filing form: every declared field of portal.filings.fields plus the parts above.
FilingForm = type("FilingForm", (_FilingFormBase,), {spec.name: _filing_field(spec) for spec in fields.FIELDS})


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
    sample_size = IntegerField(_l("Units sampled"), validators=[Optional(), NumberRange(min=1, max=10**8)])
    # Choices: the units the work was delivered in (set by the view).
    sample_unit = SelectField(_l("Sample counted in"), choices=[], validate_choice=False)
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
