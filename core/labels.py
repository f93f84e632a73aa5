"""The labels of a model's choices, as ``get_FOO_display`` gives them, looked up instead of rebuilt.

Django's ``get_FOO_display`` builds a dict of every choice of the field at each call, hashing each label:
a lazy translation is translated to be hashed, so that a list of 25 rows with four labelled columns
translates some 400 labels. ``ChoiceLabels`` keeps that dict per field and language: the same labels,
translated once.
"""

from functools import lru_cache

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language


@lru_cache(maxsize=512)  # a few dozen fields with choices × the languages Parley speaks
def _labels(field, language):
    """The labels of ``field``'s choices in ``language`` (the active one: the argument keys the cache),
    by value, as ``Model._get_FIELD_display`` finds them."""
    return {make_hashable(value): force_str(label) for value, label in field.flatchoices}


class ChoiceLabels:
    """A model mixin: ``get_FOO_display`` as Django's, from labels translated once per language.

    Fields whose choices come from a callable (a country field's) keep Django's own: their choices may change
    between calls."""

    def _get_FIELD_display(self, field):
        if not isinstance(field.choices, list):
            return super()._get_FIELD_display(field)
        value = getattr(self, field.attname)
        return force_str(_labels(field, get_language()).get(make_hashable(value), value), strings_only=True)
