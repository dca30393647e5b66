"""joinedup api-token issue|list|revoke|unlock: the partner API's tokens, one per agency system.

  joinedup api-token issue --agency NHT --name "EMIS Web" --scopes referrals:write,referrals:read --by ida
  joinedup api-token issue --agency LA --name "Case system" --scopes involvement:read --user pat --by ida
  joinedup api-token list [--agency NHT]
  joinedup api-token revoke jdu_0123456789ab --by ida
  joinedup api-token unlock 192.0.2.10 --by ida   (an address locked out for sending bad tokens)

The token is printed once, when issued: only a hash of it is kept. `--by` names the administrator
who issues, revokes or unlocks, as the audit log records them."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from joinedup.access.policy import Action, decide
from joinedup.agencies.models import Agency, Team
from joinedup.api.lockout import unlock
from joinedup.api.models import ApiToken, Scope
from joinedup.api.tokens import TOKEN_START, TokenProblem, issue_token, revoke_token, usable


class Command(BaseCommand):
    help = "Issue, list and revoke the partner API's tokens; unlock an address locked out for guessing them."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        issue = actions.add_parser("issue", help="Issue a token to an agency's system (printed once)")
        issue.add_argument("--agency", required=True, help="The agency's code")
        issue.add_argument("--name", required=True, help="The system, e.g. 'EMIS Web at Northby surgery'")
        issue.add_argument("--scopes", required=True, help=f"Comma-separated, from: {', '.join(Scope.values)}")
        issue.add_argument(
            "--user",
            help="Act as this staff account of the agency (its need to know and management lines); "
            "by default a new account of the system's own, which sees no child until involved",
        )
        issue.add_argument("--team", help="The team code of the system's own account, e.g. a sensitive service's")
        issue.add_argument("--days", type=int, default=365, help="Days until it expires (at most 730)")
        self._by(issue)
        listing = actions.add_parser("list", help="List tokens, never their secrets")
        listing.add_argument("--agency", help="Only this agency's")
        revoke = actions.add_parser("revoke", help="Revoke a token from its next call")
        revoke.add_argument("prefix", help="The token's start as `list` shows it, e.g. jdu_0123456789ab")
        self._by(revoke)
        unlock = actions.add_parser("unlock", help="Let an address locked out for sending bad tokens call again")
        unlock.add_argument("address", help="The IP address, as the audit event locked_out_api_address names it")
        self._by(unlock)

    @staticmethod
    def _by(parser):
        parser.add_argument(
            "--by", required=True, metavar="USERNAME", help="Your username: the audit log records who did this"
        )

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _issue(self, *, agency, name, scopes, user, team, days, by, **options):
        administrator = self._administrator(by)
        agency = self._agency(agency)
        acts_as = None
        if user:
            acts_as = get_user_model().objects.filter(username=user).first()
            if acts_as is None:
                raise CommandError(f"No account has the username {user}")
        team_row = None
        if team:
            team_row = Team.objects.filter(code=team).first()
            if team_row is None:
                raise CommandError(f"No team has the code {team}")
        try:
            issued = issue_token(
                agency=agency,
                name=name,
                scopes=[scope.strip() for scope in scopes.split(",") if scope.strip()],
                acts_as=acts_as,
                team=team_row,
                issued_by=administrator,
                expires_at=timezone.now() + timedelta(days=days),
            )
        except TokenProblem as problem:
            raise CommandError(str(problem)) from None
        token = issued.token
        self.stdout.write(
            f"Issued to {token.name} ({agency.name}), acting as {token.acts_as.username}, "
            f"scopes {', '.join(token.scopes)}, until {token.expires_at:%-d %B %Y}.\n"
            "Give it to the system's administrator now: it is not shown again.\n"
        )
        self.stdout.write(issued.bearer)

    def _list(self, *, agency, **options):
        tokens = ApiToken.objects.select_related("agency", "acts_as")
        if agency:
            tokens = tokens.filter(agency=self._agency(agency))
        now = timezone.now()
        for token in tokens:
            state = (
                "usable"
                if usable(token, now)
                else ("revoked" if token.revoked_at else "expired" if token.expires_at <= now else "account off")
            )
            self.stdout.write(
                f"{TOKEN_START}{token.prefix}  {token.agency.code}  {token.name}  as {token.acts_as.username}  "
                f"{','.join(token.scopes)}  until {token.expires_at:%Y-%m-%d}  {state}"
            )

    def _revoke(self, *, prefix, by, **options):
        administrator = self._administrator(by)
        token = ApiToken.objects.filter(prefix=prefix.removeprefix(TOKEN_START).split("_")[0]).first()
        if token is None:
            raise CommandError(f"No token starts {prefix}: `joinedup api-token list` shows them")
        revoke_token(token=token, revoked_by=administrator)
        self.stdout.write(f"Revoked {token.name} ({token.agency.name}): it is refused from its next call")

    def _unlock(self, *, address, by, **options):
        if not unlock(address, unlocked_by=self._administrator(by)):
            raise CommandError(f"{address} has sent no bad tokens lately: nothing to unlock")
        self.stdout.write(f"Unlocked {address}: it may call the API again")

    def _administrator(self, username: str):
        """The account giving the command, which must be one that may manage staff accounts: a
        token is a way into the service as much as an account is."""
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No account that is switched on has the username {username}")
        decision = decide(user, Action.MANAGE_ACCOUNTS)
        if not decision:
            raise CommandError(f"{username} may not manage the API's tokens: {decision.reason}")
        return user

    def _agency(self, code: str) -> Agency:
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            raise CommandError(f"No agency has the code {code}")
        return agency
