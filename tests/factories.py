"""factory_boy factories for every model; tests build exactly the data they need."""

import datetime as dt

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from core.levels import Level, Role
from dialogues.models import (
    AgendaSession,
    Document,
    DocumentVersion,
    Funding,
    Initiative,
    Invitation,
    Party,
    TeamMembership,
    Workshop,
)
from facilitators.models import ActionItem, Assignment, Facilitator, OutcomeReport, TrackOneBriefing
from participants.models import (
    ConsentRecord,
    Organization,
    Participant,
    SanctionsEntry,
    SanctionsHit,
    VettingCase,
)

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@parley.test")
    full_name = factory.Faker("name")
    role = Role.STAFF
    clearance = Level.INTERNAL
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Institute for Dialogue {n}")
    kind = Organization.Kind.THINK_TANK
    country = "CH"


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    full_name = factory.Sequence(lambda n: f"Participant Person {n}")
    email = factory.Sequence(lambda n: f"participant{n}@example.org")
    nationality = "NO"
    languages = factory.LazyFunction(lambda: ["en"])
    organization = factory.SubFactory(OrganizationFactory)
    category = Participant.Category.EXPERT
    risk_level = Participant.RiskLevel.LOW
    level = Level.INTERNAL
    codename = factory.Maybe(
        factory.LazyAttribute(lambda o: o.risk_level >= Participant.RiskLevel.HIGH),
        yes_declaration=factory.Sequence(lambda n: f"HERON-{n}"),
        no_declaration="",
    )


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative

    title = factory.Sequence(lambda n: f"Regional dialogue {n}")
    codename = factory.Sequence(lambda n: f"LANTERN-{n}")
    conflict = "Fictional border dispute"
    level = Level.CONFIDENTIAL


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    initiative = factory.SubFactory(InitiativeFactory)
    user = factory.SubFactory(UserFactory)
    role = TeamMembership.Role.PROGRAMME_OFFICER


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    initiative = factory.SubFactory(InitiativeFactory)
    name = factory.Sequence(lambda n: f"Party {n}")


class FundingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Funding

    initiative = factory.SubFactory(InitiativeFactory)
    donor = "Fictional Foundation"
    amount = 250000
    currency = "EUR"
    starts_on = dt.date(2026, 1, 1)
    ends_on = dt.date(2027, 12, 31)


class WorkshopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workshop

    initiative = factory.SubFactory(InitiativeFactory)
    title = factory.Sequence(lambda n: f"Workshop {n}")
    city = "Geneva"
    country = "CH"
    time_zone = "Europe/Zurich"
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(days=2))
    capacity = 30
    level = factory.LazyAttribute(lambda o: o.initiative.level)


class AgendaSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaSession

    workshop = factory.SubFactory(WorkshopFactory)
    title = factory.Sequence(lambda n: f"Session {n}")
    starts_at = factory.LazyAttribute(lambda o: o.workshop.starts_at)
    ends_at = factory.LazyAttribute(lambda o: o.workshop.starts_at + dt.timedelta(hours=2))


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    workshop = factory.SubFactory(WorkshopFactory)
    participant = factory.SubFactory(ParticipantFactory)
    party = factory.LazyAttribute(lambda o: PartyFactory(initiative=o.workshop.initiative))
    status = Invitation.Status.SENT


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    initiative = None
    workshop = factory.SubFactory(WorkshopFactory)
    title = factory.Sequence(lambda n: f"Background paper {n}")
    level = factory.LazyAttribute(
        lambda o: o.workshop.level if o.workshop else (o.initiative.level if o.initiative else Level.CONFIDENTIAL)
    )
    audience = Document.Audience.TEAM


class DocumentVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocumentVersion

    document = factory.SubFactory(DocumentFactory)
    number = 1
    file = factory.django.FileField(filename="paper.pdf", data=b"%PDF-1.4 fictional paper")
    uploaded_by = factory.SubFactory(UserFactory)


class FacilitatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facilitator

    user = factory.SubFactory(UserFactory, role=Role.FACILITATOR)
    languages = factory.LazyFunction(lambda: ["en", "fr"])


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    workshop = factory.SubFactory(WorkshopFactory)
    facilitator = factory.SubFactory(FacilitatorFactory)


class OutcomeReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutcomeReport

    workshop = factory.SubFactory(WorkshopFactory)
    summary = "The parties explored confidence-building measures."
    level = factory.LazyAttribute(lambda o: o.workshop.level)
    author = factory.SubFactory(UserFactory, role=Role.FACILITATOR)


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    report = factory.SubFactory(OutcomeReportFactory)
    title = "Circulate a non-paper on water sharing"
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))


class TrackOneBriefingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrackOneBriefing

    report = factory.SubFactory(OutcomeReportFactory)
    level = factory.LazyAttribute(lambda o: o.report.effective_level)  # never below the report's
    recipient = "Special envoy's office"
    briefing_level = TrackOneBriefing.BriefingLevel.SENIOR_OFFICIAL
    briefed_on = factory.LazyFunction(timezone.localdate)
    briefed_by = factory.SubFactory(UserFactory)
    shared = "The options paper, without attribution."


class VettingCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VettingCase

    participant = factory.SubFactory(ParticipantFactory)
    status = VettingCase.Status.PENDING


class SanctionsEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SanctionsEntry

    reference = factory.Sequence(lambda n: f"QDi.{n:03d}")
    name = factory.Sequence(lambda n: f"Listed Person {n}")


class SanctionsHitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SanctionsHit

    participant = factory.SubFactory(ParticipantFactory)
    entry = factory.SubFactory(SanctionsEntryFactory)
    score = 91


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentRecord

    participant = factory.SubFactory(ParticipantFactory)
    kind = ConsentRecord.Kind.DATA_PROCESSING
