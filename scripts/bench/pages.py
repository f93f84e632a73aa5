"""The pages ``make bench`` and ``make profile`` measure: each as the demo account of the roles it is for,
and for a detail page, the visible record with the most attached, so that the page does real work."""

ROLES = {
    "admin": "admin@parley.test",
    "staff": "staff@parley.test",
    "lead": "lead@parley.test",
    "facilitator": "facilitator@parley.test",
    "participant": "participant@parley.test",
    "observer": "observer@parley.test",
}


def biggest_initiative(user):
    from django.db.models import Count

    from dialogues.models import Initiative

    return Initiative.objects.visible_to(user).annotate(n=Count("workshops")).order_by("-n", "pk").first()


def biggest_workshop(user):
    from django.db.models import Count

    from dialogues.models import Workshop

    return Workshop.objects.visible_to(user).annotate(n=Count("invitations")).order_by("-n", "pk").first()


def busiest_participant(user):
    from django.db.models import Count

    from participants.models import Participant

    return Participant.objects.visible_to(user).annotate(n=Count("invitations")).order_by("-n", "pk").first()


def biggest_organisation(user):
    from django.db.models import Count

    from participants.models import Organization

    return Organization.objects.visible_to(user).annotate(n=Count("participants")).order_by("-n", "pk").first()


def lead_account(user):
    from accounts.models import User

    return User.objects.filter(email=ROLES["lead"]).first()


def family_name_search(user):
    """``?q=`` the family name of the first participant whose name the user may see, as a person types it."""
    from participants.models import Participant

    name = (
        Participant.objects.visible_to(user)
        .filter(risk_level__lt=Participant.RiskLevel.HIGH)
        .order_by("pk")
        .values_list("full_name", flat=True)
        .first()
    )
    return f"?q={name.split()[-1]}" if name else None


# page, URL name, what it shows (None, a picker of the record, or of a query string), for which roles
PAGES = (
    ("dashboard", "dashboard:home", None, ("admin", "staff", "lead", "facilitator", "participant", "observer")),
    ("initiative list", "dialogues:initiative-list", None, ("lead", "observer")),
    ("initiative detail", "dialogues:initiative-detail", biggest_initiative, ("lead",)),
    ("workshop list", "dialogues:workshop-list", None, ("lead", "facilitator")),
    ("workshop detail", "dialogues:workshop-detail", biggest_workshop, ("lead", "facilitator")),
    ("participant list", "participants:participant-list", None, ("lead", "admin")),
    ("participant search", "participants:participant-list", family_name_search, ("lead", "admin")),
    ("participant detail", "participants:participant-detail", busiest_participant, ("lead",)),
    ("organisation list", "participants:organization-list", None, ("lead",)),
    ("organisation detail", "participants:organization-detail", biggest_organisation, ("lead",)),
    ("account list", "accounts:account-list", None, ("admin",)),
    ("account detail", "accounts:account-detail", lead_account, ("admin",)),
    ("access log", "core:access-log", None, ("admin",)),
)
PEER_PAGE = ("admin participant changelist", "admin:participants_participant_changelist", None, ("admin",))


def page_url(url_name, pick, user):
    """The page's path for ``user``, or why there is none."""
    from django.urls import reverse

    if pick is None:
        return reverse(url_name), ""
    picked = pick(user)
    if picked is None:
        return None, "nothing visible to pick"
    if isinstance(picked, str):
        return reverse(url_name) + picked, ""
    return reverse(url_name, args=[picked.pk]), ""
