"""The production-like deployment (tests/cluster.py): two Rasa servers, one action server,
trackers in PostgreSQL, locks in Redis; one for the session, shared with tests/faults."""

import pytest

from tests.cluster import Deployment, shared_deployment


@pytest.fixture(scope="session")
def session_deployment(request) -> Deployment:
    return shared_deployment(request)


@pytest.fixture
def deployment(session_deployment) -> Deployment:
    """The deployment, every part running (a fault test may have left one stopped)."""
    session_deployment.ensure_running()
    return session_deployment
