"""What the project's trained NLU components share: a model object pickled in Rasa's model
storage, and a fingerprint that follows their code (and data files) as well as their
configuration, since Rasa reuses a trained component while its configuration is the same."""

import pickle
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from bot.nlu import linear_text
from bot.nlu.linear_text import source_fingerprint

_MODEL_FILE = "model.pkl"


class PickledModelComponent(GraphComponent):
    """Subclasses set `self._model` in `train` and call `self.save()`."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {}

    @classmethod
    def data_files(cls, config: Dict[str, Any]) -> List[Path]:
        """Files the component trains on besides Rasa's training data."""
        return []

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        code = [
            Path(sys.modules[cls.__module__].__file__),
            Path(linear_text.__file__),
            Path(__file__),
        ]
        return source_fingerprint(cls.data_files(config) + code)

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "PickledModelComponent":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "PickledModelComponent":
        with model_storage.read_from(resource) as directory:
            model = pickle.loads((directory / _MODEL_FILE).read_bytes())
        return cls(config, model_storage, resource, model)

    def save(self) -> Resource:
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _MODEL_FILE).write_bytes(pickle.dumps(self._model))
        return self._resource
