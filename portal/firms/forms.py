"""Firm registration, certificate and roster forms (shape only; rules live in services)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.constants import CERTIFICATE_TYPES, GRADES, NOT_GRADED, SERVICE_TYPES, STAFF_ROLES
from portal.core.identifiers import DISTRICTS, normalize_uscc, validate_firm_uscc
from portal.core.workflows import FIRM_REGISTRATION
from portal.web.forms import VersionField
from portal.web.i18n import translate


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(mapping: dict) -> list[SelectChoice]:
    return [SelectChoice(code, _l(label)) for code, label in mapping.items()]


def district_choices() -> list[SelectChoice]:
    return [SelectChoice(code, name) for code, name in DISTRICTS.items()]


def _all() -> list[SelectChoice]:
    return [SelectChoice("", _l("All"))]


OWNERSHIP = [SelectChoice("", "—"), SelectChoice("owned", _l("Owned")), SelectChoice("leased", _l("Leased"))]


class RegistrationFields(FlaskForm):
    name = StringField(_l("Firm name"), validators=[DataRequired(), Length(max=200)])
    legal_representative = StringField(_l("Legal representative"), validators=[DataRequired(), Length(max=60)])
    district_code = SelectField(_l("District"), choices=[], validators=[DataRequired()])
    registered_address = StringField(_l("Registered address"), validators=[Length(max=300)])
    operating_address = StringField(_l("Operating address"), validators=[Length(max=300)])
    business_scope = TextAreaField(_l("Business scope"), validators=[Length(max=4000)])
    service_types = MultiCheckboxField(_l("Service types"), choices=_choices(SERVICE_TYPES))
    secrecy_level = StringField(_l("Secrecy qualification level (if held)"), validators=[Length(max=20)])
    premises_area = DecimalField(_l("Premises area (m²)"), places=2, validators=[Optional(), NumberRange(min=0)])
    premises_ownership = SelectField(_l("Premises ownership"), choices=OWNERSHIP, validators=[Optional()])
    premises_security = TextAreaField(_l("Premises security facilities"), validators=[Length(max=4000)])
    equipment_summary = TextAreaField(_l("Equipment"), validators=[Length(max=4000)])
    management_systems = TextAreaField(_l("Management systems"), validators=[Length(max=4000)])
    liaison_name = StringField(_l("Liaison contact"), validators=[Length(max=60)])
    liaison_phone = StringField(_l("Liaison phone"), validators=[Length(max=20)])
    liaison_email = StringField(_l("Liaison e-mail"), validators=[Length(max=120)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district_code.choices = district_choices()

    def registration_data(self) -> dict:
        names = ("name", "legal_representative", "district_code", "registered_address", "operating_address",
                 "business_scope", "service_types", "secrecy_level", "premises_area", "premises_ownership",
                 "premises_security", "equipment_summary", "management_systems", "liaison_name",
                 "liaison_phone", "liaison_email")
        return {n: getattr(self, n).data for n in names}


class ApplicationForm(RegistrationFields):
    uscc = StringField(_l("Unified social credit code"), validators=[DataRequired(), Length(max=18)])
    username = StringField(_l("Username of the first user"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    licence_number = StringField(_l("Business licence number"), validators=[Length(max=80)])
    licence_expires_on = DateField(_l("Business licence expires on"), validators=[Optional()])
    licence_file = FileField(_l("Business licence scan (PDF, JPEG, PNG)"))

    def validate_uscc(self, field) -> None:
        """The code's own check (shape, categories, check characters), run with every other field's so the
        first answer shows all the errors; whether the code is already registered is the service's."""
        problems = [translate(m) for m in validate_firm_uscc(normalize_uscc(field.data or ""))]
        if problems:
            field.errors.extend(problems[:-1])
            raise ValidationError(problems[-1])


class EditRegistrationForm(RegistrationFields):
    version = VersionField()


class ReferenceForm(FlaskForm):
    reference = StringField(_l("Application reference"), validators=[DataRequired(), Length(max=40)])


class DecisionForm(FlaskForm):
    version = VersionField()
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)])


class RecheckForm(FlaskForm):
    version = VersionField()
    note = TextAreaField(_l("Note to the reviewer"), validators=[Length(max=2000)])


class CertificateForm(FlaskForm):
    cert_type = SelectField(_l("Type"), choices=_choices(CERTIFICATE_TYPES), validators=[DataRequired()])
    level = StringField(lazy_pgettext("secrecy qualification", "Level"), validators=[Length(max=20)])
    number = StringField(_l("Number"), validators=[DataRequired(), Length(max=80)])
    issuer = StringField(_l("Issuer"), validators=[Length(max=120)])
    issued_on = DateField(_l("Issued on"), validators=[Optional()])
    expires_on = DateField(_l("Expires on"), validators=[Optional()])
    file = FileField(_l("File (PDF, JPEG, PNG)"))


class DocumentForm(FlaskForm):
    file = FileField(_l("Management-system document"))


class StaffForm(FlaskForm):
    name = StringField(lazy_pgettext("person", "Name"), validators=[DataRequired(), Length(max=60)])
    id_number = StringField(_l("ID number"), validators=[Length(max=30)])
    phone = StringField(_l("Phone"), validators=[Length(max=20)])
    role = SelectField(lazy_pgettext("staff", "Role"), choices=_choices(STAFF_ROLES))
    contract_date = DateField(_l("Labour contract date"), validators=[Optional()])
    commitment_date = DateField(_l("Confidentiality commitment date"), validators=[Optional()])
    commitment_file = FileField(_l("Signed commitment (file)"))
    training_days = IntegerField(_l("Training days"), default=0, validators=[Optional(), NumberRange(min=0, max=365)])
    assessment_passed = BooleanField(_l("Assessment passed"))
    background_checked = BooleanField(_l("Background check done"))

    def staff_data(self) -> dict:
        names = ("name", "id_number", "phone", "role", "contract_date", "commitment_date", "training_days",
                 "assessment_passed", "background_checked")
        return {n: getattr(self, n).data for n in names}


class ImportForm(FlaskForm):
    file = FileField(_l("Roster workbook (.xlsx)"))


class RevealForm(FlaskForm):
    what = SelectField(_l("Value"), choices=[SelectChoice("id_number", _l("ID number")), SelectChoice("phone", _l("Phone"))])
    reason = StringField(_l("Reason for viewing"), validators=[DataRequired(), Length(max=300)])


class FirmFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[], validators=[Optional()])
    district = SelectField(_l("District"), choices=[], validators=[Optional()])
    service_type = SelectField(_l("Service type"), choices=[], validators=[Optional()])
    grade = SelectField(_l("Grade"), choices=[], validators=[Optional()])
    q = StringField(_l("Name or code"), validators=[Optional(), Length(max=100)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = _all() + _choices(dict(FIRM_REGISTRATION.states))
        self.district.choices = _all() + district_choices()
        self.service_type.choices = _all() + _choices(SERVICE_TYPES)
        self.grade.choices = _all() + [SelectChoice(g, g) for g in GRADES] + [SelectChoice(NOT_GRADED, _l("Not graded"))]
