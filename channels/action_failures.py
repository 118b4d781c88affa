"""When a custom action fails (action server down, killed, or answering 500), Rasa logs the
exception, drops the action's events and carries on: the resident gets an empty answer, or half
of one, and no word of explanation. The channels use `answer_watched` so that the resident is
told, in French, that the assistant cannot answer right now, with the reception's phone.

How a failure is noticed: Rasa 3.6's processor reports it only as a log record
(`rasa.core.processor`, "Encountered an exception while running action …"). A filter on that
logger marks the failure on the message being handled, kept in a context variable: each request
is its own asyncio task, so concurrent conversations never see each other's failures. The
conversation itself goes on: once the action server is back, the next message is answered.
"""

import logging
from contextvars import ContextVar
from typing import Any, Awaitable, Callable, List, Optional

from rasa.core.channels.channel import UserMessage

from bot.notices import unavailable_text
from channels.territories import TERRITORY_KEY

logger = logging.getLogger(__name__)

PROCESSOR_LOGGER = "rasa.core.processor"
FAILURE_PREFIX = "Encountered an exception while running action"

_failures: ContextVar[Optional[List[str]]] = ContextVar(
    "cites_emploi_action_failures", default=None
)


class _ActionFailureFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        failures = _failures.get()
        if failures is not None and str(record.msg).startswith(FAILURE_PREFIX):
            failures.append(str(record.msg))
        return True  # the record is logged as usual


_FILTER = _ActionFailureFilter()


def install() -> None:
    """Watch the processor's log (once per process, whatever the number of channels)."""
    processor_logger = logging.getLogger(PROCESSOR_LOGGER)
    if _FILTER not in processor_logger.filters:
        processor_logger.addFilter(_FILTER)


async def answer_watched(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage
) -> bool:
    """Handle `message`; if one of its actions failed, the French notice follows the answer, on
    the message's own output channel. Whether one failed. Exceptions of `on_new_message` go to
    the caller, as before."""
    install()
    token = _failures.set([])
    try:
        await on_new_message(message)
    finally:
        failed = bool(_failures.get())
        _failures.reset(token)
    if failed:
        logger.warning("a custom action failed for %s: the resident is told", message.sender_id)
        territory = (message.metadata or {}).get(TERRITORY_KEY)
        await message.output_channel.send_text_message(
            message.sender_id, unavailable_text(territory)
        )
    return failed


def watching(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
) -> Callable[[UserMessage], Awaitable[bool]]:
    """`on_new_message`, telling the resident when an action failed (for a channel's blueprint)."""

    async def handle(message: UserMessage) -> bool:
        return await answer_watched(on_new_message, message)

    return handle
