"""State changes of the dialogues app: initiatives and workshops. Keyword-only, one transaction each.

Views, the admin, tasks and commands all come through here, so the rules are checked here again
even where a form has checked them already.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.levels import Level

from . import selectors
from .models import AgendaSession, Initiative, Invitation, TeamMembership, Workshop


def _check_clearance(*, level, by):
    if level > by.clearance:
        raise ValidationError(
            {
                "level": _("Choose a level no higher than your clearance (%(clearance)s).")
                % {"clearance": by.get_clearance_display()}
            }
        )


@transaction.atomic
def initiative_create(*, created_by, **fields):
    """Create an initiative; its creator joins the team as lead."""
    initiative = Initiative(created_by=created_by, **fields)
    _check_clearance(level=initiative.level, by=created_by)
    initiative.full_clean()
    initiative.save()
    TeamMembership.objects.create(initiative=initiative, user=created_by, role=TeamMembership.Role.LEAD)
    return initiative


@transaction.atomic
def initiative_update(*, initiative, by, formsets=(), **changes):
    """Change an initiative and save its validated inline formsets (parties, team, funding) with it.

    A workshop is never less confidential than its initiative: raising the level above one of its
    workshops is refused. Every team member must be cleared for the initiative's level.
    """
    Initiative.objects.select_for_update().filter(pk=initiative.pk).first()
    for field, value in changes.items():
        setattr(initiative, field, value)
    _check_clearance(level=initiative.level, by=by)
    below = selectors.workshops_below_level_label(by, initiative, initiative.level)  # names only what `by` sees
    if below:
        raise ValidationError(
            {
                "level": _("These workshops would be less confidential than their initiative: %(workshops)s.")
                % {"workshops": below}
            }
        )
    initiative.full_clean()
    initiative.save()
    try:
        with transaction.atomic():
            for formset in formsets:
                formset.save()
    except IntegrityError as clash:  # a row saved by someone else in the meantime: the forms could not know
        raise ValidationError(
            _(
                "Another change with the same details (a party's name or a team member) was saved at the same "
                "time. Check the parties and the team, and save again."
            )
        ) from clash
    uncleared = TeamMembership.objects.filter(initiative=initiative, user__clearance__lt=initiative.level)
    if uncleared.exists():
        raise ValidationError(
            _("Every team member must be cleared for %(level)s.") % {"level": Level(initiative.level).label}
        )
    return initiative


def _check_sessions_within(workshop):
    outside = AgendaSession.objects.filter(workshop=workshop).exclude(
        starts_at__gte=workshop.starts_at, ends_at__lte=workshop.ends_at
    )
    if outside.exists():
        raise ValidationError(_("Every session must fall within the workshop's start and end."))


@transaction.atomic
def workshop_create(*, initiative, by, sessions=None, **fields):
    """Create a workshop of an initiative, with its agenda (``sessions``: a validated inline formset)."""
    workshop = Workshop(initiative=initiative, **fields)
    _check_clearance(level=workshop.level, by=by)
    workshop.full_clean()
    workshop.save()
    if sessions is not None:
        sessions.instance = workshop
        sessions.save()
    _check_sessions_within(workshop)
    return workshop


@transaction.atomic
def workshop_update(*, workshop, by, sessions=None, **changes):
    """Change a workshop and its agenda (``sessions``: a validated inline formset)."""
    Workshop.objects.select_for_update().filter(pk=workshop.pk).first()
    for field, value in changes.items():
        setattr(workshop, field, value)
    _check_clearance(level=workshop.level, by=by)
    workshop.full_clean()
    workshop.save()
    if sessions is not None:
        sessions.save()
    _check_sessions_within(workshop)
    return workshop


@transaction.atomic
def invitation_purge_passport_details(*, now=None):
    """Clear the passport details kept for visa letters once their workshop ended long enough ago.

    Idempotent: purged invitations are skipped. Returns how many invitations were purged.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PARLEY_PASSPORT_RETENTION_DAYS)
    return (
        Invitation.objects.filter(workshop__ends_at__lt=cutoff, passport_purged_at__isnull=True)
        .exclude(passport_number="", passport_expires_on__isnull=True)
        .update(passport_number="", passport_expires_on=None, passport_purged_at=now)
    )
