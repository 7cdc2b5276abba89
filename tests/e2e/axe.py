"""axe-core (Deque's accessibility engine, from pwa/node_modules) run in the page under test.

The script is evaluated through the DevTools protocol rather than added as a <script> tag, so the pages'
Content-Security-Policy (no inline script) stays on while they are checked.
"""
from __future__ import annotations

from tests.servers import ROOT

AXE_SCRIPT = ROOT / "pwa" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def serious_violations(page) -> list[dict]:
    """Serious and critical WCAG problems on the page as it is now: [{id, impact, help, targets}]."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT.read_text())
    found = page.evaluate("""async () => {
        const result = await window.axe.run(document, { resultTypes: ['violations'] });
        return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
    }""")
    return [violation for violation in found if violation["impact"] in BLOCKING]


def assert_accessible(page, where: str) -> None:
    violations = serious_violations(page)
    assert not violations, f"axe-core found serious or critical problems on {where}: {violations}"
