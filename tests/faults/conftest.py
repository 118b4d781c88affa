"""The production-like deployment (tests/cluster.py): two Rasa servers, one action server,
trackers in PostgreSQL, locks in Redis; one for the session, shared with tests/scale."""

from tests.cluster import deployment, session_deployment  # noqa: F401 - the fixtures
