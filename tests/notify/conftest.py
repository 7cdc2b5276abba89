import pytest

from tests.conftest import base_config

# Quiet hours off unless a test turns them on (the suite runs at any hour); retries fast.
NOTIFY_TEST_CONFIG = {"NOTIFY_QUIET_HOURS": "", "NOTIFY_RETRY_BASE_S": 0.05, "NOTIFY_RETRY_MAX_S": 0.5,
                      "PUBLIC_BASE_URL": "https://track.example.test", "NOTIFY_HTTP_TIMEOUT_S": 5.0}


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    return base_config(database_url, tmp_path / "instance", **NOTIFY_TEST_CONFIG)
