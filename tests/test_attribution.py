"""The non-attribution check (Chatham House) of outcome reports: the terms a workshop's invitees give, as
the viewer may see them, and the hits of those terms in a report's text, in the forms a name takes."""

import pytest

from core.levels import Level, Role
from dialogues.models import Invitation
from facilitators.attribution import (
    CODENAME,
    NAME,
    ORGANISATION,
    attribution_terms,
    codename_term,
    find_attributions,
    fold,
    name_term,
    organisation_term,
)
from participants.models import Participant

from . import factories as f


def matches(text, *terms):
    """The matched text of each hit, in order."""
    return [hit.match for hit in find_attributions({"summary": text}, list(terms))]


# --- Forms of a name (no database) -----------------------------------------------------------------------


def test_accents_and_case_are_ignored_both_ways():
    assert matches("Then Jose Garcia objected.", name_term("José García")) == ["Jose Garcia"]
    assert matches("Then JOSÉ GARCÍA objected.", name_term("Jose Garcia")) == ["JOSÉ GARCÍA"]
    assert matches("Señor garcía disagreed.", name_term("José Garcia")) == ["garcía"]
    # Combining accents (NFD text) belong to the match: its span is in the original text.
    assert matches("Garci\u0301a spoke.", name_term("José García")) == ["Garci\u0301a"]


def test_name_in_either_order_with_or_without_a_comma():
    term = name_term("Amal Karimi")
    assert matches("As Karimi Amal put it", term) == ["Karimi Amal"]
    assert matches("(Karimi, Amal)", term) == ["Karimi, Amal"]
    assert matches("Amal Karimi said", term) == ["Amal Karimi"]


def test_possessives_with_either_apostrophe():
    term = name_term("Amal Karimi")
    assert matches("Karimi's view, Karimi’s plan, the Karimis' idea", term) == ["Karimi's", "Karimi’s", "Karimis'"]
    assert matches("Amal Karimi’s proposal", term) == ["Amal Karimi’s"]


def test_initials_and_surname():
    term = name_term("Amal Karimi")
    assert matches("A. Karimi; A Karimi; A.Karimi; Karimi, A.", term) == [
        "A. Karimi",
        "A Karimi",
        "A.Karimi",
        "Karimi, A.",
    ]
    assert matches("J.-P. Sartre and J. Sartre", name_term("Jean-Paul Sartre")) == ["J.-P. Sartre", "J. Sartre"]
    # A surname shorter than three letters is no hit alone, but with the given name or its initial.
    short = name_term("Wei Li")
    assert matches("Li spoke, then W. Li and Li Wei.", short) == ["W. Li", "Li Wei"]


def test_a_longer_word_is_not_the_name():
    """Decided: a name found inside a longer word is no hit (Karimian is another family's name), nor is a
    patronymic built on it; a given name alone is not looked for (too many common words)."""
    assert matches("Karimian, Karimiyeh and Amal alone", name_term("Amal Karimi")) == []
    assert matches("Ivanovich and Ivanovsky", name_term("Ivan Ivanov")) == []
    assert matches("HERON-70 and heron-7b", codename_term("HERON-7")) == []


def test_declined_surnames_as_transliterated_and_in_cyrillic():
    ivanov = name_term("Ivan Ivanov")
    assert matches("Ivanova, Ivanovu, Ivanovym, Ivanove", ivanov) == ["Ivanova", "Ivanovu", "Ivanovym", "Ivanove"]
    assert matches("встреча с Ивановым", ivanov) == ["Ивановым"]
    petrov = name_term("Петров")
    assert matches("Петрова и Petrovoi", petrov) == ["Петрова", "Petrovoi"]
    assert matches("Dostoevskogo, Dostoevskaya", name_term("Fyodor Dostoevsky")) == ["Dostoevskogo", "Dostoevskaya"]
    # One transliteration of a Cyrillic name finds another.
    assert matches("Yulia Zhukova said", name_term("Юлия Жукова")) == ["Yulia Zhukova"]
    assert matches("Iuliia Zhukova said", name_term("Yulia Zhukova")) == ["Iuliia Zhukova"]


def test_arabic_script_compared_in_transliteration():
    # A name kept in Latin letters, written in Arabic in the report, and the reverse (by consonants, since
    # Arabic is written without short vowels).
    assert matches("وقالت أمل كريمي إن", name_term("Amal Karimi")) == ["أمل كريمي"]
    assert matches("As Karimi said", name_term("أمل كريمي")) == ["Karimi"]
    assert matches("محمد", name_term("Mohammed Saleh")) == []  # a given name alone is not looked for
    assert matches("قال صالح", name_term("Mohammed Saleh")) == ["صالح"]


def test_codename_in_any_case_and_spacing():
    term = codename_term("HERON-7")
    assert matches("heron 7, Heron7, HERON-7 and heron_7’s", term) == ["heron 7", "Heron7", "HERON-7", "heron_7’s"]


def test_organisation_with_or_without_the():
    carter = organisation_term("The Carter Center")
    assert matches("the Carter Center's staff and Carter Center", carter) == ["the Carter Center's", "Carter Center"]
    institute = organisation_term("Institute for Dialogue & Peace")
    assert matches("The Institute for Dialogue and Peace", institute) == ["The Institute for Dialogue and Peace"]


def test_overlapping_hits_are_reported_once_the_longest():
    person, organisation = name_term("Amal Karimi"), organisation_term("Karimi Foundation")
    hits = find_attributions({"summary": "The Karimi Foundation and Amal Karimi"}, [person, organisation])
    assert [(hit.match, hit.term, hit.kind) for hit in hits] == [
        ("The Karimi Foundation", "Karimi Foundation", ORGANISATION),
        ("Amal Karimi", "Amal Karimi", NAME),
    ]


def test_hits_carry_the_original_context_and_a_stable_key():
    text = "Á" * 50 + " Después, José García propuso una tregua de tres meses en la región fronteriza."
    texts = {"summary": "Nothing here.", "convergence": text}
    hits = find_attributions(texts, [name_term("Jose Garcia")])
    assert len(hits) == 1
    hit = hits[0]
    assert (hit.field, hit.term, hit.kind, hit.match) == ("convergence", "Jose Garcia", NAME, "José García")
    assert text[hit.start : hit.end] == "José García"
    assert hit.before == text[hit.start - 40 : hit.start] and hit.before.endswith("Después, ")
    assert hit.after == text[hit.end : hit.end + 40]
    assert hit.key == f"convergence:{hit.start}:{hit.end}:Jose Garcia"
    assert [h.key for h in find_attributions(texts, [name_term("Jose Garcia")])] == [hit.key]


def test_fold_keeps_an_offset_map_to_the_original():
    text = "Öl ßtraße Петров"
    folded, origin = fold(text)
    assert folded == "ol sstrasse petrov"
    assert [text[i] for i in origin[:2]] == ["Ö", "l"] and text[origin[folded.index("p")]] == "П"


def test_many_invitees_and_a_long_report():
    terms = [name_term(f"Person{i} Surname{i}") for i in range(50)] + [codename_term(f"KITE-{i}") for i in range(50)]
    text = ("The parties explored confidence-building measures in Genève. " * 700) + "Surname7’s idea; kite 12."
    hits = find_attributions({"summary": text}, terms)
    assert [(hit.match, hit.term) for hit in hits] == [("Surname7’s", "Person7 Surname7"), ("kite 12", "KITE-12")]


# --- The workshop's terms, as the viewer may see them ------------------------------------------------------


def _facilitator(make_user, workshop, clearance):
    user = make_user(Role.FACILITATOR, clearance)
    f.AssignmentFactory(workshop=workshop, facilitator=f.FacilitatorFactory(user=user))
    return user


@pytest.fixture
def internal_workshop(db):
    return f.WorkshopFactory(initiative=f.InitiativeFactory(level=Level.INTERNAL), level=Level.INTERNAL)


def test_terms_are_the_invitees_names_codenames_and_organisations(make_user, django_assert_num_queries):
    workshop = f.WorkshopFactory()
    user = _facilitator(make_user, workshop, Level.CONFIDENTIAL)
    karimi = f.ParticipantFactory(full_name="Amal Karimi", organization=f.OrganizationFactory(name="Peace Forum"))
    f.InvitationFactory(workshop=workshop, participant=karimi, status=Invitation.Status.ACCEPTED)
    drafted = f.ParticipantFactory(full_name="Omar Saleh", codename="KESTREL", organization=None)
    f.InvitationFactory(workshop=workshop, participant=drafted, status=Invitation.Status.DRAFT)
    withdrawn = f.ParticipantFactory(full_name="Nadia Withdrawn")
    f.InvitationFactory(workshop=workshop, participant=withdrawn, status=Invitation.Status.WITHDRAWN)
    f.InvitationFactory(participant=f.ParticipantFactory(full_name="Elsewhere Person"))
    with django_assert_num_queries(1):
        terms = attribution_terms(user, workshop)
    assert [(term.kind, term.label) for term in terms] == [
        (NAME, "Amal Karimi"),
        (NAME, "Omar Saleh"),
        (CODENAME, "KESTREL"),
        (ORGANISATION, "Peace Forum"),
    ]
    assert all(term.patterns for term in terms)


def test_terms_stay_one_query_whatever_the_number_of_invitees(make_user, django_assert_num_queries):
    workshop = f.WorkshopFactory()
    user = _facilitator(make_user, workshop, Level.CONFIDENTIAL)
    f.InvitationFactory.create_batch(12, workshop=workshop)
    f.InvitationFactory.create_batch(3, workshop=workshop, participant__risk_level=Participant.RiskLevel.HIGH)
    with django_assert_num_queries(1):
        assert len(attribution_terms(user, workshop)) == 15 + 3 + 15


def test_a_hidden_identity_gives_its_codename_only(make_user, internal_workshop):
    """A high-risk invitee seen by a facilitator without CONFIDENTIAL clearance: the codename is a term,
    never the name or the organisation, and the name in the text is not shown as a hit."""
    user = _facilitator(make_user, internal_workshop, Level.INTERNAL)
    hidden = f.ParticipantFactory(
        full_name="Leila Haddad",
        codename="HERON-7",
        risk_level=Participant.RiskLevel.HIGH,
        organization=f.OrganizationFactory(name="Secret Relief Network"),
    )
    f.InvitationFactory(workshop=internal_workshop, participant=hidden)
    terms = attribution_terms(user, internal_workshop)
    assert [(term.kind, term.label) for term in terms] == [(CODENAME, "HERON-7")]
    text = "Leila Haddad (HERON-7) of the Secret Relief Network said Haddad’s people agree."
    hits = find_attributions({"summary": text}, terms)
    assert [(hit.match, hit.term) for hit in hits] == [("HERON-7", "HERON-7")]
    assert not any("Haddad" in hit.key or "Secret" in hit.key for hit in hits)


def test_a_cleared_facilitator_gets_the_name_of_a_high_risk_invitee(make_user, internal_workshop):
    user = _facilitator(make_user, internal_workshop, Level.CONFIDENTIAL)
    hidden = f.ParticipantFactory(full_name="Leila Haddad", codename="HERON-7", risk_level=Participant.RiskLevel.HIGH)
    f.InvitationFactory(workshop=internal_workshop, participant=hidden)
    labels = {term.label for term in attribution_terms(user, internal_workshop)}
    assert {"Leila Haddad", "HERON-7", hidden.organization.name} == labels


def test_a_user_who_may_not_see_the_workshop_gets_no_terms(make_user):
    workshop = f.WorkshopFactory()
    f.InvitationFactory(workshop=workshop, participant=f.ParticipantFactory(full_name="Amal Karimi"))
    outsider = make_user(Role.FACILITATOR, Level.STRICTLY_CONFIDENTIAL)
    assert attribution_terms(outsider, workshop) == []
