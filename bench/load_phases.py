"""Where a cold start goes, in a fresh process as the server starts: the imports of `rasa run`,
then each part of the model as Rasa loads it (spaCy, DIET, ...), then the first parse.

    python -m bench.load_phases        # prints JSON; bench/cost.py runs it for the report
"""

import json
import sys
import time

started = time.perf_counter()

import rasa.core.run  # noqa: E402
import rasa.server  # noqa: E402,F401

from bench.common import PROJECT_MODEL  # noqa: E402
from bot import rasa_fixes  # noqa: E402  (timed: the imports are part of the start)


def main() -> None:
    imports_s = time.perf_counter() - started
    rasa_fixes.apply()
    import asyncio

    import rasa.engine.graph as graph
    from rasa.core.agent import Agent

    from bot.evaluation import quiet_rasa

    quiet_rasa()
    components = {}
    load_component = graph.GraphNode._load_component

    def timed(node, **kwargs):
        begin = time.perf_counter()
        try:
            return load_component(node, **kwargs)
        finally:
            components[node._node_name] = round(time.perf_counter() - begin, 2)

    graph.GraphNode._load_component = timed
    begin = time.perf_counter()
    agent = Agent.load(str(PROJECT_MODEL))
    load_s = time.perf_counter() - begin
    begin = time.perf_counter()
    asyncio.run(agent.parse_message("bonjour"))
    slowest = dict(sorted(components.items(), key=lambda kv: -kv[1])[:5])
    json.dump(
        {
            "imports_s": round(imports_s, 2),
            "model_load_s": round(load_s, 2),
            "slowest_parts_s": slowest,
            "first_parse_s": round(time.perf_counter() - begin, 2),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
