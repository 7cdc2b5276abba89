"""Every setting read from the environment is in the README's configuration table."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_environment_variable_is_documented():
    source = (ROOT / "backend" / "config.py").read_text()
    names = set(re.findall(r'(?:_int|_bool|_float|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]+)"', source))
    assert len(names) > 20  # the pattern still finds the settings
    readme = (ROOT / "README.md").read_text()
    undocumented = sorted(name for name in names if f"`{name}`" not in readme)
    assert undocumented == []
