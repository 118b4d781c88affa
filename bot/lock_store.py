"""A Redis lock store that is safe with several Rasa servers (deploy/endpoints.production.yml,
`lock_store: type: bot.lock_store.AtomicRedisLockStore`).

Rasa 3.6's `RedisLockStore` keeps each conversation's ticket lock as one JSON value, and changes
it by reading it, changing it in Python and writing it back. Two Rasa servers receiving a
message of the same conversation at the same moment both read the lock, both issue the same
ticket number, both write: each believes it holds the lock, both handle their message at once,
and the SQL tracker store keeps only one of the two (one user message lost from the tracker;
tests/scale caught it; RasaHQ/rasa#9213; the fix, `ConcurrentRedisLockStore`, was reverted from
Rasa Open Source). Releasing has the same race: a lock deleted as "nobody waiting" just after
another server queued a ticket on it.

Here every change of a lock (issuing a ticket, dropping expired ones, finishing, cleaning up) is
one Redis transaction (WATCH / MULTI / EXEC, retried on conflict): the read and the write are
atomic with respect to every other server. Reading the lock to wait for one's turn needs no
transaction (a whole value is written at once). Same configuration as `type: redis`.
"""

import json
from typing import Any, Callable, Optional, Text, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

KEEP, SAVE, DELETE = "keep", "save", "delete"
Change = Callable[[Optional[TicketLock]], Tuple[str, Optional[TicketLock], Any]]


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        # Rasa builds a lock store named by its module path from the endpoint's configuration.
        if endpoint_config is not None:
            kwargs = {
                "host": endpoint_config.url or "localhost",
                **endpoint_config.kwargs,
                **kwargs,
            }
        super().__init__(**kwargs)

    def _atomically(self, conversation_id: Text, change: Change) -> Any:
        """Apply `change` to the stored lock in one transaction; what `change` returned."""
        key = self.key_prefix + conversation_id

        def transaction(pipe) -> Any:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            action, new_lock, result = change(lock)
            pipe.multi()
            if action == SAVE:
                pipe.set(key, new_lock.dumps())
            elif action == DELETE:
                pipe.delete(key)
            return result

        return self.red.transaction(transaction, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock):
            lock = lock or TicketLock(conversation_id)
            return SAVE, lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._atomically(conversation_id, change)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        def change(lock):
            if lock is None:
                return KEEP, None, None
            lock.remove_expired_tickets()
            return SAVE, lock, None

        self._atomically(conversation_id, change)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def change(lock):
            if lock is None:
                return KEEP, None, None
            lock.remove_ticket_for(ticket_number)
            return SAVE, lock, None

        self._atomically(conversation_id, change)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Finish serving the ticket; delete the lock if nobody is waiting, in one step."""

        def change(lock):
            if lock is None:
                return KEEP, None, None
            lock.remove_ticket_for(ticket_number)
            if lock.is_someone_waiting():
                return SAVE, lock, None
            return DELETE, None, None

        self._atomically(conversation_id, change)
