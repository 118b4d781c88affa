"""Where a message's time goes inside the Rasa server: cProfile of Agent.handle_text in this
process (the project's model, the real action server on a free port, a temporary SQLite
database), new conversations asking the latency benchmark's knowledge questions.

    python -m bench.profile [--messages 30] [--top 25]
    python -m bench.profile --load     # the model's loading instead (cold start)

py-spy is not installed in the venv; this is the in-process equivalent. Writes
bench/work/profile.txt (cumulative and own time).
"""

import argparse
import asyncio
import cProfile
import io
import pstats
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from bench.common import PROJECT_MODEL, WORK, log
from bench.latency import QUESTIONS
from bot.launcher import free_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=30)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--load", action="store_true", help="profile Agent.load of the model")
    args = parser.parse_args()

    from bot import rasa_fixes
    from bot.evaluation import quiet_rasa

    rasa_fixes.apply()  # what the server runs (bot.server)
    if args.load:
        return profile_load(args.top)
    from bot.launcher import Assistant

    quiet_rasa()
    database_dir = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    assistant = Assistant(
        model=PROJECT_MODEL,
        rasa_port=free_port(),
        action_port=free_port(),
        log_dir=WORK / "logs" / "profile",
        database_url=f"sqlite:///{database_dir}/bench.db",
    )
    assistant.prepare_database()
    assistant.start_action_server()
    try:
        from rasa.core.agent import load_agent
        from rasa.core.utils import AvailableEndpoints

        endpoints = AvailableEndpoints.read_endpoints(str(assistant._endpoints_file()))
        loop = asyncio.new_event_loop()
        agent = loop.run_until_complete(
            load_agent(model_path=str(PROJECT_MODEL), endpoints=endpoints)
        )
        from bot.launcher import answers

        while not answers(f"{assistant.action_url}/health"):
            time.sleep(0.5)

        async def say(i: int):
            return await agent.handle_text(
                QUESTIONS[i % len(QUESTIONS)], sender_id=f"profile-{uuid.uuid4().hex[:8]}"
            )

        for i in range(2 * len(QUESTIONS)):  # warm-up
            loop.run_until_complete(say(i))
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for i in range(args.messages):
            loop.run_until_complete(say(i))
        profiler.disable()
        per_message = 1000 * (time.perf_counter() - started) / args.messages
        out = io.StringIO()
        out.write(f"{args.messages} messages, {per_message:.1f} ms each under the profiler\n\n")
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        # Rasa's own steps (policies, featurizers, action calls, trackers), by cumulative time.
        stats.sort_stats("cumulative").print_stats(
            r"rasa/(core|engine|nlu|utils|shared/core)", 3 * args.top
        )
        profiler.dump_stats(str(WORK / "profile.prof"))
        (WORK / "profile.txt").write_text(out.getvalue())
        print(out.getvalue())
        log("wrote bench/work/profile.txt")
    finally:
        assistant.stop()
        shutil.rmtree(database_dir, ignore_errors=True)


def profile_load(top: int) -> None:
    from rasa.core.agent import Agent

    from bot.evaluation import quiet_rasa

    quiet_rasa()
    import rasa.core.agent  # noqa: F401  (imports are not the model's loading)

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    Agent.load(str(PROJECT_MODEL))
    profiler.disable()
    out = io.StringIO()
    out.write(f"Agent.load: {time.perf_counter() - started:.1f} s under the profiler\n\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(
        r"rasa/|spacy|tensorflow/python/(eager|keras)", 2 * top
    )
    (WORK / "profile-load.txt").write_text(out.getvalue())
    print(out.getvalue())


if __name__ == "__main__":
    main()
