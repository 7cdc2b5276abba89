"""The driver app for every driver, on a 390x844 phone: the phone's language (Spanish, Portuguese, German loaded
only when used) until the driver picks one, a dark theme that follows the phone, a high-contrast mode for
sunlight, and text at twice the size that still fits."""
from __future__ import annotations

import pytest

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import DRIVER_PHONE, DRIVER_PIN, START_POSITION, log_in_as_driver
from tests.e2e.test_driver_live_updates import phone  # noqa: F401  (the 390x844 phone fixture)

pytestmark = pytest.mark.browser

# WCAG contrast of each visible element's text against the background it is drawn on.
LOWEST_CONTRASTS = """selector => {
    const rgba = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
    const luminance = ([r, g, b]) => {
        const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const background = (element) => {
        for (let node = element; node; node = node.parentElement) {
            const colour = rgba(getComputedStyle(node).backgroundColor);
            if (colour.length === 3 || colour[3] > 0.5) return colour;
        }
        return [255, 255, 255];
    };
    return [...document.querySelectorAll(selector)].filter((e) => e.offsetParent && e.textContent.trim()).map((e) => {
        const [a, b] = [luminance(rgba(getComputedStyle(e).color)), luminance(background(e))];
        return { text: e.textContent.trim().slice(0, 40), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
    }).sort((x, y) => x.ratio - y.ratio).slice(0, 3);
}"""
TEXT_ELEMENTS = "h1, h2, p, .meta, .badge, .pill, button, .button, label, .address, .seq"


def new_phone(playwright_browser, demo_server, **options):
    context = playwright_browser.new_context(
        base_url=demo_server.url, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
        has_touch=True, geolocation=START_POSITION, permissions=["geolocation"], **options)
    context.set_default_timeout(15000)
    return context, context.new_page()


def test_a_spanish_phone_gets_the_app_in_spanish_until_the_driver_picks_german(playwright_browser, demo_server,
                                                                              driver_route):
    context, page = new_phone(playwright_browser, demo_server, locale="es-ES")
    scripts = []
    page.on("request", lambda request: scripts.append(request.url) if "/assets/" in request.url else None)
    try:
        page.goto("/driver")
        page.get_by_label("Número de teléfono").fill(DRIVER_PHONE)
        page.get_by_label("PIN o contraseña").fill(DRIVER_PIN)
        page.get_by_role("button", name="Entrar").click()
        page.get_by_role("heading", name="Ruta de hoy").wait_for()
        assert any("/assets/es-" in url for url in scripts), "Spanish was loaded for this phone"
        assert not any(f"/assets/{other}-" in url for url in scripts for other in ("pt", "de"))
        assert page.evaluate("document.documentElement.lang") == "es"
        assert page.get_by_role("button", name="Iniciar ruta").is_visible()

        page.get_by_label("Idioma", exact=True).select_option("de")
        page.get_by_role("heading", name="Heutige Tour").wait_for()
        # The account follows the pick, so what the server pushes to this driver is in German too.
        account_language = "async () => (await (await fetch('/api/v1/auth/me')).json()).user.language"
        page.wait_for_function(f"({account_language})().then((language) => language === 'de')", polling=200)
        page.reload()
        page.get_by_role("heading", name="Heutige Tour").wait_for()
        assert page.get_by_role("button", name="Tour starten").is_visible()
        page.get_by_label("Sprache", exact=True).select_option("")  # back to the phone's language
        page.get_by_role("heading", name="Ruta de hoy").wait_for()
        page.wait_for_function(f"({account_language})().then((language) => language === 'es')", polling=200)
    finally:
        context.close()


def test_an_english_phone_downloads_no_other_language(phone):  # noqa: F811
    scripts = []
    phone.on("request", lambda request: scripts.append(request.url) if "/assets/" in request.url else None)
    log_in_as_driver(phone)
    assert not [url for url in scripts if any(f"/assets/{code}-" in url for code in ("es", "pt", "de"))], scripts


def test_dark_phone_gets_the_dark_theme_and_sunlight_mode_is_black_on_white(playwright_browser, demo_server,
                                                                           driver_route):
    context, page = new_phone(playwright_browser, demo_server, locale="en-CA", color_scheme="dark")
    try:
        log_in_as_driver(page)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(18, 21, 20)", background
        lowest = page.evaluate(LOWEST_CONTRASTS, TEXT_ELEMENTS)
        assert lowest[0]["ratio"] >= 4.5, lowest
        page.screenshot(path="/tmp/driver-dark.png")
        assert_accessible(page, "the route screen, dark theme")  # the whole screen: stop rows, next stop, settings
        page.get_by_test_id("history-button").click()
        page.get_by_test_id("history").screenshot(path="/tmp/driver-dark-history.png")
        page.keyboard.press("Escape")

        page.get_by_test_id("high-contrast").check()
        assert page.evaluate("document.documentElement.dataset.contrast") == "high"
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
        lowest = page.evaluate(LOWEST_CONTRASTS, TEXT_ELEMENTS)
        assert lowest[0]["ratio"] >= 7, lowest
        page.reload()
        page.get_by_test_id("stop-list").wait_for()
        assert page.evaluate("document.documentElement.dataset.contrast") == "high", "the setting is kept"
        page.screenshot(path="/tmp/driver-contrast.png")
        assert_accessible(page, "the route screen, sunlight mode")
    finally:
        context.close()


# Elements whose text does not fit their box (clipped or spilling out), other than the intended sideways scroller.
CLIPPED = """() => [...document.querySelectorAll('#app *')].filter((e) => {
    if (!e.offsetParent || e.closest('.visually-hidden, .thumbs') || !e.textContent.trim()) return false;
    if (['INPUT', 'SELECT', 'TEXTAREA', 'OPTION'].includes(e.tagName)) return false;
    return e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0;
}).map((e) => `${e.tagName}.${e.className}: ${e.textContent.trim().slice(0, 30)} ${e.scrollWidth}>${e.clientWidth}`)"""


def test_text_at_twice_the_size_still_fits_the_phone(phone, driver_route):  # noqa: F811
    log_in_as_driver(phone)
    normal = phone.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    # The phone's text size at 200%: what the browser does to the root font size.
    phone.evaluate("document.documentElement.style.fontSize = '212.5%'")
    large = phone.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert large == pytest.approx(normal * 2, rel=0.01), (normal, large)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_test_id("nav-links").first.scroll_into_view_if_needed()
    phone.screenshot(path="/tmp/driver-large-text.png")
    clipped = phone.evaluate(CLIPPED)
    assert clipped == [], "\n".join(clipped)
    first = min(driver_route["stops"], key=lambda stop: stop["sequence"])
    phone.locator(f"[data-stop-id='{first['id']}'] a").click()
    phone.get_by_test_id("stop-detail").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    clipped = phone.evaluate(CLIPPED)
    assert clipped == [], "\n".join(clipped)


# The phone's screen lock is outside our control: a stand-in records what the app asks of it, and releases
# the lock when the page is hidden, as browsers do.
FAKE_WAKE_LOCK = """
    window.wakeLog = [];
    const held = new Set();
    Object.defineProperty(navigator, 'wakeLock', { configurable: true, value: {
        request: async (type) => {
            const sentinel = new EventTarget();
            sentinel.released = false;
            sentinel.release = async () => {
                if (sentinel.released) return;
                sentinel.released = true; held.delete(sentinel); window.wakeLog.push('release');
                sentinel.dispatchEvent(new Event('release'));
            };
            held.add(sentinel); window.wakeLog.push(`request:${type}`);
            return sentinel;
        },
    } });
    window.hidePage = async (hidden) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => hidden ? 'hidden' : 'visible' });
        if (hidden) for (const sentinel of [...held]) await sentinel.release();
        document.dispatchEvent(new Event('visibilitychange'));
    };
"""


def test_the_screen_stays_on_while_on_duty_and_the_lock_comes_back_after_the_app_was_hidden(phone):  # noqa: F811
    phone.add_init_script(FAKE_WAKE_LOCK)
    log_in_as_driver(phone)
    assert phone.evaluate("window.wakeLog") == [], "off duty: the screen may sleep"
    phone.get_by_role("button", name="Start route").click()
    phone.get_by_test_id("app-dialog").get_by_role("button", name="Start anyway").click()
    phone.wait_for_function("() => window.wakeLog.join() === 'request:screen'")
    phone.evaluate("window.hidePage(true)")
    phone.evaluate("window.hidePage(false)")
    phone.wait_for_function("() => window.wakeLog.join() === 'request:screen,release,request:screen'")
    phone.get_by_role("button", name="Take a break").click()
    phone.wait_for_function("() => window.wakeLog.at(-1) === 'release'")
    assert phone.evaluate("() => window.wakeLog.join()") == "request:screen,release,request:screen,release", \
        "every lock taken is released"
