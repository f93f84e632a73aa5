"""Changes to participants, their consents, and organisations."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.levels import Level

from .models import ConsentRecord, Organization, Participant

# The consents recorded through the participant form; others (photography) are left alone.
FORM_CONSENT_KINDS = (ConsentRecord.Kind.DATA_PROCESSING, ConsentRecord.Kind.CHATHAM_HOUSE)


def _check_level(*, by, level):
    if level > by.clearance:
        raise PermissionDenied(_("A participant's level may not exceed the editor's clearance."))


@transaction.atomic
def participant_create(
    *,
    by,
    full_name,
    codename="",
    email="",
    nationality="",
    languages=(),
    gender="",
    organization=None,
    title="",
    category=Participant.Category.EXPERT,
    personal_capacity=True,
    risk_level=Participant.RiskLevel.LOW,
    level=Level.INTERNAL,
    consents=(),
):
    _check_level(by=by, level=level)
    participant = Participant.objects.create(
        full_name=full_name,
        codename=codename,
        email=email,
        nationality=nationality,
        languages=list(languages),
        gender=gender,
        organization=organization,
        title=title,
        category=category,
        personal_capacity=personal_capacity,
        risk_level=risk_level,
        level=level,
    )
    participant_consents_set(participant=participant, given=consents, by=by)
    return participant


PARTICIPANT_EDITABLE_FIELDS = frozenset(
    {
        "full_name",
        "codename",
        "email",
        "nationality",
        "languages",
        "gender",
        "organization",
        "title",
        "category",
        "personal_capacity",
        "risk_level",
        "level",
    }
)


@transaction.atomic
def participant_update(*, participant, by, consents=None, **changes):
    unknown = set(changes) - PARTICIPANT_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Not editable here: {', '.join(sorted(unknown))}")
    _check_level(by=by, level=changes.get("level", participant.level))
    for field, value in changes.items():
        setattr(participant, field, list(value) if field == "languages" else value)
    participant.save()
    if consents is not None:
        participant_consents_set(participant=participant, given=consents, by=by)
    return participant


@transaction.atomic
def participant_consents_set(*, participant, given, by):
    """Make the participant's current consents of the form's kinds match ``given``.

    A consent newly given creates a record; a consent no longer given withdraws the current record
    (``withdrawn_at``). Records are never deleted: the history of consent stays.
    """
    given = set(given)
    now = timezone.now()
    current = set(
        participant.consents.filter(withdrawn_at__isnull=True, kind__in=FORM_CONSENT_KINDS).values_list(
            "kind", flat=True
        )
    )
    for kind in FORM_CONSENT_KINDS:
        if kind in given and kind not in current:
            ConsentRecord.objects.create(participant=participant, kind=kind, given_at=now, recorded_by=by)
        elif kind not in given and kind in current:
            participant.consents.filter(kind=kind, withdrawn_at__isnull=True).update(
                withdrawn_at=Greatest(F("given_at"), Value(now))
            )


@transaction.atomic
def organization_create(*, by, name, kind, country=""):
    return Organization.objects.create(name=name, kind=kind, country=country)


@transaction.atomic
def organization_update(*, organization, by, name, kind, country=""):
    organization.name = name
    organization.kind = kind
    organization.country = country
    organization.save()
    return organization
