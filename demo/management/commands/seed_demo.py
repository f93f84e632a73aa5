from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.levels import Level, Role
from demo.plans import DEMO_PASSWORD, PORTFOLIO
from demo.seed import STORY_PARTICIPANTS, demo_seed


class Command(BaseCommand):
    help = _(
        "Load the fictional demo data set: one sign-in per role (admin, staff, lead, facilitator, participant, "
        "observer @parley.test, all with the password printed at the end), three initiatives (a regional security "
        "dialogue, a strictly confidential backchannel, a civil-society dialogue) with participants, vetting, "
        "workshops, invitations, documents and outcome reports. Running it again creates and changes nothing. "
        "admin@ and lead@ must sign in with a second factor: the command gives each a TOTP authenticator with a "
        "fixed demo secret and prints the secret and an otpauth:// URI; add either to an authenticator app and "
        "enter its six-digit code after the password. --scale N adds N-1 further copies of the initiatives "
        "(codenames and e-mails suffixed -2, -3 ...) for benchmarks; each copy holds 10 workshops and 86 "
        "participants, or more with --participants-per-copy. --scale 500 --participants-per-copy 200 builds "
        "the benchmark's large data set: 5,000 workshops, 100,000 participants, about 220,000 invitations "
        "(a few minutes on PostgreSQL). The demo sign-ins run the first copies (--portfolio); further copies are "
        "run by teams of colleagues (lead-team2@parley.test ...), so that what the demo lead sees stays the same."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help=_("Number of copies of the initiatives (default 1)."))
        parser.add_argument(
            "--participants-per-copy",
            type=int,
            default=STORY_PARTICIPANTS,
            help=_(
                "Participants in each copy (default and least %(least)s, those of the story). The further ones "
                "join the delegations of the regional and the civil-society dialogues, vetted where it is "
                "confidential, and are invited to two of its workshops each."
            )
            % {"least": STORY_PARTICIPANTS},
        )
        parser.add_argument(
            "--portfolio",
            type=int,
            default=PORTFOLIO,
            help=_(
                "Copies run by the demo sign-ins (default %(default)s); each further group of as many copies is "
                "run by a team of colleagues. As large as --scale, the demo sign-ins run every copy."
            ),
        )

    def handle(self, *args, scale, participants_per_copy, portfolio, **options):
        if scale < 1:
            raise CommandError(_("--scale must be at least 1."))
        if participants_per_copy < STORY_PARTICIPANTS:
            raise CommandError(_("--participants-per-copy must be at least %(least)s.") % {"least": STORY_PARTICIPANTS})
        if portfolio < 1:
            raise CommandError(_("--portfolio must be at least 1."))
        result = demo_seed(scale=scale, participants_per_copy=participants_per_copy, portfolio=portfolio)
        total = sum(result.created.values())
        if total:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Demo data (scale %(scale)s): %(total)s rows created.") % {"scale": scale, "total": total}
                )
            )
            for label, count in sorted(result.created.items()):
                if count:
                    self.stdout.write(f"  {label:<34} {count:>6}")
        else:
            self.stdout.write(_("Demo data (scale %(scale)s) already present: nothing created.") % {"scale": scale})
        self.write_logins(result)

    def write_logins(self, result):
        rows = [(_("E-mail"), _("Password"), _("Role"), _("Clearance"))]
        rows += [
            (user.email, DEMO_PASSWORD, str(Role(user.role).label), str(Level(user.clearance).label))
            for user in result.users
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(4)]
        self.stdout.write("")
        for number, row in enumerate(rows):
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write(("  " + "  ".join(cells)).rstrip())
            if number == 0:
                self.stdout.write("  " + "  ".join("-" * width for width in widths))
        self.stdout.write("")
        self.stdout.write(_("Two-factor sign-in (TOTP): add the secret to an authenticator app, then enter its code."))
        for email, secret, uri in result.totp:
            self.stdout.write(f"  {email:<20} {_('secret')}: {secret}")
            self.stdout.write(f"  {'':<20} {uri}")
