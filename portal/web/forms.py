"""Helpers shared by every form: put service-level errors beside the right field."""
from __future__ import annotations

from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal.core.errors import ValidationFailed
from portal.web.i18n import translate
from portal.web.params import MAX_DATE, MIN_DATE


def apply_service_errors(form: FlaskForm, exc: ValidationFailed) -> None:
    """Attach ValidationFailed messages to form fields (unknown fields go to form-level errors)."""
    form_errors = list(getattr(form, "form_errors", []))
    for name, messages in exc.field_errors.items():
        field = getattr(form, name, None) if name else None
        texts = [translate(m) if isinstance(m, str) else translate(m[0], m[1]) for m in messages]
        if field is not None and hasattr(field, "errors"):
            if isinstance(field.errors, tuple):
                field.errors = list(field.errors)
            field.errors.extend(texts)
        else:
            form_errors.extend(texts)
    if exc.message:
        form_errors.append(translate(exc.message, exc.params))
    form.form_errors = form_errors


class VersionField(HiddenField):
    """The version of the record the user was looking at, posted back for the optimistic-lock check
    (portal.core.transactions.check_version): exactly what was posted, "" included, or None when the
    post has no such field. It never falls back to the default the page was built with, which would be
    the record's current version and so pass any check."""

    def process_formdata(self, valuelist):
        self.data = valuelist[0] if valuelist else None


class DateInRange:
    """A date field's value lies within the dates the portal handles (portal.web.params), so a filter
    on year 1 or 9999 is a message beside the field, not an overflow when it is turned into UTC."""

    def __call__(self, form, field):
        if field.data is not None and not MIN_DATE <= field.data <= MAX_DATE:
            raise ValidationError(gettext("Enter a date between %(first)s and %(last)s.",
                                          first=MIN_DATE.isoformat(), last=MAX_DATE.isoformat()))


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as select options: WTForms ≥ 3.3 wants SelectChoice objects, not tuples."""
    return [SelectChoice(value, label) for value, label in pairs]
