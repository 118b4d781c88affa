"""Keeping the knowledge true: when a fiche is due for review, and `python -m bot.knowledge
check`, which fails for broken data or wording but never because a date passed."""

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import yaml

from bot.knowledge.review import DUE_SOON, OVERDUE, UP_TO_DATE, months_after, review, reviews

ROOT = Path(__file__).resolve().parents[1]


def _fiche(kb, verified: date, every: int, review_by=None):
    fiche = kb.fiche("cej")
    sources = [s.copy(update={"verified": verified}) for s in fiche.sources]
    figures = [f.copy(update={"review_by": None}) for f in fiche.figures]
    if review_by:
        figures[0] = figures[0].copy(update={"review_by": review_by})
    return fiche.copy(update={"sources": sources, "figures": figures, "review_every_months": every})


def test_a_fiche_is_due_when_its_sources_are_old_or_a_figure_reaches_its_review_date(kb):
    fiche = _fiche(kb, verified=date(2026, 1, 10), every=6)
    assert review(fiche, date(2026, 3, 1)).status == UP_TO_DATE
    assert review(fiche, date(2026, 6, 20)).status == DUE_SOON
    late = review(fiche, date(2026, 8, 1))
    assert late.status == OVERDUE and late.due == date(2026, 7, 10)
    assert late.sources_to_read == list(fiche.sources) and late.figures_due == []

    yearly = _fiche(kb, verified=date(2026, 1, 10), every=12, review_by=date(2026, 4, 1))
    due = review(yearly, date(2026, 4, 2))
    assert due.status == OVERDUE and due.due == date(2026, 4, 1)
    assert due.figures_due == [yearly.figures[0]]
    assert [str(s.url) for s in due.sources_to_read] == [yearly.figures[0].source]


def test_months_after_keeps_the_day_or_the_months_last(kb):
    assert months_after(date(2026, 8, 31), -6) == date(2026, 2, 28)
    assert months_after(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert months_after(date(2026, 11, 20), 6) == date(2027, 5, 20)


def test_reviews_list_every_fiche_the_most_urgent_first(kb):
    items = reviews(kb, date(2026, 12, 1))
    assert len(items) == len(kb.fiches)
    assert [r.due for r in items] == sorted(r.due for r in items)


def _check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.knowledge", "check", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_lists_the_reviews_and_passes_on_the_real_knowledge():
    result = _check()
    assert result.returncode == 0, result.stderr
    assert "Fiches à revoir" in result.stdout and "- cej:" in result.stdout
    assert result.stderr.strip().endswith("OK")


def test_check_never_fails_because_a_review_date_passed(tmp_path):
    copy = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", copy)
    path = copy / "fiches" / "clea.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for source in data["sources"]:
        source["verified"] = "2020-01-02"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = _check("--dir", str(copy))
    assert result.returncode == 0, result.stderr
    assert "- clea: en retard" in result.stdout


def test_check_fails_on_broken_data_and_unexplained_words_naming_file_and_field(tmp_path):
    copy = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", copy)
    path = copy / "fiches" / "plie.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["contact"] = "Allez voir le CCAS de votre ville."
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    one = _check("--dir", str(copy), "--fiche", "plie")
    assert one.returncode == 1 and "plie.yml: contact: 'CCAS' is used without" in one.stderr
    data.pop("owner")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    whole = _check("--dir", str(copy))
    assert whole.returncode == 1 and "plie.yml: field 'owner'" in whole.stderr
