"""The rows of the workshop page's delegations, written in Python.

Each row holds up to two forms (move to another party's delegation, remove a draft) and a select of the
parties: through the template engine, some forty nodes a row, the largest part of the workshop page's
rendering. ``delegation_rows`` writes the same HTML, every value escaped by ``format_html``.
"""

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.templatetags.core_tags import day, participant_name
from core.widgets import options_html

from ..models import Invitation

register = template.Library()

DRAFT = Invitation.Status.DRAFT


def _choose_cell(invitation, person):
    if invitation.status != DRAFT:
        return mark_safe("<td></td>")
    label = _("Choose the draft for %(name)s") % {"name": person.display_name} if person else _("Choose this draft")
    return format_html(
        '<td><input class="form-check-input" type="checkbox" name="invitation" value="{}" form="send-selection"'
        ' id="send-{}" aria-label="{}"></td>',
        invitation.pk,
        invitation.pk,
        label,
    )


class _Urls:
    """The URL of a view for any invitation, reversed once: an invitation's is that of a placeholder id with
    the invitation's put in its place."""

    PLACEHOLDER = 987_654_321  # any id: where it stands in the path is where each invitation's goes

    def __init__(self, name):
        self.pattern = reverse(name, args=[self.PLACEHOLDER])

    def __call__(self, pk):
        return self.pattern.replace(str(self.PLACEHOLDER), str(int(pk)))


class _PartyOptions:
    """The ``<option>`` of the parties (``core.widgets.options_html``), with one selected, built once for each
    party selected."""

    def __init__(self, parties):
        self.choices, self.built = [(party.pk, party.name) for party in parties], {}

    def __call__(self, party_id):
        if party_id not in self.built:
            self.built[party_id] = options_html(self.choices, {str(party_id)})
        return self.built[party_id]


def _move_cell(invitation, url, options, csrf, page):
    return format_html(
        '<td><form method="post" action="{}" class="d-flex gap-1" data-hx-post="{}" data-hx-target="#delegation"'
        ' data-hx-swap="outerHTML">{}<input type="hidden" name="page" value="{}">'
        '<label class="visually-hidden" for="party-{}">{}</label>'
        '<select name="party" id="party-{}" class="form-select form-select-sm w-auto">{}</select>'
        '<button type="submit" class="btn btn-sm btn-outline-secondary">{}</button></form></td>',
        url,
        url,
        csrf,
        page,
        invitation.pk,
        _("Delegation of"),
        invitation.pk,
        options,
        _("Move"),
    )


def _remove_cell(invitation, url, csrf, page):
    if invitation.status != DRAFT:
        return mark_safe("<td></td>")
    return format_html(
        '<td><form method="post" action="{}" data-hx-post="{}" data-hx-target="#delegation" data-hx-swap="outerHTML"'
        ' data-hx-confirm="{}">{}<input type="hidden" name="page" value="{}">'
        '<button type="submit" class="btn btn-sm btn-outline-danger">{}</button></form></td>',
        url,
        url,
        _("Remove this draft invitation?"),
        csrf,
        page,
        _("Remove draft"),
    )


def _participant(invitation):
    """The invitation's participant, or ``None`` where the user may not see the record (left out of those
    attached to the page's invitations), as the template engine read it."""
    try:
        return invitation.participant
    except ObjectDoesNotExist:
        return None


@register.simple_tag(takes_context=True)
def delegation_rows(context, invitations):
    """The ``<tr>`` of ``invitations`` (one party's, on the page ``delegations``): the checkbox that chooses a
    draft to send (``can_manage`` and drafts in the balance), the participant as the viewer may know them (or
    "Restricted participant"), the status, the day of the reply, the move form (``can_invite``) and the
    remove form of a draft (``can_manage``)."""
    can_manage, can_invite = context.get("can_manage"), context.get("can_invite")
    balance = context.get("balance")
    choosing = can_manage and balance and balance.drafts
    csrf = CsrfTokenNode().render(context)  # what ``{% csrf_token %}`` writes
    page = context["delegations"].number
    options = _PartyOptions(list(context.get("parties") or ()))
    move_url, remove_url = _Urls("dialogues:invitation-party"), _Urls("dialogues:invitation-remove")
    statuses = {value: str(label) for value, label in Invitation.Status.choices}
    restricted = format_html('<span class="text-body-secondary">{}</span>', _("Restricted participant"))
    rows = []
    for invitation in invitations:
        person = _participant(invitation)
        cells = []
        if choosing:
            cells.append(_choose_cell(invitation, person))
        cells.append(format_html("<td>{}</td>", participant_name(person, link=True) if person else restricted))
        cells.append(format_html("<td>{}</td>", statuses.get(invitation.status, invitation.status)))
        cells.append(format_html("<td>{}</td>", day(invitation.responded_at) or "—"))
        if can_invite:
            url = move_url(invitation.pk)
            cells.append(_move_cell(invitation, url, options(invitation.party_id), csrf, page))
        if can_manage:
            cells.append(_remove_cell(invitation, remove_url(invitation.pk), csrf, page))
        rows.append(format_html("<tr>{}</tr>", mark_safe("".join(cells))))  # noqa: S308 (each cell built by format_html)
    return mark_safe("\n".join(rows))  # noqa: S308 (each row built by format_html)
