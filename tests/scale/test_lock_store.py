"""bot/lock_store.py on a real Redis: several lock stores (as several Rasa servers) contending
for one conversation never hand out one ticket twice, and never let two holders in at once."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import AtomicRedisLockStore
from tests.cluster import RedisServer


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def store(redis_server) -> AtomicRedisLockStore:
    """Built as Rasa builds it from the endpoints file (strings from the environment)."""
    return AtomicRedisLockStore(
        endpoint_config=EndpointConfig(
            url="127.0.0.1",
            port=str(redis_server.port),
            db="1",
            password=redis_server.password,
            key_prefix="test",
        )
    )


@pytest.mark.timeout(120)
def test_tickets_issued_at_once_by_several_servers_are_all_different(redis_server):
    stores = [store(redis_server) for _ in range(4)]

    def issue(n: int) -> int:
        return stores[n % 4].issue_ticket("conversation-tickets", 60)

    with ThreadPoolExecutor(max_workers=16) as pool:
        tickets = list(pool.map(issue, range(400), timeout=100))
    assert sorted(tickets) == list(range(400))


@pytest.mark.timeout(120)
def test_one_holder_at_a_time_and_the_lock_is_gone_after(redis_server):
    stores = [store(redis_server) for _ in range(3)]
    holders, most, done = set(), [0], []

    async def handle(n: int) -> None:
        async with stores[n % 3].lock("conversation-holders", 30, wait_time_in_seconds=0.01):
            holders.add(n)
            most[0] = max(most[0], len(holders))
            await asyncio.sleep(0.005)
            holders.discard(n)
            done.append(n)

    async def main() -> None:
        await asyncio.wait_for(asyncio.gather(*(handle(n) for n in range(60))), 100)

    asyncio.run(main())
    assert most[0] == 1 and sorted(done) == list(range(60))
    assert stores[0].get_lock("conversation-holders") is None
