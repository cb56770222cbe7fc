"""Helpers shared by every form: put service-level errors beside the right field."""
from __future__ import annotations

from flask_wtf import FlaskForm

from portal.core.errors import ValidationFailed
from portal.web.i18n import translate


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


def choices(pairs) -> list:
    """(value, label) pairs as select options; WTForms ≥ 3.3 wants SelectChoice objects, not tuples."""
    try:
        from wtforms.fields.choices import SelectChoice
    except ImportError:  # older WTForms take tuples
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]
