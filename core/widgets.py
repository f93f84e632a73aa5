"""Select widgets whose cost is the options they show, not a template render per option.

Django renders every ``<option>`` of a select through the template engine (an include per option): a
country list alone costs milliseconds per page. ``FastSelect`` and ``FastSelectMultiple`` write the
same HTML in Python; ``StyledFormMixin`` puts them in place of Django's on every Parley form.
``TypeAheadSelect`` shows a few options of a growing table and a text box to find the others
(``core.choices``).
"""

from functools import lru_cache

from django import forms
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext_lazy as _

from .choices import MORE_LABEL, NO_CHOICE_LABEL, NONE_FOUND_LABEL, SEARCH_MAX_LENGTH, source_named


def _option(value, label, selected, disabled=False):
    value = "" if value is None else str(value)
    return '<option value="{}"{}{}>{}</option>'.format(
        conditional_escape(value),
        " selected" if value in selected else "",
        " disabled" if disabled else "",
        conditional_escape(label),
    )


@lru_cache(maxsize=128)  # the static lists of Parley's forms (countries, categories, levels …) × languages
def _flat_options(choices):
    """The ``<option>`` elements of ``choices`` (pairs of a value and a label, as strings, and whether the
    label is safe HTML already), each as ``(value, unselected, selected)``, and all of them unselected."""
    options = tuple(
        (value, _option(value, label, ()), _option(value, label, {value}))
        for value, label, _safe in choices  # ``_safe`` keys the cache only: conditional_escape reads the type
    )
    return options, "".join(unselected for _value, unselected, _selected in options)


def options_html(choices, selected):
    """The ``<option>`` (and ``<optgroup>``) elements of ``choices`` (Django's choices: ``(value, label)``
    or ``(group, [(value, label), ...])``), those whose value is in ``selected`` (strings) selected.

    A list without groups is escaped and written once per process and language (``_flat_options``): a
    country list is some 250 options on every list page's filter bar."""
    flat = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            return _grouped_options_html(choices, selected)
        label = str(label)  # a lazy label in the active language; a safe one stays safe
        flat.append(("" if value is None else str(value), label, isinstance(label, SafeData)))
    options, unselected = _flat_options(tuple(flat))
    if not selected or not any(value in selected for value, _label, _safe in flat):
        return mark_safe(unselected)  # noqa: S308 (every value and label is escaped in _option)
    html = "".join(chosen if value in selected else plain for value, plain, chosen in options)
    return mark_safe(html)  # noqa: S308 (every value and label is escaped in _option)


def _grouped_options_html(choices, selected):
    parts = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            parts.append(format_html('<optgroup label="{}">', value))
            parts.extend(_option(sub_value, sub_label, selected) for sub_value, sub_label in label)
            parts.append("</optgroup>")
        else:
            parts.append(_option(value, label, selected))
    return mark_safe("".join(parts))  # noqa: S308 (every value and label is escaped in _option)


class FastSelect(forms.Select):
    """``forms.Select``, the same HTML, written without a template render per option."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        selected = set(self.format_value(value))
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options_html(self.choices, selected))


class FastSelectMultiple(FastSelect, forms.SelectMultiple):
    allow_multiple_selected = True


def faster(widget):
    """The fast twin of a Django select widget (same attributes and choices), or the widget itself."""
    twin = {forms.Select: FastSelect, forms.SelectMultiple: FastSelectMultiple}.get(type(widget))
    if twin is None:
        return widget
    fast = twin(attrs=widget.attrs)
    fast.choices = widget.choices
    fast.is_required = widget.is_required
    fast.is_localized = widget.is_localized
    return fast


class TypeAheadSelect(forms.Select):
    """A select of at most ``core.choices.OPTION_LIMIT`` records of a ``ChoiceSource``, with a text box
    that finds the others: as one types (HTMX asks ``core:choice-options``), or on submitting the form.

    The field (``TypeAheadChoiceField``) gives it the source, the user, the text typed so far, the
    label of the text box and what its blank option says.
    """

    source = None
    user = None
    search_text = ""
    search_label = ""
    blank = "any"  # "any": a filter's "Any …"; "none": an optional field's "---------"; "": no blank option

    def search_name(self, name):
        return f"{name}_search"

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        select_id = final_attrs.get("id") or f"id_{name}"
        final_attrs["id"] = select_id
        selected = [value] if value not in (None, "") else []
        url = reverse("core:choice-options", args=[self.source.name])
        query = urlencode({"field": name, "blank": self.blank})
        search_attrs = {
            "type": "search",
            "name": self.search_name(name),
            "id": f"{select_id}_search",
            "value": self.search_text,
            "class": "form-control form-control-sm mb-1",
            "placeholder": _("Type to find…"),
            "aria-label": _("Find: %(field)s") % {"field": self.search_label},
            "aria-controls": select_id,
            "autocomplete": "off",
            "maxlength": "100",
            "data-hx-get": f"{url}?{query}",
            "data-hx-trigger": "input changed delay:300ms, search",
            "data-hx-target": f"#{select_id}",
            "data-hx-include": f"#{select_id}",
            "data-hx-sync": "this:replace",
        }
        options = choice_options_html(self.source, self.user, self.search_text, selected, self.blank)
        return format_html(
            '<div class="type-ahead"><input{}><select{}>{}</select></div>',
            flatatt(search_attrs),
            flatatt(final_attrs),
            options,
        )


def choice_options_html(source, user, search_text, selected_values, blank):
    """The options of a type-ahead select: its blank option, the chosen records, then the first records
    matching ``search_text``, and a last, disabled option saying whether more match or none do."""
    chosen = source.chosen(user, selected_values)
    found, more = source.matching(user, search_text)
    chosen_pks = {record.pk for record in chosen}
    choices = []
    if blank == "any":
        choices.append(("", source.any_label))
    elif blank == "none":
        choices.append(("", NO_CHOICE_LABEL))
    choices += [(record.pk, source.label(record)) for record in chosen]
    choices += [(record.pk, source.label(record)) for record in found if record.pk not in chosen_pks]
    selected = {str(pk) for pk in chosen_pks}
    html = options_html(choices, selected)
    if more:
        html += mark_safe(_option("", MORE_LABEL, (), disabled=True))  # noqa: S308
    elif search_text.strip() and not found:
        html += mark_safe(_option("", NONE_FOUND_LABEL, (), disabled=True))  # noqa: S308
    return html


class TypeAheadChoiceField(forms.ModelChoiceField):
    """A record of a ``ChoiceSource`` (or its registered name), chosen from a ``TypeAheadSelect``.
    ``StyledFormMixin`` calls ``fit`` with the form's ``user``: the choosable records are then theirs.
    ``blank_option``: "any" for a filter ("Any organisation"), "none" for an optional field."""

    widget = TypeAheadSelect
    source = None

    def __init__(self, source=None, *, blank_option="any", queryset=None, **kwargs):
        if source is not None:
            self.source = source
        if queryset is None:  # nothing until ``fit`` gives the user's
            queryset = self.choice_source().model._default_manager.none()
        super().__init__(queryset=queryset, **kwargs)
        self.widget.blank = "" if self.required else blank_option

    def choice_source(self):
        return source_named(self.source) if isinstance(self.source, str) else self.source

    def fit(self, user, search_text=""):
        source = self.choice_source()
        self.queryset = source.choosable(user)
        self.widget.source = source
        self.widget.user = user
        self.widget.search_text = (search_text or "").strip()[:SEARCH_MAX_LENGTH]
        self.widget.search_label = self.label or ""

    def label_from_instance(self, obj):
        return self.choice_source().label(obj)
