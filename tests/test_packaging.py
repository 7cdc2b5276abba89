"""`pip install .` gives a working server: the wheel carries its migrations and the built web apps, and
its `lastmile` command migrates and serves; `flask` finds the app without --app; the lock files pin
every dependency."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
import requests

from tests.servers import ROOT, ServerProcess


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the sources (the build writes build/ beside setup.py)."""
    if not (ROOT / "pwa" / "dist" / ".built").exists():
        pytest.fail("pwa/dist is not built: `make pwa` (make test builds it)")
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "requirements.lock", "requirements-test.lock"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "_bundled")
    for folder in ("backend", "migrations"):
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    shutil.copytree(ROOT / "pwa" / "dist", source / "pwa" / "dist")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
                   check=True, capture_output=True, timeout=600)
    (built,) = out.glob("lastmile-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; its dependencies are the test
    environment's (a .pth line: the wheel's own content is what is tested, not PyPI)."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--no-deps", str(wheel)], check=True,
                   capture_output=True, timeout=300)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def test_installed_wheel_migrates_and_serves(installed, tmp_path):
    lastmile = installed / "bin" / "lastmile"
    assert lastmile.exists()
    workdir = tmp_path / "site"
    workdir.mkdir()
    env = {"INSTANCE_PATH": None, "DATABASE_URL": None, "REDIS_URL": None, "PYTHONPATH": None,
           "FLASK_APP": None}
    server = ServerProcess(env, command=[str(lastmile), "run", "--port", "{port}"], executable=None, cwd=workdir)
    with server:
        # the app came from the wheel, not from this checkout
        where = subprocess.run([str(installed / "bin" / "python"), "-c", "import backend; print(backend.__file__)"],
                               cwd=workdir, capture_output=True, text=True, check=True).stdout
        assert str(installed) in where
        assert (workdir / "instance" / "lastmile.db").exists()  # migrated into ./instance
        driver = requests.get(f"{server.url}/driver", timeout=10)
        assert driver.status_code == 200 and "<html" in driver.text.lower()
        assert requests.get(f"{server.url}/api/v1/openapi.json", timeout=10).status_code == 200
    solve = subprocess.run([str(lastmile), "solve", "-", "--time-limit", "0.2"], cwd=workdir, capture_output=True,
                           text=True, timeout=120, input='{"vehicles": [{"id": 1, "start_index": 0}], '
                           '"jobs": [{"id": 1, "location_index": 1}], "matrices": {"car": {"durations": [[0, 5], [5, 0]]}}}')
    assert solve.returncode == 0 and '"cost": 5' in solve.stdout
    listed = subprocess.run([str(lastmile), "--help"], cwd=workdir, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0 and "vroom" in listed.stdout and "worker" in listed.stdout


def test_flask_finds_the_app_without_app_option():
    env = {k: v for k, v in os.environ.items() if k != "FLASK_APP"}
    flask = Path(sys.executable).parent / "flask"
    done = subprocess.run([str(flask), "routes"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "/api/v1/vroom" in done.stdout


def _names(requirements) -> set:
    return {re.split(r"[<>=!\[; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def _pinned(lock: Path) -> set:
    return {line.split("==")[0].lower().replace("_", "-") for line in lock.read_text().splitlines()
            if "==" in line and not line.startswith("#")}


def test_lock_files_pin_every_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _names(project["dependencies"])
    assert runtime - _pinned(ROOT / "requirements.lock") == set()
    assert (runtime | _names(project["optional-dependencies"]["test"])) - _pinned(ROOT / "requirements-test.lock") == set()
