import pytest

from tests.conftest import base_config
from tests.notify.conftest import NOTIFY_TEST_CONFIG


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    return base_config(database_url, tmp_path / "instance", **NOTIFY_TEST_CONFIG)
