"""Fast, safe proof on a 390x844 phone: the photo is compressed off the main thread (a worker with an
OffscreenCanvas, the main thread where the browser has none) while the signature pad stays put and keeps
drawing; a failed attempt needs its reason, said in words; the login asks for a phone number with a phone
keypad."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import DRIVER_PHONE, DRIVER_PIN, log_in_as_driver
from tests.e2e.test_driver_app import add_photo, camera_photo, open_stop, start_route
from tests.e2e.test_driver_live_updates import ordered, phone  # noqa: F401  (the 390x844 phone fixture)

pytestmark = pytest.mark.browser

# The main-thread fallback encodes with HTMLCanvasElement.toBlob('image/jpeg'); the worker never calls it.
COUNT_MAIN_THREAD_JPEGS = """
    window.mainThreadJpegs = 0;
    const toBlob = HTMLCanvasElement.prototype.toBlob;
    HTMLCanvasElement.prototype.toBlob = function (callback, type, ...rest) {
        if (type === 'image/jpeg') window.mainThreadJpegs += 1;
        return toBlob.call(this, callback, type, ...rest);
    };
"""
# Every layout change of the signature pad, seen from the page: its top in document coordinates.
WATCH_THE_PAD = """() => {
    window.padTops = [];
    const pad = document.querySelector('[data-testid=signature]');
    const record = () => window.padTops.push(Math.round(pad.getBoundingClientRect().top + window.scrollY));
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    new ResizeObserver(record).observe(document.body);
    record();
}"""


def open_delivery_form(page, stop) -> None:
    open_stop(page, stop)
    page.get_by_role("link", name="Deliver", exact=True).click()
    page.get_by_test_id("signature").wait_for()


def photo_longest_side(page) -> int:
    """The kept photo's longest side (the camera's was 4000 px; the bytes are checked at the server in
    test_driver_app.py)."""
    return page.evaluate("(() => { const img = document.querySelector('.thumbs img');"
                         " return Math.max(img.naturalWidth, img.naturalHeight); })()")


def test_a_camera_photo_is_compressed_in_a_worker_while_the_signature_pad_stays_put_and_draws(phone, driver_route):  # noqa: F811
    workers = []
    phone.on("worker", lambda worker: workers.append(worker.url))
    phone.add_init_script(COUNT_MAIN_THREAD_JPEGS)
    log_in_as_driver(phone)
    start_route(phone)
    open_delivery_form(phone, ordered(driver_route)[0])
    phone.evaluate(WATCH_THE_PAD)
    photo = camera_photo(phone, 3)

    phone.get_by_test_id("photo-input").set_input_files({"name": "big.jpg", "mimeType": "image/jpeg", "buffer": photo})
    # The recipient signs while the photo is being prepared: the pad is where it was and takes the stroke.
    pad = phone.get_by_test_id("signature")
    box = pad.bounding_box()
    phone.mouse.move(box["x"] + 30, box["y"] + 60)
    phone.mouse.down()
    for step in range(1, 8):
        phone.mouse.move(box["x"] + 30 + step * 35, box["y"] + 60 + (20 if step % 2 else -20))
    phone.mouse.up()
    phone.wait_for_function("document.querySelectorAll('.thumbs img').length === 1")
    assert 0 < photo_longest_side(phone) <= 1600
    assert [url for url in workers if "photo-worker" in url], workers
    assert phone.evaluate("window.mainThreadJpegs") == 0, "the photo was encoded on the main thread"
    tops = phone.evaluate("window.padTops")
    assert len(set(tops)) == 1, f"the signature pad moved: {sorted(set(tops))}"
    inked = phone.evaluate("""() => { const c = document.querySelector('[data-testid=signature]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n += 1; return n; }""")
    assert inked > 100, "the stroke drawn during compression is on the pad"
    # More photos than the row shows: it scrolls sideways, the pad still does not move.
    add_photo(phone, 4)
    add_photo(phone, 5)
    assert len(set(phone.evaluate("window.padTops"))) == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path="/tmp/driver-proof.png")


def test_without_offscreen_canvas_the_main_thread_compresses_the_photo(playwright_browser, demo_server, driver_route):
    context = playwright_browser.new_context(base_url=demo_server.url, viewport={"width": 390, "height": 844},
                                             is_mobile=True, has_touch=True, locale="en-CA")
    context.add_init_script("delete globalThis.OffscreenCanvas")
    context.add_init_script(COUNT_MAIN_THREAD_JPEGS)
    page = context.new_page()
    workers = []
    page.on("worker", lambda worker: workers.append(worker.url))
    try:
        log_in_as_driver(page)
        start_route(page)
        open_delivery_form(page, ordered(driver_route)[0])
        add_photo(page, 8)
        assert 0 < photo_longest_side(page) <= 1600
        assert not [url for url in workers if "photo-worker" in url]
        assert page.evaluate("window.mainThreadJpegs") > 0
    finally:
        context.close()


def test_a_failed_attempt_needs_a_reason_said_in_words(phone, driver_route):  # noqa: F811
    log_in_as_driver(phone)
    start_route(phone)
    stop = ordered(driver_route)[0]
    open_stop(phone, stop)
    phone.get_by_role("link", name="Could not deliver").click()
    phone.get_by_role("button", name="Confirm failed delivery").click()
    alert = phone.get_by_role("alert")
    assert alert.inner_text().strip() == "Choose why you could not deliver."
    assert phone.get_by_test_id("sync-status").inner_text().strip() == "All synced", "nothing was recorded"
    phone.get_by_label("Nobody home").check()
    phone.get_by_role("button", name="Confirm failed delivery").click()
    phone.get_by_test_id("stop-list").wait_for()
    assert "Failed" in phone.locator(f"[data-stop-id='{stop['id']}']").inner_text()


def test_the_login_asks_for_a_phone_number_with_the_phone_keypad(phone):  # noqa: F811
    phone.goto("/driver")
    field = phone.get_by_label("Phone number")
    assert field.get_attribute("type") == "tel" and field.get_attribute("inputmode") == "tel"
    assert field.get_attribute("autocomplete") == "username"
    phone.get_by_test_id("login-kind").click()
    email = phone.get_by_label("Email")
    assert email.get_attribute("type") == "email" and email.get_attribute("inputmode") == "email"
    assert phone.evaluate("document.activeElement.id") == "login"
    phone.get_by_test_id("login-kind").click()
    phone.get_by_label("Phone number").fill(DRIVER_PHONE)
    phone.get_by_label("PIN or password").fill(DRIVER_PIN)
    phone.screenshot(path="/tmp/driver-login.png")
    phone.get_by_role("button", name="Log in").click()
    phone.get_by_test_id("stop-list").wait_for()
