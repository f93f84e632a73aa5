"""What the services of every app share about writing to the database."""

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


def records_imported(model, records, *, relations=()):
    """Save many new ``records`` of ``model`` in one insert, for imports where saving one by one is too slow.

    Each record is validated first, as a service validates one: its field values and the model's
    ``clean()`` (``full_clean``; ``relations`` name fields given as stored records, not looked up again).
    The database's constraints (unique values, checks) are held by the one insert rather than asked
    row by row: a refusal there refuses the whole import. Returns the records, saved.
    """
    for number, record in enumerate(records, start=1):
        try:
            record.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
        except ValidationError as refusal:
            raise ValidationError(
                _("Row %(number)s: %(problems)s"),
                code="row_refused",
                params={"number": number, "problems": " ".join(refusal.messages)},
            ) from refusal
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
