"""axe-core (Deque's accessibility engine, from pwa/node_modules) run in the page under test.

The script is evaluated through the DevTools protocol rather than added as a <script> tag, so the pages'
Content-Security-Policy (no inline script) stays on while they are checked.
"""
from __future__ import annotations

from tests.servers import ROOT

AXE_SCRIPT = ROOT / "pwa" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def serious_violations(page, within: str | None = None) -> list[dict]:
    """Serious and critical WCAG problems on the page as it is now (or in the element `within` selects):
    [{id, impact, help, targets}]."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT.read_text())
    found = page.evaluate("""async (within) => {
        const context = within ? document.querySelector(within) : document;
        const result = await window.axe.run(context, { resultTypes: ['violations'] });
        return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
    }""", within)
    return [violation for violation in found if violation["impact"] in BLOCKING]


def assert_accessible(page, where: str, within: str | None = None) -> None:
    violations = serious_violations(page, within)
    assert not violations, f"axe-core found serious or critical problems on {where}: {violations}"
