"""Scoring forms (shape only; the rules live in portal.scoring.service)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.scoring.rules import RuleSet
from portal.web.forms import VersionField


class OpenPeriodForm(FlaskForm):
    label = StringField(_l("Period (2026Q3 or 2026)"), validators=[DataRequired(), Length(max=20)])


class ObjectionForm(FlaskForm):
    indicator_code = SelectField(_l("Indicator"), validators=[DataRequired()])
    reason = TextAreaField(_l("Why the score is wrong"), validators=[DataRequired(), Length(max=4000)])
    attachment = FileField(_l("Evidence (PDF, JPEG, PNG, DOCX or XLSX)"))


class DecideObjectionForm(FlaskForm):
    action = RadioField(lazy_pgettext("objection", "Decision"), choices=[SelectChoice("uphold", _l("Keep the score")),
                                                 SelectChoice("amend", _l("Amend the score"))], validators=[InputRequired()])
    reason = TextAreaField(_l("Written reason"), validators=[DataRequired(), Length(max=4000)])
    numerator = StringField(_l("Corrected good cases (or sum of ratings)"), validators=[Optional(), Length(max=20)])
    count = StringField(_l("Corrected number of cases (or items)"), validators=[Optional(), Length(max=20)])


class NegativeListDecisionForm(FlaskForm):
    decision = RadioField(lazy_pgettext("negative list", "Decision"), choices=[SelectChoice("list", _l("Put on the negative list")),
                                                   SelectChoice("decline", _l("Decline the proposal"))],
                          validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=4000)])
    ends_on = DateField(_l("Listed until"), validators=[Optional()])


class LiftForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=4000)])


class ImportRuleSetForm(FlaskForm):
    body = TextAreaField(_l("Rule set (JSON)"), validators=[Optional()])
    file = FileField(_l("Or a JSON file"))


def rule_set_form(rule_set: RuleSet, formdata=None) -> FlaskForm:
    """An edit form for a new version: label, each dimension's weight and minimum evidence, each band."""

    class RuleSetForm(FlaskForm):
        label = StringField(_l("Version label"), validators=[DataRequired(), Length(max=40)])
        weights = HiddenField()
        bands = HiddenField()
        body = HiddenField()

    for dim in rule_set.dimensions:
        setattr(RuleSetForm, f"weight_{dim.code}",
                IntegerField(_l("Weight"), default=dim.weight, validators=[InputRequired(), NumberRange(0, 100)]))
        setattr(RuleSetForm, f"min_{dim.code}",
                IntegerField(_l("Minimum evidence"), default=dim.min_evidence,
                             validators=[InputRequired(), NumberRange(0, 100000)]))
    for band in rule_set.bands:
        setattr(RuleSetForm, f"band_{band.grade}_min",
                DecimalField(_l("From"), default=band.minimum, places=2, validators=[InputRequired()]))
        setattr(RuleSetForm, f"band_{band.grade}_max",
                DecimalField(_l("To"), default=band.maximum, places=2, validators=[InputRequired()]))
    form = RuleSetForm(formdata=formdata) if formdata is not None else RuleSetForm()
    return form


class FocusPlanForm(FlaskForm):
    plan_text = TextAreaField(_l("Rectification plan"), validators=[Optional(), Length(max=10000)],
                              render_kw={"rows": 10})
    attachment = FileField(_l("Attachment (optional: PDF, JPEG, PNG, DOCX or XLSX)"))
    version = VersionField()


class FocusPlanDecisionForm(FlaskForm):
    reason = TextAreaField(_l("Reason (required when returning the plan)"), validators=[Optional(), Length(max=4000)])
    version = VersionField()
