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
