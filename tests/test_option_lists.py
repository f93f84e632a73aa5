"""Option lists written once per process and language (``core.widgets.options_html``, ``CountryChoices``): the
same HTML as writing each option, the chosen one selected, every label escaped."""

from django import forms
from django.http import QueryDict
from django.utils import translation
from django.utils.functional import lazy
from django.utils.safestring import mark_safe

from core.widgets import FastSelect, _grouped_options_html, options_html
from participants.forms import CountryChoices, OrganizationFilterForm


def test_an_option_list_is_the_html_of_each_option_with_the_chosen_one_selected():
    choices = [("", "Any"), ("a", "Alpha"), (2, "Two"), (None, "None")]
    for selected in [set(), {"a"}, {"2"}, {"a", "2"}, {"unknown"}]:
        assert options_html(choices, selected) == _grouped_options_html(choices, selected)
    assert options_html(choices, {"a"}).count(" selected") == 1
    assert '<option value="a" selected>Alpha</option>' in options_html(choices, {"a"})
    assert " selected" not in options_html(choices, set())


def test_labels_and_values_are_escaped_and_a_safe_label_is_not_escaped_twice():
    plain = options_html([('"x"', "<b>bold</b>")], set())
    assert plain == '<option value="&quot;x&quot;">&lt;b&gt;bold&lt;/b&gt;</option>'
    # The same text, once safe HTML: a list of its own, not the escaped one above.
    assert (
        options_html([('"x"', mark_safe("<b>bold</b>"))], set()) == '<option value="&quot;x&quot;"><b>bold</b></option>'
    )
    assert options_html([('"x"', "<b>bold</b>")], set()) == plain


def test_groups_are_written_as_before():
    choices = [("Europe", [("fr", "France"), ("de", "Germany")]), ("x", "Elsewhere")]
    html = options_html(choices, {"de"})
    assert html.startswith('<optgroup label="Europe"><option value="fr">France</option>')
    assert '<option value="de" selected>Germany</option></optgroup>' in html


def test_a_lazy_label_is_written_in_the_language_active_at_each_render():
    label = lazy(lambda: f"in {translation.get_language()}", str)()
    with translation.override("fr"):
        assert options_html([("a", label)], set()) == '<option value="a">in fr</option>'
    with translation.override("ru"):
        assert options_html([("a", label)], {"a"}) == '<option value="a" selected>in ru</option>'


def test_a_country_filter_offers_every_country_after_its_blank_option_and_keeps_the_chosen_one():
    field = OrganizationFilterForm(QueryDict("country=FR"))["country"]
    assert isinstance(field.field.widget, FastSelect)
    html = str(field)
    assert html.count("<option") == len(list(CountryChoices("Any")))  # the blank option and 249 countries
    assert '<option value="">Any country</option>' in html
    assert '<option value="FR" selected>France</option>' in html
    assert html.count(" selected") == 1
    form = OrganizationFilterForm(QueryDict("country=XX"))
    assert form.filters()["country"] == ""  # not a country: no filter, as before
    assert OrganizationFilterForm(QueryDict("country=FR")).filters()["country"] == "FR"


def test_country_choices_are_a_choice_field_s_own():
    field = forms.ChoiceField(choices=CountryChoices("Any"), required=False)
    assert field.clean("DE") == "DE"
    assert field.clean("") == ""
    assert list(field.choices)[:2] == [("", "Any"), ("AF", "Afghanistan")]
