"""Follow-up forms (shape only; the workflow and its messages live in the service)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from portal.web.forms import VersionField


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("What your firm has changed"), validators=[Optional(), Length(max=5000)])
    version = VersionField()


class ConfirmForm(FlaskForm):
    outcome = RadioField(_l("After the firm's answer, is your agency now satisfied?"),
                         choices=[SelectChoice("satisfied", _l("Yes, now satisfied")),
                                  SelectChoice("unsatisfied", _l("No, still dissatisfied"))],
                         validators=[InputRequired(message=_l("Say whether your agency is now satisfied."))])
    note = TextAreaField(_l("Note (required when still dissatisfied)"), validators=[Optional(), Length(max=5000)])
    version = VersionField()


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Reason for withdrawing"), validators=[Optional(), Length(max=5000)])
    version = VersionField()
