"""Command line of the local offer (see bot/offer/importer.py for the file and the exit codes):

python -m bot.offer import FILE --territory ID [--database-url URL]
"""

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from bot.offer.importer import ExportError, UnknownTerritoryError, check_territory, import_file
from bot.storage.database import database_session


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.offer", description="Local offer from data·inclusion exports."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    importing = commands.add_parser(
        "import", help="validate a data·inclusion JSON export and upsert it into a territory"
    )
    importing.add_argument("file", type=Path)
    importing.add_argument(
        "--territory", required=True, help="a file name of knowledge/territory/, without .yml"
    )
    importing.add_argument("--database-url", help="default: DATABASE_URL, else var/ SQLite")
    args = parser.parse_args(argv)

    try:
        check_territory(args.territory)
    except UnknownTerritoryError as error:
        parser.error(str(error))  # exit code 2
    try:
        with database_session(args.database_url) as db:
            print(import_file(db, args.file, args.territory))
    except ExportError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
