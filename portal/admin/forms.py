"""Administration forms (shape only; the accounts, organisations and audit services hold the rules)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.constants import OFFICE_LEVELS, ROLE_LABELS
from portal.core.identifiers import DISTRICTS
from portal.web.forms import DateInRange, choices

# What a system admin may create; admin roles are given afterwards by the security admin (三员分立).
ACCOUNT_KINDS = {
    "agency": (_l("Agency user"), ["agency"]),
    "regulator": (_l("Regulator"), ["regulator"]),
    "lead": (_l("Regulator lead"), ["regulator", "lead"]),
    "vendor": (_l("Firm user"), ["vendor"]),
    "none": (_l("No role yet (the security administrator assigns it)"), []),
}
AGENCY_TYPES = choices([
    ("government", _l("Government body")),
    ("public_institution", _l("Public institution")),
    ("state_enterprise", _l("State-owned enterprise")),
    ("other", _l("Other")),
])
STATUS_FILTERS = choices([
    ("", _l("Any status")),
    ("active", _l("Active")),
    ("disabled", _l("Disabled")),
    ("locked", _l("Locked")),
    ("must_change", _l("Must change password")),
])


def district_choices(blank: str | None = None) -> list[tuple[str, str]]:
    from portal.web.templating import district_label

    pairs = [(code, district_label(code)) for code in DISTRICTS]
    return choices(([("", blank)] if blank is not None else []) + pairs)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AccountFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    q = StringField(_l("Username or name"), validators=[Optional(), Length(max=80)])
    role = SelectField(_l("Role"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=STATUS_FILTERS, validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices([("", _l("Any role"))] + [(code, _l(label)) for code, label in ROLE_LABELS.items()])


class AccountForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(min=3, max=64),
                    Regexp(r"^[a-z0-9][a-z0-9._-]*$",
                           message=_l("Use lower-case letters, digits, dots, hyphens and underscores."))],
    )
    display_name = StringField(lazy_pgettext("person", "Name"), validators=[DataRequired(), Length(max=80)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=120)])
    kind = SelectField(_l("Account type"), choices=choices((k, v[0]) for k, v in ACCOUNT_KINDS.items()))
    office_id = SelectField(_l("Regulator office"), coerce=int, validators=[Optional()])
    agency_id = SelectField(_l("Agency"), coerce=int, validators=[Optional()])
    firm_id = SelectField(_l("Firm"), coerce=int, validators=[Optional()])
    password = PasswordField(_l("Temporary password"), validators=[DataRequired(), Length(max=256)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("Temporary password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        _l("Repeat the temporary password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class RolesForm(FlaskForm):
    roles = MultiCheckboxField(_l("Roles"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = choices((code, _l(label)) for code, label in ROLE_LABELS.items())


class AgencyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    uscc = StringField(_l("Unified social credit code"), validators=[DataRequired(), Length(max=40)])
    district_code = SelectField(_l("District"), validators=[DataRequired()])
    agency_type = SelectField(_l("Type"), choices=AGENCY_TYPES)
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=60)])
    contact_phone = StringField(_l("Contact mobile phone"), validators=[Optional(), Length(max=20)])
    office_id = SelectField(_l("Supervising office"), coerce=int, validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district_code.choices = district_choices(_l("Choose…"))


class AgencyFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or credit code"), validators=[Optional(), Length(max=80)])
    district = SelectField(_l("District"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district.choices = district_choices(_l("All districts"))


class OfficeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    level = SelectField(_l("Level"), choices=choices((k, _l(v)) for k, v in OFFICE_LEVELS.items()))
    district_code = SelectField(_l("District (district offices only)"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district_code.choices = district_choices("—")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional(), DateInRange()])
    date_to = DateField(_l("To"), validators=[Optional(), DateInRange()])
    actor = StringField(_l("Actor (username)"), validators=[Optional(), Length(max=64)])
    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)], render_kw={"list": "audit-actions"})
    object_type = StringField(_l("Object type"), validators=[Optional(), Length(max=40)])
    object_id = StringField(_l("Object ID"), validators=[Optional(), Length(max=64)])
    outcome = SelectField(_l("Outcome"), choices=choices([("", _l("Any outcome")), ("success", _l("Success")),
                                                          ("failure", _l("Failure"))]), validators=[Optional()])
    request_id = StringField(_l("Request ID"), validators=[Optional(), Length(max=64)])
