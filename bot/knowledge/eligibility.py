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
from typing import Dict, List

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
