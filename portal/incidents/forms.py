"""Incident report and decision forms (shape only)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    MultipleFileField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.web.forms import VersionField


class IncidentForm(FlaskForm):
    # The service decides whether the reporter may see the project (a hidden one is "not found"), so the
    # choice is not checked against the list here.
    filing_id = SelectField(_l("Project"), coerce=int, validate_choice=False,
                            validators=[InputRequired(message=_l("Choose the project."))])
    incident_type = RadioField(_l("What kind of incident?"), validators=[InputRequired(message=_l("Choose the kind of incident."))])
    severity = RadioField(_l("Severity"), validators=[InputRequired(message=_l("Choose the severity."))])
    occurred_at = DateTimeLocalField(_l("When did it happen?"), format="%Y-%m-%dT%H:%M",
                                     validators=[InputRequired(message=_l("Give the date and time the incident happened."))])
    description = TextAreaField(_l("What happened?"), validators=[DataRequired(message=_l("Describe what happened (at least 10 characters).")),
                                                                 Length(max=5000)])
    files = MultipleFileField(_l("Evidence (photos, documents)"))


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Reasons"), validators=[Optional(), Length(max=5000)])
    version = VersionField()


class RectificationForm(FlaskForm):
    requirement = TextAreaField(_l("What the firm must put right"), validators=[DataRequired(), Length(max=5000)])
    deadline = DateField(_l("Deadline"), validators=[Optional()])
    version = VersionField()


class StatementForm(FlaskForm):
    statement = TextAreaField(_l("The firm's statement"), validators=[Optional(), Length(max=5000)],
                              render_kw={"rows": 5})
    version = VersionField()
