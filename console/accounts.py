"""Console accounts, from the command line (there is no sign-up page):

    python -m console.accounts create --role coordinator --email claire@example.org
    python -m console.accounts list

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

from bot.storage.database import database_url, make_engine, migrate, session_factory, transaction
from bot.storage.models import COORDINATOR, STAFF, ConsoleAccount, utc_now
from console.security import hash_password

MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """The account cannot be created; the message says why, in French."""


def create_account(db: Session, email: str, role: str, password: str) -> ConsoleAccount:
    email = email.strip().lower()
    if role not in (COORDINATOR, STAFF):
        raise AccountError(f"rôle inconnu : {role} (coordinator ou staff)")
    if "@" not in email:
        raise AccountError(f"adresse e-mail invalide : {email}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"mot de passe trop court : {MIN_PASSWORD_LENGTH} caractères au moins")
    with transaction(db):
        if db.execute(select(ConsoleAccount).where(func.lower(ConsoleAccount.email) == email)).first():
            raise AccountError(f"un compte existe déjà pour {email}")
        account = ConsoleAccount(email=email, role=role, password_hash=hash_password(password),
                                 created_at=utc_now(), active=True)
        db.add(account)
    return account


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if os.environ.get("CONSOLE_PASSWORD"):
        return os.environ["CONSOLE_PASSWORD"]
    first = getpass.getpass("Mot de passe : ")
    if getpass.getpass("Encore une fois : ") != first:
        raise AccountError("les deux mots de passe diffèrent")
    return first


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="créer un compte")
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=[COORDINATOR, STAFF])
    create.add_argument("--password-stdin", action="store_true")
    commands.add_parser("list", help="lister les comptes")
    args = parser.parse_args(argv)

    url = database_url()
    migrate(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as db:
            if args.command == "list":
                for account in db.execute(select(ConsoleAccount).order_by(ConsoleAccount.email)).scalars():
                    state = "actif" if account.active else "désactivé"
                    print(f"{account.email}\t{account.role}\t{state}")
                return 0
            try:
                account = create_account(db, args.email, args.role, _password(args.password_stdin))
            except AccountError as error:
                print(f"Erreur : {error}", file=sys.stderr)
                return 1
            print(f"Compte créé : {account.email} ({account.role})")
            return 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
