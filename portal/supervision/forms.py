"""Supervision forms: shape only; rules live in the services."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.web.forms import VersionField, choices
from portal.web.i18n import lazy_gettext as _l
from portal.web.i18n import lazy_pgettext


class AckForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=2000)])


class PlanForm(FlaskForm):
    firm_id = SelectField(_l("Firm"), coerce=int, validators=[DataRequired()])
    filing_number = StringField(_l("Project filing number (optional)"), validators=[Optional(), Length(max=24)],
                                description=_l("The number on the filing receipt, e.g. LZWB-2026-0001."))
    planned_on = DateField(_l("Planned on"), validators=[DataRequired()])
    inspector1_id = SelectField(_l("First inspector"), coerce=int, validators=[DataRequired()])
    inspector2_id = SelectField(_l("Second inspector"), coerce=int, validators=[DataRequired()])


class DrawForm(FlaskForm):
    target = SelectField(_l("Draw"), choices=choices([("firm", _l("Firms")), ("filing", _l("Projects"))]))
    n = IntegerField(_l("How many"), validators=[DataRequired(), NumberRange(min=1, max=200)], default=3)
    planned_on = DateField(_l("Planned on"), validators=[Optional()])


class RecordForm(FlaskForm):
    findings = TextAreaField(_l("Findings"), validators=[Optional(), Length(max=5000)])
    version = VersionField()


class RefusalForm(FlaskForm):
    note = TextAreaField(_l("How was the inspection refused?"), validators=[DataRequired(), Length(max=2000)])


class PhotoForm(FlaskForm):
    photo = FileField(_l("Photo"), validators=[DataRequired()])


class TemplateForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    items = TextAreaField(_l("Items"), validators=[DataRequired()],
                          description=_l("One item per line: code | text | basis | security (yes/no)"))


class OrderForm(FlaskForm):
    firm_id = SelectField(_l("Firm"), coerce=int, validators=[Optional()])
    items = TextAreaField(_l("Items to rectify (one per line)"), validators=[DataRequired()])
    requirement = TextAreaField(_l("Requirement"), validators=[DataRequired(), Length(max=5000)])
    deadline = DateField(_l("Deadline"), validators=[Optional()])


class ResponseForm(FlaskForm):
    body = TextAreaField(_l("What was rectified"), validators=[DataRequired(), Length(max=5000)])
    files = MultipleFileField(_l("Evidence files"))
    version = VersionField()


class DecisionForm(FlaskForm):
    action = HiddenField()
    reason = TextAreaField(_l("Reasons"), validators=[Optional(), Length(max=5000)])
    version = VersionField()


def _legal_basis_choices():
    from portal.supervision.penalties import LEGAL_BASES

    return choices([("", "—")] + [(code, _l(label)) for code, (label, _b) in LEGAL_BASES.items()])


class PenaltyForm(FlaskForm):
    legal_basis = SelectField(_l("Legal basis"), validators=[DataRequired()])
    decision = TextAreaField(lazy_pgettext("penalty", "Decision"), validators=[DataRequired(), Length(max=5000)])
    amount = DecimalField(_l("Fine (CNY)"), places=2, validators=[Optional()])
    decided_on = DateField(_l("Decided on"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.legal_basis.choices = _legal_basis_choices()


class EscalateForm(FlaskForm):
    reason = TextAreaField(_l("Reason for escalation"), validators=[DataRequired(), Length(max=2000)])
    held_on = DateField(_l("Summons date"), validators=[DataRequired()])
    attendees = TextAreaField(_l("Attendees"), validators=[Optional(), Length(max=2000)])
    record = TextAreaField(_l("Record of the summons"), validators=[DataRequired(), Length(max=10000)])
    with_penalty = BooleanField(_l("Also record a penalty case"))
    legal_basis = SelectField(_l("Legal basis"), validators=[Optional()])
    decision = TextAreaField(_l("Penalty decision"), validators=[Optional(), Length(max=5000)])
    amount = DecimalField(_l("Fine (CNY)"), places=2, validators=[Optional()])
    decided_on = DateField(_l("Decided on"), validators=[Optional()])
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.legal_basis.choices = _legal_basis_choices()


class NoticeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=20000)])
    audience = SelectField(_l("Send to"), choices=choices([("all", _l("All registered firms")),
                                                           ("chosen", _l("Chosen firms")),
                                                           ("agencies", _l("All agencies")),
                                                           ("everyone", _l("All registered firms and all agencies"))]))
    firm_ids = SelectMultipleField(_l("Chosen firms"), coerce=int, validators=[Optional()])
    requires_ack = BooleanField(_l("Recipients must acknowledge"), default=True)
    ack_deadline = DateField(_l("Acknowledge by"), validators=[Optional()])
    files = MultipleFileField(_l("Attachments (optional: PDF, JPEG, PNG, DOCX, XLSX)"))


class LiaisonForm(FlaskForm):
    name = StringField(_l("Liaison name"), validators=[DataRequired(), Length(max=60)])
    phone = StringField(_l("Mobile phone"), validators=[DataRequired(), Length(max=20)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=120)])
