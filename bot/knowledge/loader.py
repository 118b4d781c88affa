"""Load and validate the knowledge base; every error names the file and the field."""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import yaml
from pydantic import ValidationError

from bot.knowledge.glossary import Glossary
from bot.knowledge.models import Fiche, Orientation, Orientations, Territory
from bot.plain_text import plain

DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "knowledge"
DEFAULT_TERRITORY = "demo"


class KnowledgeError(ValueError):
    """The knowledge base is invalid; the message lists every problem as `file: field: reason`."""


class UnknownTerritory(KeyError):
    """A request named a territory this deployment does not serve."""


@dataclass(frozen=True)
class KnowledgeBase:
    fiches: Dict[str, Fiche]
    # Every territory the deployment serves, by id (its file's name: knowledge/territory/<id>.yml).
    territories: Dict[str, Territory]
    # The territory of a conversation that names none (TERRITORY, else the first file).
    default_territory: str
    orientations: List[Orientation]
    glossary: Glossary

    def fiche(self, fiche_id: str) -> Optional[Fiche]:
        return self.fiches.get(fiche_id)

    @property
    def territory(self) -> Territory:
        """The default territory."""
        return self.territories[self.default_territory]

    def territory_for(self, territory_id: Optional[str]) -> Territory:
        """The territory with this id (None: the default); UnknownTerritory if not served."""
        territory_id = territory_id or self.default_territory
        if territory_id not in self.territories:
            raise UnknownTerritory(territory_id)
        return self.territories[territory_id]

    def by_theme(self, theme: str) -> List[Fiche]:
        return [fiche for fiche in self.fiches.values() if theme in fiche.themes]

    def orientation_for(self, text: str) -> Optional[Orientation]:
        """The first orientation whose words the message contains, if any."""
        words = plain(text)
        return next((o for o in self.orientations if o.matches(words)), None)


def _read_yaml(path: Path, problems: List[str]) -> Optional[dict]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        problems.append(f"{path}: cannot be read as YAML: {error}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path}: expected a mapping of fields")
        return None
    return data


def _describe(path: Path, error: ValidationError) -> List[str]:
    described = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"] if part != "__root__")
        field = f"field '{location}': " if location else "field "
        described.append(f"{path}: {field}{item['msg']}")
    return described


def parse_file(model, path: Path, problems: List[str]):
    """One YAML file read as `model`; its problems are added to `problems`."""
    data = _read_yaml(path, problems)
    if data is None:
        return None
    try:
        return model.parse_obj(data)
    except ValidationError as error:
        problems.extend(_describe(path, error))
        return None


def territory_path(directory: Optional[Path] = None, territory: Optional[str] = None) -> Path:
    """The file of `territory` (None: the default territory served) in KNOWLEDGE_DIR."""
    directory = Path(directory or os.environ.get("KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR)
    served = served_territories(directory)
    territory = territory or (served[0] if served else DEFAULT_TERRITORY)
    return directory / "territory" / f"{territory}.yml"


def served_territories(directory: Optional[Path] = None) -> List[str]:
    """The ids of the territories this deployment serves: TERRITORIES (comma-separated), else
    every file of the knowledge base's territory/ folder; TERRITORY, if set, comes first."""
    directory = Path(directory or os.environ.get("KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR)
    listed = [t.strip() for t in os.environ.get("TERRITORIES", "").split(",") if t.strip()]
    ids = listed or sorted(path.stem for path in (directory / "territory").glob("*.yml"))
    first = os.environ.get("TERRITORY") or (DEFAULT_TERRITORY if DEFAULT_TERRITORY in ids else "")
    return [first] + [i for i in ids if i != first] if first else ids


def load_territory_file(path: Path) -> Territory:
    """One territory file, validated (the booking storage loads its centres and sessions)."""
    problems: List[str] = []
    territory = parse_file(Territory, Path(path), problems)
    if problems:
        raise KnowledgeError("invalid territory file:\n" + "\n".join(problems))
    return territory


def load_knowledge_base(
    directory: Optional[Path] = None, territory: Optional[str] = None
) -> KnowledgeBase:
    """Read `index.yml`, every fiche and the territory files; raise KnowledgeError on any problem.

    The directory defaults to KNOWLEDGE_DIR, then to the repository's `knowledge/`; the
    territories to `territory` alone if given, else those served (`served_territories`).
    """
    directory = Path(directory or os.environ.get("KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR)
    problems: List[str] = []

    index_path = directory / "index.yml"
    index = _read_yaml(index_path, problems) or {}
    known_ids = index.get("fiches")
    if index and not (isinstance(known_ids, list) and all(isinstance(i, str) for i in known_ids)):
        problems.append(f"{index_path}: field 'fiches': expected a list of fiche ids")
        known_ids = []
    known_ids = known_ids or []

    fiches: Dict[str, Fiche] = {}
    fiche_dir = directory / "fiches"
    files = {path.stem: path for path in sorted(fiche_dir.glob("*.yml"))}
    for stem, path in files.items():
        if stem not in known_ids:
            problems.append(f"{path}: field 'id': unknown fiche id '{stem}' (not in {index_path})")
            continue
        fiche = parse_file(Fiche, path, problems)
        if fiche is None:
            continue
        if fiche.id != stem:
            problems.append(f"{path}: field 'id': '{fiche.id}' does not match the file name")
            continue
        fiches[fiche.id] = fiche
    for missing in [i for i in known_ids if i not in files]:
        problems.append(f"{fiche_dir / (missing + '.yml')}: missing file for fiche '{missing}'")

    ids = [territory] if territory else served_territories(directory)
    if not ids:
        problems.append(f"{directory / 'territory'}: no territory file")
    territories = {
        territory_id: parse_file(Territory, territory_path(directory, territory_id), problems)
        for territory_id in ids
    }
    orientations = parse_file(Orientations, directory / "orientations.yml", problems)
    glossary = parse_file(Glossary, directory / "glossary.yml", problems)

    if problems:
        raise KnowledgeError("invalid knowledge base:\n" + "\n".join(problems))
    return KnowledgeBase(
        fiches=fiches,
        territories=territories,
        default_territory=ids[0] if ids else DEFAULT_TERRITORY,
        orientations=orientations.orientations,
        glossary=glossary,
    )
