"""Where the files a running server reads live.

In a source checkout they sit beside ``backend/`` (``migrations/``, ``pwa/dist/``, ``instance/``); in
an installed wheel, ``setup.py``'s build step has copied the migrations and the built web apps into
the package (``backend/_bundled``), and the instance folder is the working directory's.  A leaf
module: it imports nothing of the app.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE.parent
BUNDLED = PACKAGE / "_bundled"


def is_source_checkout() -> bool:
    return (SOURCE_ROOT / "pyproject.toml").is_file() and (SOURCE_ROOT / "migrations").is_dir()


def migrations_dir() -> Path:
    bundled = BUNDLED / "migrations"
    return bundled if bundled.is_dir() else SOURCE_ROOT / "migrations"


def pwa_dist() -> Path:
    bundled = BUNDLED / "pwa"
    return bundled if bundled.is_dir() else SOURCE_ROOT / "pwa" / "dist"


def default_instance() -> Path:
    """The checkout's instance/ folder, or ./instance where an installed server is started."""
    return SOURCE_ROOT / "instance" if is_source_checkout() else Path.cwd() / "instance"
