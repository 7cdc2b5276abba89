"""Build step of the wheel: bundle the database migrations and the built web apps into the package.

`pip install .` must give a server that runs: its migrations (top-level migrations/) and the PWA
built by npm (pwa/dist, not committed) are copied into backend/_bundled, where backend/resources.py
finds them.  pwa/dist is built here with npm when it is missing and npm is at hand; otherwise the
build stops and says to run `make pwa` first.  An editable install (`pip install -e .`, the
Makefile's) reads them from the checkout and bundles nothing.  Everything else is in pyproject.toml.
"""
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")


class BuildWithBundledFiles(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "backend" / "_bundled"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(ROOT / "migrations", target / "migrations", ignore=IGNORED)
        shutil.copytree(self._built_pwa(), target / "pwa")

    @staticmethod
    def _built_pwa() -> Path:
        dist = ROOT / "pwa" / "dist"
        if (dist / ".built").exists():
            return dist
        if shutil.which("npm") and (ROOT / "pwa" / "package.json").exists():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT / "pwa", check=True)
            subprocess.run(["npm", "run", "build"], cwd=ROOT / "pwa", check=True)
            return dist
        raise SystemExit("pwa/dist is not built and npm is not available: run `make pwa` "
                         "(npm ci && npm run build in pwa/) before building the package")


setup(cmdclass={"build_py": BuildWithBundledFiles})
