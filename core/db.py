"""What the services of every app share about writing to the database."""

from collections.abc import Hashable
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

CLASH_MESSAGE = _(
    "Nothing was saved: another record with the same details was saved at the same time. "
    "Check the details and save again."
)


@contextmanager
def clash_refused(message=CLASH_MESSAGE):
    """Write inside this block; a unique constraint that refuses the write becomes a ``ValidationError``.

    The forms check uniqueness before saving, but a row saved by someone else in the meantime (or rows
    trading unique values in one save) can still clash at the database. The block runs in a savepoint,
    so the clash undoes only its own writes, and the service's caller gets a message to show instead
    of a server error.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as clash:
        raise ValidationError(message, code="clash") from clash


IMPORT_REFUSED = _(
    "Nothing was imported: a row repeats a record that exists already, or its values do not fit together. "
    "Check the rows and import again."
)


def records_validated(records, *, relations=(), numbers=None):
    """Validate each of ``records`` (of one model) as a service validates one, before an import saves them.

    Its field values and the model's ``clean()`` (``full_clean``; ``relations`` name fields given as stored
    records, not looked up again). A value of a field with choices is checked once however many records
    repeat it: a country is checked against some 250 choices, and an import repeats a few values many
    times. A refusal names the row: its place in ``records`` (from 1), or its number in ``numbers``.
    """
    fields = records[0]._meta.concrete_fields if records else ()
    choice_fields = [field for field in fields if field.choices and field.name not in relations]
    excluded = {*relations, *(field.name for field in choice_fields)}
    checked = {}  # (field name, value) -> (the value cleaned, its refusal or None)
    for place, record in enumerate(records):
        problems = []
        for field in choice_fields:
            value = getattr(record, field.attname)
            if field.blank and value in field.empty_values:
                continue
            # A value that cannot be a key (a list) is told by its identity: checked once per object.
            key = (field.name, value) if isinstance(value, Hashable) else (field.name, "object", id(value))
            if key not in checked:
                try:
                    checked[key] = (field.clean(value, record), None)
                except ValidationError as refusal:
                    checked[key] = (value, refusal)
            cleaned, refusal = checked[key]
            setattr(record, field.attname, cleaned)
            if refusal is not None:
                problems += refusal.messages
        try:
            record.full_clean(exclude=excluded, validate_unique=False, validate_constraints=False)
        except ValidationError as refusal:
            problems += refusal.messages
        if problems:
            raise row_refused(numbers[place] if numbers else place + 1, problems)


def row_refused(number, problems):
    """The refusal of row ``number`` of an import, for ``problems`` (messages, or a ``ValidationError``)."""
    if isinstance(problems, ValidationError):
        problems = problems.messages
    return ValidationError(
        _("Row %(number)s: %(problems)s"),
        code="row_refused",
        params={"number": number, "problems": " ".join(problems)},
    )


def records_imported(model, records, *, relations=()):
    """Save many new ``records`` of ``model`` in one insert, for imports where saving one by one is too slow.

    Each record is validated first, as a service validates one (``records_validated``). The database's
    constraints (unique values, checks) are held by the one insert rather than asked row by row: a
    refusal there refuses the whole import. Returns the records, saved.
    """
    records_validated(records, relations=relations)
    with clash_refused(IMPORT_REFUSED):
        return model.objects.bulk_create(records)


def record_saved(record, changes):
    """``record`` with ``changes`` set, validated by its model (``full_clean``: field values, ``clean()``,
    constraints) and saved; a clash at the database becomes a ``ValidationError``. The plain write of
    a service whose rules are all the model's own."""
    for field, value in changes.items():
        setattr(record, field, value)
    record.full_clean()
    with clash_refused():
        record.save()
    return record
