"""The PWA's own unit tests (node's test runner over pwa/tests), run as part of `make test`."""
import shutil
import subprocess

import pytest

from tests.conftest import IN_CI
from tests.servers import ROOT


def test_pwa_unit_tests_pass():
    node = shutil.which("node")
    if node is None:
        if IN_CI:
            pytest.fail("node is not installed; CI builds the PWA and must run its unit tests")
        pytest.skip("node is not installed; install Node 20 to run the PWA unit tests")
    result = subprocess.run([node, "--test", "tests/"], cwd=ROOT / "pwa", capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# pass 0" not in result.stdout
