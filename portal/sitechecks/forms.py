"""Site check forms (shape only; what a patrol may not leave out is decided in rules.py)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PatrolForm(FlaskForm):
    """The daily patrol: one phone screen, the usual answers already ticked."""

    patrol_date = DateField(_l("Date"), validators=[InputRequired(message=_l("Give the date of the patrol."))])
    staff_ids = CheckboxesField(_l("Staff signed in on site"), coerce=int, validators=[Optional()])
    visitors_count = IntegerField(_l("Visitors today"), default=0,
                                  validators=[InputRequired(message=_l("Give the number of visitors (0 if none).")),
                                              NumberRange(min=0, max=999)])
    visitor_names = StringField(_l("Visitors' names"), validators=[Optional(), Length(max=500)])
    video_running = BooleanField(_l("Video surveillance running"), default=True)
    internet_isolated = BooleanField(_l("No internet on processing machines"), default=True)
    all_locked = BooleanField(_l("Nothing left unlocked (rooms, cabinets, machines)"), default=True)
    no_personal_devices = BooleanField(_l("No personal phones or devices in the work area"), default=True)
    media_used = BooleanField(_l("Removable media used today"), default=False)
    media_logged = BooleanField(_l("Media use written in the media log"), default=False)
    media_log_ref = StringField(_l("Media log entry"), validators=[Optional(), Length(max=120)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    version = HiddenField()


class WeeklyForm(FlaskForm):
    week = DateField(_l("A day of the week checked"), validators=[InputRequired(message=_l("Give the week."))])
    patrols_reviewed = BooleanField(_l("This week's daily patrols reviewed"))
    media_log_checked = BooleanField(_l("Media log checked against the media used"))
    video_retained = BooleanField(_l("Video recordings of the week retained"))
    visitor_log_checked = BooleanField(_l("Visitor log and sign-in sheets checked"))
    findings = TextAreaField(_l("Findings"), validators=[Optional(), Length(max=3000)])
    version = HiddenField()


class CountersignForm(FlaskForm):
    decision = RadioField(_l("Your decision"), choices=[SelectChoice("confirmed", _l("Confirm")),
                                                         SelectChoice("disputed", _l("Dispute"))],
                          validators=[InputRequired(message=_l("Choose whether you confirm or dispute this check."))])
    note = TextAreaField(_l("Note (required when you dispute)"), validators=[Optional(), Length(max=2000)])
    version = HiddenField()


class MonthlyForm(FlaskForm):
    """The checklist items' results are read by code (item-<code>); only the free text is a field here."""

    month = DateField(_l("A day of the month inspected"), validators=[InputRequired(message=_l("Give the month."))])
    findings = TextAreaField(_l("Findings and measures"), validators=[Optional(), Length(max=5000)])
    version = HiddenField()
