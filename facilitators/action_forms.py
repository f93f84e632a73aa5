"""The forms of action items: adding one to a report, and changing it."""

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, StyledFormMixin
from dialogues.models import Invitation, TeamMembership
from participants.models import Participant

from .models import ActionItem, Assignment
from .reminders import OWNER_INVITATIONS

USER = "user"
PARTICIPANT = "participant"


def owner_choices(viewer, report, current=None):
    """The owners ``viewer`` may give an action of ``report``: the initiative's team and the workshop's
    facilitators (those the viewer may see), and the participants who accepted or attended (by the identity
    rule); ``current``: the item's owner value, kept as a choice when still one the viewer may see."""
    workshop = report.workshop
    users = {}
    team = TeamMembership.objects.visible_to(viewer).filter(initiative_id=workshop.initiative_id, user__is_active=True)
    for membership in team.select_related("user"):
        users[membership.user_id] = membership.user
    facilitators = Assignment.objects.visible_to(viewer).filter(workshop=workshop, facilitator__user__is_active=True)
    for assignment in facilitators.select_related("facilitator__user"):
        users[assignment.facilitator.user_id] = assignment.facilitator.user
    invited = Invitation.objects.filter(workshop=workshop, participant=OuterRef("pk"), status__in=OWNER_INVITATIONS)
    chosen = Q(Exists(invited))
    if current and current.startswith(f"{PARTICIPANT}:"):
        chosen |= Q(pk=_number(current))
    people = Participant.objects.visible_to(viewer).with_identity_for(viewer).filter(chosen)
    user_choices = sorted(((f"{USER}:{pk}", str(user)) for pk, user in users.items()), key=lambda row: row[1].lower())
    participant_choices = sorted(
        ((f"{PARTICIPANT}:{person.pk}", str(person.display_name)) for person in people),
        key=lambda row: row[1].lower(),
    )
    return [
        ("", _("Choose the owner")),
        (_("Team and facilitators"), user_choices),
        (_("Participants"), participant_choices),
    ]


def _number(value):
    try:
        return int(value.partition(":")[2])
    except (TypeError, ValueError):
        return 0


def owner_value(item):
    if item.owner_id is not None:
        return f"{USER}:{item.owner_id}"
    if item.owner_participant_id is not None:
        return f"{PARTICIPANT}:{item.owner_participant_id}"
    return ""


class ActionItemForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Action"), max_length=300)
    description = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    owner = forms.ChoiceField(label=_("Owner"), help_text=_("A member of the team or a participant of the workshop."))
    due_on = forms.DateField(label=_("Due"), widget=DateInput())
    status = forms.ChoiceField(label=_("Status"), choices=ActionItem.Status.choices, initial=ActionItem.Status.OPEN)

    def __init__(self, *args, user, report, item=None, **kwargs):
        self.user, self.report, self.item = user, report, item
        if item is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": item.title,
                    "description": item.description,
                    "owner": owner_value(item),
                    "due_on": item.due_on,
                    "status": item.status,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owner_choices(user, report, current=owner_value(item) if item else None)
        if item is None:
            del self.fields["status"]

    def clean_owner(self):
        value = self.cleaned_data["owner"]
        kind, _sep, number = value.partition(":")
        User = ActionItem._meta.get_field("owner").related_model
        found = (User._default_manager if kind == USER else Participant.objects).filter(pk=int(number)).first()
        if found is None:  # gone since the form was shown
            raise forms.ValidationError(_("Choose the owner again: this one is no longer available."))
        if kind == USER:
            return {"owner": found, "owner_participant": None}
        return {"owner": None, "owner_participant": found}

    def values(self):
        """The fields for ``services.action_item_create`` / ``action_item_update``."""
        data = dict(self.cleaned_data)
        data.update(data.pop("owner"))
        return data
