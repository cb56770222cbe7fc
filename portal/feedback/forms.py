"""Feedback and reply forms (shape only; the narrative rule and windows live in the service)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, MultipleFileField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from portal.feedback.rules import LEVELS

RATING_CHOICES = [SelectChoice(level, str(level)) for level in LEVELS]


def _rating(label):
    return RadioField(label, choices=RATING_CHOICES, coerce=int,
                      validators=[InputRequired(message=_l("Choose a rating from 1 to 5."))])


class FeedbackForm(FlaskForm):
    period_key = HiddenField()
    quality = _rating(_l("Quality of the work"))
    timeliness = _rating(_l("Timeliness"))
    security = _rating(_l("Security and confidentiality compliance"))
    conduct = _rating(_l("Staff conduct"))
    communication = _rating(_l("Communication"))
    narrative = TextAreaField(_l("What happened? (required for any rating of 1, 2 or 5)"),
                              validators=[Optional(), Length(max=5000)])
    hire_again = RadioField(_l("Would you hire this firm again?"), choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
                            validators=[InputRequired(message=_l("Say whether you would hire this firm again."))])
    files = MultipleFileField(_l("Attachments (optional: PDF, JPEG, PNG, DOCX, XLSX)"))
    edit_count = IntegerField(widget=HiddenInput(), validators=[Optional()])

    dimension_names = ("quality", "timeliness", "security", "conduct", "communication")

    def ratings(self) -> dict:
        return {name: getattr(self, name).data for name in self.dimension_names}

    def hire_again_value(self):
        return {"yes": True, "no": False}.get(self.hire_again.data)


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"), validators=[DataRequired(message=_l("Write your reply.")),
                                                       Length(max=3000)])
