"""python -m bot.knowledge check [--fiche ID] [--dir DIR]

Validates the knowledge base (the errors name the file and the field), checks that every text
explains its acronyms and keeps its sentences short, then lists the fiches to review, the most
urgent first, with the sources to re-read. Exits 1 only for broken data or wording: a review date
that has passed puts a fiche on the list, it never fails the command (CI stays stable).
"""

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import List, Optional

from bot.knowledge.glossary import Glossary
from bot.knowledge.loader import (
    DEFAULT_KNOWLEDGE_DIR,
    KnowledgeError,
    load_knowledge_base,
    parse_file,
)
from bot.knowledge.models import Fiche
from bot.knowledge.review import reviews, wording_problems
from bot.texts import text

DAY = "%d/%m/%Y"


def check_one(directory: Path, fiche_id: str) -> List[str]:
    """One fiche file and the glossary, without loading the rest (while others are edited)."""
    problems: List[str] = []
    path = directory / "fiches" / f"{fiche_id}.yml"
    fiche = parse_file(Fiche, path, problems)
    glossary = parse_file(Glossary, directory / "glossary.yml", problems)
    if fiche and glossary:
        problems += [f"{path}: {problem}" for problem in wording_problems(fiche, glossary)]
    return problems


def check_all(directory: Path, today: date) -> List[str]:
    try:
        kb = load_knowledge_base(directory)
    except KnowledgeError as error:
        return [str(error)]
    problems = [
        f"{directory / 'fiches' / (fiche.id + '.yml')}: {problem}"
        for fiche in kb.fiches.values()
        for problem in wording_problems(fiche, kb.glossary)
    ]
    problems += [
        f"{directory / 'orientations.yml'}: {orientation.id}: {problem}"
        for orientation in kb.orientations
        for problem in kb.glossary.problems(orientation.answer)
    ]
    print(text("knowledge_check.title", today=today.strftime(DAY)))
    for item in reviews(kb, today):
        print(
            text(
                "knowledge_check.fiche",
                fiche=item.fiche.id,
                status=item.status,
                due=item.due.strftime(DAY),
                owner=item.fiche.owner,
            )
        )
        for figure in item.figures_due:
            print(
                text(
                    "knowledge_check.figure",
                    label=figure.label,
                    value=figure.value,
                    source=figure.source,
                )
            )
        for source in item.sources_to_read:
            print(
                text(
                    "knowledge_check.source", url=source.url, verified=source.verified.strftime(DAY)
                )
            )
    return problems


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.knowledge",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["check"])
    parser.add_argument("--fiche", help="check only this fiche file (and the glossary)")
    parser.add_argument("--dir", type=Path, default=DEFAULT_KNOWLEDGE_DIR)
    args = parser.parse_args(argv)
    problems = check_one(args.dir, args.fiche) if args.fiche else check_all(args.dir, date.today())
    for problem in problems:
        print(problem, file=sys.stderr)
    print("OK" if not problems else f"{len(problems)} problème(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
