"""An honest eligibility pre-check: a fiche's conditions (its `rules:`, data like its figures)
over a few facts about the person, said in the conversation. Knows nothing of Rasa.

Each condition offers ways to meet it (`any_of`), each a set of fact tests that must all hold;
the first way is the rule, the others are its exceptions ("16 to 25; up to 29 with an RQTH").
With three-valued facts (known true, known false, not said) a condition is:

- met when one way holds;
- not met when the rule itself fails (the exceptions are named in its `not_met` text: "after 25,
  only with an RQTH"), however little is known of the exceptions;
- unknown otherwise;
- doubtful, for a condition that is not `exhaustive` (other ways exist that the facts cannot
  tell, or the fact sheet is unsure) when none of its listed ways holds: never a no, to confirm.

A fiche's verdict is NO when a condition is not met, YES when all are met, MAYBE otherwise (the
answer then says what else is needed, or what to confirm). A closed fiche (`status: closed`)
is NO whatever the facts: nobody can enter it any more (`check_fiche`). Ages are in completed
years: "jusqu'à 25 ans" holds up to the eve of the 26th birthday, so 25 years and 8 months is 25.
"""

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional

from bot.knowledge.models import DOUBTFUL, MET, NOT_MET, UNKNOWN, Condition, Fact, Fiche, Rules

YES, MAYBE, NO = "yes", "maybe", "no"


@dataclass(frozen=True)
class Verdict:
    outcome: str
    met: List[Condition] = field(default_factory=list)
    not_met: List[Condition] = field(default_factory=list)
    unknown: List[Condition] = field(default_factory=list)
    caveats: List[str] = field(default_factory=list)
    doubtful: List[Condition] = field(default_factory=list)
    closed: bool = False  # the dispositif takes no one any more (NO)

    @property
    def missing_facts(self) -> List[str]:
        """The facts that would settle the unknown conditions, in the order they are needed."""
        missing: List[str] = []
        for condition in self.unknown:
            for way in condition.any_of:
                missing += [name for name in way.facts() if name not in missing]
        return missing

    def facts_to_ask(self, facts: Dict[str, Fact]) -> List[str]:
        """The missing facts not known yet: what a question could still settle."""
        return [name for name in self.missing_facts if name not in facts]


def check(rules: Rules, facts: Dict[str, Fact]) -> Verdict:
    """The verdict of `rules` for what is known of the person."""
    by_status: Dict[str, List[Condition]] = {MET: [], NOT_MET: [], UNKNOWN: [], DOUBTFUL: []}
    for condition in rules.conditions:
        by_status[condition.status(facts)].append(condition)
    if by_status[NOT_MET]:
        outcome = NO
    elif by_status[UNKNOWN] or by_status[DOUBTFUL]:
        outcome = MAYBE
    else:
        outcome = YES
    caveats = [c.says for c in rules.caveats if c.when.holds(facts) is True]
    return Verdict(
        outcome,
        by_status[MET],
        by_status[NOT_MET],
        by_status[UNKNOWN],
        caveats,
        by_status[DOUBTFUL],
    )


def check_fiche(fiche: Fiche, facts: Dict[str, Fact]) -> Verdict:
    """The verdict of a fiche with rules: a closed one takes nobody, whatever the facts."""
    assert fiche.rules is not None
    verdict = check(fiche.rules, facts)
    if fiche.status == "closed":
        return Verdict(
            NO, verdict.met, verdict.not_met, verdict.unknown, [], verdict.doubtful, closed=True
        )
    return verdict


# --- Which questions to ask (the conversation asks them: bot/actions/precheck_questions.py) ---

# The order questions are asked in when several would settle as much: the facts most people
# can answer at once first, the exceptions (RQTH) and the rarer situations last.
QUESTION_ORDER = (
    "age",
    "student",
    "in_work",
    "child_under_12",
    "child_under_3",
    "registered_ft",
    "in_training",
    "rsa",
    "rqth",
    "lone_parent",
    "qpv",
    "apprentice",
)


def with_implications(facts: Dict[str, Fact]) -> Dict[str, Fact]:
    """`facts` with what they imply: no child under 12 means none under 3; a child under 3 is a
    child under 12."""
    implied = dict(facts)
    if implied.get("child_under_12") is False:
        implied.setdefault("child_under_3", False)
    if implied.get("child_under_3") is True:
        implied.setdefault("child_under_12", True)
    return implied


def questions_for_fiche(fiche: Fiche, facts: Dict[str, Fact], unknown: Iterable[str]) -> List[str]:
    """The facts worth asking for a MAYBE on `fiche` (none for a yes, a no or a closed fiche),
    those the person already said they do not know left out, in the order they are needed."""
    verdict = check_fiche(fiche, facts)
    if verdict.outcome != MAYBE:
        return []
    return [name for name in verdict.facts_to_ask(facts) if name not in set(unknown)]


def _leading_facts(verdict: Verdict, facts: Dict[str, Fact]) -> List[str]:
    """For each unknown condition, the facts of its first way not settled yet (the rule before
    its exceptions): what a question would settle first."""
    leading: List[str] = []
    for condition in verdict.unknown:
        way = next((w for w in condition.any_of if w.holds(facts) is None), None)
        if way is not None:
            leading += [name for name in way.facts() if name not in facts and name not in leading]
    return leading


def open_fiches_with_rules(fiches: Iterable[Fiche]) -> List[Fiche]:
    return [f for f in fiches if f.rules is not None and f.status == "open"]


def best_question(
    fiches: Iterable[Fiche], facts: Dict[str, Fact], unknown: Iterable[str]
) -> Optional[str]:
    """The fact that would settle the most open dispositifs still possible (MAYBE), for "à quoi
    j'ai droit ?": counted on the rule of each unknown condition (a "no" to the child under 12
    also settles the child under 3); ties in QUESTION_ORDER. None when nothing is left to ask."""
    skipped = set(unknown)
    counts: Dict[str, int] = {}
    for fiche in open_fiches_with_rules(fiches):
        verdict = check_fiche(fiche, facts)
        if verdict.outcome != MAYBE:
            continue
        leading = set(_leading_facts(verdict, facts))
        if "child_under_3" in leading:
            leading.add("child_under_12")
        for name in leading - skipped:
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda name: (counts[name], -_order(name)))


def _order(name: str) -> int:
    return QUESTION_ORDER.index(name) if name in QUESTION_ORDER else len(QUESTION_ORDER)


@dataclass(frozen=True)
class Entitlement:
    fiche: Fiche
    verdict: Verdict


def entitlements(fiches: Iterable[Fiche], facts: Dict[str, Fact]) -> List[Entitlement]:
    """The open dispositifs with rules the person probably qualifies for: yes first, then the
    maybes where something is already met, fewer unknowns first; never a no."""
    ranked = []
    for fiche in open_fiches_with_rules(fiches):
        verdict = check_fiche(fiche, facts)
        if verdict.outcome == NO:
            continue
        open_questions = len(verdict.unknown) + len(verdict.doubtful)
        key = (verdict.outcome != YES, not verdict.met, open_questions, fiche.title)
        ranked.append((key, Entitlement(fiche, verdict)))
    return [entitlement for _, entitlement in sorted(ranked, key=lambda r: r[0])]
