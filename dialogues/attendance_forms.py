"""The attendance form of a workshop: one row per invitee whose attendance is recorded, attended or no-show.

It checks what was posted; the rules (who, when, which invitations) are ``services.attendance_record``'s.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import StyledFormMixin

from .models import Invitation
from .services import ATTENDANCE_NOT_ON_LIST

MARK_PREFIX = "mark-"
MARK_CHOICES = [
    (Invitation.Status.ATTENDED.value, _("Attended")),
    (Invitation.Status.NO_SHOW.value, _("No-show")),
]


class AttendanceForm(StyledFormMixin, forms.Form):
    """A choice of attended or no-show (``mark-<invitation id>``) for each invitation of ``invitations`` whose
    participant the user may see; those they may not see are listed without one (``rows``). A mark left
    blank leaves the invitation as it is. A posted mark for any other invitation (another workshop's, a
    declined one, an id that is no number) refuses the whole form."""

    def __init__(self, data=None, *, invitations, **kwargs):
        super().__init__(data, **kwargs)
        self.rows = []
        for invitation in invitations:
            person = getattr(invitation, "participant", None)  # None: a record the user may not see
            if person is None:  # a record above the user: they cannot tell who it is, so cannot mark them
                self.rows.append((invitation, None))
                continue
            name = f"{MARK_PREFIX}{invitation.pk}"
            current = invitation.status if invitation.status in dict(MARK_CHOICES) else None
            self.fields[name] = forms.ChoiceField(
                label=person.display_name,
                choices=MARK_CHOICES,
                required=False,
                initial=current,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
            self.rows.append((invitation, self[name]))

    def clean(self):
        cleaned = super().clean()
        posted = [key for key in (self.data or {}) if key.startswith(MARK_PREFIX)]
        if any(key not in self.fields for key in posted):
            raise ValidationError(ATTENDANCE_NOT_ON_LIST, code="not_on_list")
        return cleaned

    def marks(self):
        """The marks given, as ``services.attendance_record`` takes them: ``{invitation id: mark}``."""
        return {
            int(name.removeprefix(MARK_PREFIX)): value
            for name, value in self.cleaned_data.items()
            if name.startswith(MARK_PREFIX) and value
        }
