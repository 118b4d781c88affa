"""Run in a process of its own by tests/test_rasa_fixes.py: load the trained model with or
without bot.rasa_fixes (`--fixed`), and print as JSON what it predicts for a few messages: the
NLU parse, and the probabilities of each dialogue policy after each message."""

import argparse
import asyncio
import json
import sys

from bot.launcher import DEFAULT_MODEL

# Written for this check: none is a training or held-out example.
MESSAGES = [
    "slt c quoi exactement le contrat engagement jeune",
    "g pa de voiture pr aller au taf",
    "ma petite a 2 ans faut une place en creche",
    "je voudrais kon me rapel demain matin",
    "merci bcp bonne journee",
]


async def predictions(fixed: bool) -> dict:
    if fixed:
        from bot import rasa_fixes

        rasa_fixes.apply()
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.engine.constants import PLACEHOLDER_TRACKER

    agent = Agent.load(str(DEFAULT_MODEL))
    processor = agent.processor
    policy_nodes = sorted(
        name
        for name in processor.model_metadata.predict_schema.nodes
        if name.startswith("run_") and "Policy" in name
    )
    result = {"parses": [], "policies": []}
    # One conversation: each message lengthens the dialogue the policies read. They are asked
    # right after the message (what they are trained for), then the assistant answers it.
    output = CollectingOutputChannel()
    for text in MESSAGES:
        parse = await agent.parse_message(text)
        result["parses"].append(
            {
                "intents": [(i["name"], i["confidence"]) for i in parse["intent_ranking"]],
                "entities": [(e["entity"], e["value"], e["start"]) for e in parse["entities"]],
            }
        )
        message = UserMessage(text, output, sender_id="probe")
        tracker = await processor.log_message(message, should_save_tracker=False)
        tracker = await processor.run_action_extract_slots(output, tracker)
        outputs = processor.graph_runner.run(
            inputs={PLACEHOLDER_TRACKER: tracker}, targets=policy_nodes
        )
        result["policies"].append(
            {node: [float(p) for p in outputs[node].probabilities] for node in policy_nodes}
        )
        await processor._run_prediction_loop(output, tracker)
        await processor.save_tracker(tracker)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fixed", action="store_true")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(predictions(args.fixed))), file=sys.stdout)


if __name__ == "__main__":
    main()
