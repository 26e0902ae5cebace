"""The session's server for the tests of `nlp serve` (see served.py)."""

import pytest

from serve.served import API_KEY, MAX_BYTES, start_server


@pytest.fixture(scope="session")
def server():
    served = start_server("--api-key", API_KEY, "--max-bytes", str(MAX_BYTES))
    yield served
    served.stop()
