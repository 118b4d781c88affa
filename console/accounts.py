"""Console accounts, from the command line (there is no sign-up page):

    python -m console.accounts create --role coordinator --territory demo --email claire@example.org
    python -m console.accounts create --role regional --email region@example.org
    python -m console.accounts list

A coordinator or a staff member belongs to one territory (the territory file's name) and sees
only its data; a regional account sees every territory of the deployment.

The password is asked twice at the prompt, or read from standard input with --password-stdin
(or from CONSOLE_PASSWORD), for scripts. Only its argon2 hash is stored.
"""

import argparse
import getpass
import os
import sys
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.knowledge import served_territories
from bot.storage.database import database_session, transaction
from bot.storage.models import COORDINATOR, REGIONAL, STAFF, ConsoleAccount, utc_now
from bot.texts import text
from console.security import hash_password

MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """The account cannot be created; the message says why, in French."""


ROLES = (COORDINATOR, STAFF, REGIONAL)


def create_account(
    db: Session, email: str, role: str, password: str, territory: Optional[str] = None
) -> ConsoleAccount:
    """An account of `territory` (none for a regional account, which sees them all)."""
    email = email.strip().lower()
    if role not in ROLES:
        raise AccountError(text("console.accounts.unknown_role", role=role))
    if role == REGIONAL and territory is not None:
        raise AccountError(text("console.accounts.regional_has_no_territory"))
    if role != REGIONAL and territory not in served_territories():
        raise AccountError(
            text(
                "console.accounts.unknown_territory",
                territory=territory or "",
                served=", ".join(served_territories()),
            )
        )
    if "@" not in email:
        raise AccountError(text("console.accounts.bad_email", email=email))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(text("console.accounts.short_password", length=MIN_PASSWORD_LENGTH))
    with transaction(db):
        if db.execute(
            select(ConsoleAccount).where(func.lower(ConsoleAccount.email) == email)
        ).first():
            raise AccountError(text("console.accounts.exists", email=email))
        account = ConsoleAccount(
            email=email,
            role=role,
            territory=territory,
            password_hash=hash_password(password),
            created_at=utc_now(),
            active=True,
        )
        db.add(account)
    return account


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if os.environ.get("CONSOLE_PASSWORD"):
        return os.environ["CONSOLE_PASSWORD"]
    first = getpass.getpass(text("console.accounts.password"))
    if getpass.getpass(text("console.accounts.password_again")) != first:
        raise AccountError(text("console.accounts.passwords_differ"))
    return first


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help=text("console.accounts.create_help"))
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--territory")
    create.add_argument("--password-stdin", action="store_true")
    commands.add_parser("list", help=text("console.accounts.list_help"))
    args = parser.parse_args(argv)

    with database_session() as db:
        if args.command == "list":
            for account in db.execute(
                select(ConsoleAccount).order_by(ConsoleAccount.email)
            ).scalars():
                state = text(
                    "console.accounts.active" if account.active else "console.accounts.inactive"
                )
                where = account.territory or text("console.accounts.every_territory")
                print(f"{account.email}\t{account.role}\t{where}\t{state}")
            return 0
        try:
            account = create_account(
                db, args.email, args.role, _password(args.password_stdin), args.territory
            )
        except AccountError as error:
            print(text("console.accounts.error", error=error), file=sys.stderr)
            return 1
        print(text("console.accounts.created", email=account.email, role=account.role))
        return 0


if __name__ == "__main__":
    sys.exit(main())
