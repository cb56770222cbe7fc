"""Forms of the integration area (shape only)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LinkAccountForm(FlaskForm):
    username = StringField(_l("Portal username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Portal password"), validators=[DataRequired(), Length(max=256)])
