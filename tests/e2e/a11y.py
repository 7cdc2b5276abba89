"""axe-core (pwa/node_modules, a dev dependency of the PWA) run in the page: a screen passes when it has no
serious or critical violation. The page's context must bypass CSP (the script is injected inline)."""
from __future__ import annotations

from tests.servers import ROOT

AXE = ROOT / "pwa" / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page, selector: str | None = None) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async (selector) => {
        const context = selector ? document.querySelector(selector) : document;
        return await axe.run(context, { resultTypes: ['violations'] });
    }""", selector)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def assert_accessible(page, selector: str | None = None) -> None:
    found = serious_violations(page, selector)
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)
