"""Scanning parcels with the phone's camera (issue #18 item 2), in chromium with a fake camera.

Chromium plays a Y4M file as the camera (`--use-file-for-fake-video-capture`): the file is drawn here from the
route's own parcels — their Code 128 labels exactly as the driver's route sheet prints them for the van, QR codes
at the door — plus a code that belongs nowhere.
It loops, so every label passes in front of the camera again and again: a parcel must still beep and count once.
Chromium on Linux has no BarcodeDetector, so these reads go through the WebAssembly reader in its worker.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import CHROMIUM_ARGS, START_POSITION, log_in_as_driver
from tests.e2e.test_driver_app import open_stop, sign, start_route

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 640, 480
STRANGER = "XX-4242"
# Each beep and buzz the app makes, seen from the page: tones by frequency, vibration patterns.
RECORD_SIGNALS = """
    window.scanSignals = [];
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (...args) {
        window.scanSignals.push(`tone ${this.frequency.value}`);
        return start.apply(this, args);
    };
    navigator.vibrate = (pattern) => { window.scanSignals.push(`vibrate ${pattern}`); return true; };
"""
GOOD = ["tone 1760", "vibrate 60"]
BAD = ["tone 330", "tone 330", "vibrate 120,80,120"]


def sheet_label(drawn: dict) -> Image.Image:
    """A parcel label as the route sheet prints it: its Code 128 bars (SVG path data in modules) drawn to fill
    the picture's width, as a driver holds a label up to the camera."""
    module = min(3, (WIDTH - 40) // drawn["width"])
    label = Image.new("L", (drawn["width"] * module, 150), 255)
    paint = ImageDraw.Draw(label)
    bars = re.findall(r"M(\d+) 0h(\d+)v", drawn["path"])
    assert bars, drawn["path"]
    for x, width in bars:
        paint.rectangle([int(x) * module, 10, (int(x) + int(width)) * module - 1, 139], fill=0)
    return label


def code128_label(code: str) -> Image.Image:
    """A Code 128 label drawn the way the route sheet draws one (for a code that is on no sheet)."""
    from backend.orders.barcodes import code128

    drawn = code128(code)
    return sheet_label({"width": drawn.width, "path": drawn.path})


def printed_labels(demo_server, route_id: int) -> dict[str, Image.Image]:
    """Each parcel's label from the driver's own route sheet (GET /routes/<id>/sheet), by barcode."""
    sheet = demo_server.driver_session().get(f"{demo_server.url}/api/v1/routes/{route_id}/sheet", timeout=10)
    assert sheet.status_code == 200, sheet.text
    return {barcode["value"]: sheet_label(barcode) for stop in sheet.json()["stops"] for barcode in stop["barcodes"]
            if barcode["drawable"]}


def qr_label(code: str) -> Image.Image:
    import segno

    matrix = segno.make_qr(code, error="m").matrix
    module = 8
    side = (len(matrix) + 8) * module
    label = Image.new("L", (side, side), 255)
    draw = ImageDraw.Draw(label)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle([(x + 4) * module, (y + 4) * module, (x + 5) * module - 1, (y + 5) * module - 1], fill=0)
    return label


def write_y4m(path: Path, labels: list[Image.Image], seconds_each: int = 1) -> None:
    """One label per second on a grey parcel, as 4:2:0 Y4M (what chromium's fake camera plays, looping)."""
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F1:1 Ip A1:1 C420jpeg\n".encode())
        for label in labels:
            frame = Image.new("RGB", (WIDTH, HEIGHT), (150, 140, 120))
            assert label.width <= WIDTH - 20 and label.height <= HEIGHT - 20, "the label fits the picture"
            frame.paste(label.convert("RGB"), ((WIDTH - label.width) // 2, (HEIGHT - label.height) // 2))
            y, cb, cr = frame.convert("YCbCr").split()
            half = (WIDTH // 2, HEIGHT // 2)
            for _ in range(seconds_each):
                out.write(b"FRAME\n")
                out.write(y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes())


@pytest.fixture
def camera_phone(playwright_driver, chromium_path, demo_server, tmp_path):
    """Opens a 390x844 phone whose rear camera films the given labels (a chromium of its own: the fake
    camera's file is a launch option)."""
    opened = []

    def open_phone(labels: list[Image.Image], *, allow_camera: bool = True, init_script: str | None = None):
        video = tmp_path / "camera.y4m"
        write_y4m(video, labels)
        args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"]
        if allow_camera:
            args.append("--use-fake-ui-for-media-stream")  # the permission prompt answered "Allow"
        browser = playwright_driver.chromium.launch(executable_path=chromium_path, headless=True, args=args)
        context = browser.new_context(
            base_url=demo_server.url, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
            has_touch=True, geolocation=START_POSITION, permissions=["geolocation"], locale="en-CA",
            service_workers="allow")
        context.set_default_timeout(15000)
        context.add_init_script(RECORD_SIGNALS)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        opened.append((browser, errors))
        page.workers_seen = []
        page.on("worker", lambda worker: page.workers_seen.append(worker.url))
        return page

    yield open_phone
    for browser, errors in opened:
        browser.close()
        assert not errors, f"uncaught errors in the page: {errors}"


def parcels_of(route: dict) -> list[tuple[dict, dict]]:
    return [(stop, parcel) for stop in sorted(route["stops"], key=lambda s: s["sequence"])
            for parcel in stop["order"]["parcels"]]


def server_route(demo_server) -> dict:
    return demo_server.driver_session().get(f"{demo_server.url}/api/v1/driver/route", timeout=10).json()


def signals(page) -> list[str]:
    return page.evaluate("window.scanSignals")


def test_the_load_check_scans_labels_from_the_camera_once_each_and_tells_a_stranger(camera_phone, demo_server,
                                                                                     driver_route, tmp_path):
    codes = [parcel["barcode"] for _, parcel in parcels_of(driver_route)]
    filmed, typed = codes[:3], codes[3:]
    printed = printed_labels(demo_server, driver_route["id"])
    phone = camera_phone([*(printed[code] for code in filmed), code128_label(STRANGER)])
    log_in_as_driver(phone)
    loaded = phone.get_by_test_id("loaded-count")
    assert loaded.inner_text() == f"0 of {len(codes)} parcels loaded"

    phone.get_by_test_id("scan-start").click()
    phone.wait_for_function("() => document.querySelector('[data-testid=loaded-count]').textContent.startsWith('3 of ')",
                            timeout=40000)
    scanner = phone.get_by_test_id("scanner")
    assert scanner.get_attribute("data-decoder") == "wasm", "chromium on Linux reads through the WebAssembly reader"
    expect(phone.locator("video[data-scan=load]")).to_be_in_viewport(ratio=0.9)  # brought into view when opened
    # Told in words, and kept on screen while the next labels are read.
    refused = phone.get_by_test_id("scan-refused")
    refused.wait_for(timeout=20000)
    assert refused.inner_text() == f"Parcel {STRANGER} is not on this route."
    assert_accessible(phone, "the load check with the camera open", within="section[aria-labelledby=loading-title]")
    phone.screenshot(path=str(tmp_path / "load-check-scanning.png"))
    # The film loops (4 s): two more turns, and still one beep per parcel and two low ones for the stranger.
    phone.wait_for_timeout(8500)
    heard = signals(phone)
    assert sorted(heard) == sorted(GOOD * 3 + BAD), heard
    assert loaded.inner_text() == f"3 of {len(codes)} parcels loaded"

    # Typing stays: the rest by hand, and the camera turns itself off when nothing is left to scan.
    field = phone.get_by_label("Barcode (type it)")
    for code in typed:
        field.fill(code)
        field.press("Enter")
    phone.wait_for_function("() => document.querySelector('[data-testid=scanner]').dataset.status === 'done'", timeout=10000)
    assert phone.locator("video").count() == 0, "the camera is off once every parcel is loaded"
    assert phone.get_by_test_id("scan-start").count() == 0, "nothing is left to scan"
    phone.get_by_test_id("sync-status").filter(has_text="All synced").wait_for()
    on_server = {parcel["barcode"]: parcel["loaded_at"] for _, parcel in parcels_of(server_route(demo_server))}
    assert all(on_server[code] for code in codes), on_server
    assert STRANGER not in on_server


def test_proof_of_delivery_counts_this_stops_parcels_from_the_camera_and_leaves_others_out(camera_phone, demo_server,
                                                                                           driver_route, tmp_path):
    stops = sorted(driver_route["stops"], key=lambda s: s["sequence"])
    stop = next(s for s in stops if len(s["order"]["parcels"]) >= 2 and not s["order"]["requires_id_check"]
                and not s["order"]["min_age"] and not s["order"]["cod_amount_cents"])
    ours = [parcel["barcode"] for parcel in stop["order"]["parcels"]]
    another_stops = next(parcel["barcode"] for s in stops if s["id"] != stop["id"] for parcel in s["order"]["parcels"])
    phone = camera_phone([qr_label(code) for code in [another_stops, *ours]])
    log_in_as_driver(phone)
    start_route(phone)
    open_stop(phone, stop)
    phone.get_by_role("link", name="Deliver", exact=True).click()
    count = phone.get_by_test_id("scan-count")
    assert count.inner_text() == f"0 of {len(ours)} parcels scanned"

    phone.get_by_test_id("scan-start").click()
    phone.wait_for_function("() => document.querySelector('[data-testid=scanner]').dataset.status === 'done'", timeout=40000)
    assert count.inner_text() == f"{len(ours)} of {len(ours)} parcels scanned"
    assert phone.get_by_test_id("scanner").get_attribute("data-decoder") == "wasm"
    assert phone.get_by_text("Every parcel is scanned: camera off.").is_visible()
    heard = signals(phone)
    assert heard.count("tone 1760") == len(ours), heard
    # The other stop's parcel came first in the film: it was told in words and left out.
    assert heard.count("tone 330") in (0, 2), heard
    phone.screenshot(path=str(tmp_path / "pod-scanned.png"), full_page=True)

    sign(phone)
    phone.get_by_role("button", name="Confirm delivery").click()
    phone.get_by_test_id("stop-list").wait_for()
    phone.get_by_test_id("sync-status").filter(has_text="All synced").wait_for()
    dispatcher = demo_server.dispatcher_session()
    proofs = dispatcher.get(f"{demo_server.url}/api/v1/orders/{stop['order']['id']}/proofs", timeout=10).json()
    assert sorted(proofs[0]["scanned_barcodes"]) == sorted(ours), proofs
    delivered = {parcel["barcode"]: parcel["delivered_at"] for other, parcel in parcels_of(server_route(demo_server))
                 if other["id"] == stop["id"]}
    assert all(delivered[code] for code in ours), delivered


def test_a_blocked_camera_is_told_in_words_and_typing_stays(camera_phone, driver_route, tmp_path):
    phone = camera_phone([code128_label("LM0000000001")], allow_camera=False)
    log_in_as_driver(phone)
    phone.get_by_test_id("scan-start").click()
    trouble = phone.get_by_test_id("scan-trouble")
    trouble.wait_for()
    assert "The camera is blocked for this app" in trouble.inner_text()
    assert phone.locator("video").count() == 0
    phone.screenshot(path=str(tmp_path / "camera-blocked.png"))
    code = parcels_of(driver_route)[0][1]["barcode"]
    field = phone.get_by_label("Barcode (type it)")
    field.fill(code)
    field.press("Enter")
    phone.get_by_text(f"Parcel {code} loaded").wait_for()


# A browser with its own barcode reader (Chrome on Android), played by a stand-in that "sees" one code per
# frame from a list the test sets: the app must use it, and never fetch the WebAssembly reader.
NATIVE_READER = """
    window.nativeReads = 0;
    window.BarcodeDetector = class {
        static async getSupportedFormats() { return ['code_128', 'qr_code', 'ean_13']; }
        constructor(options) { window.nativeFormats = options.formats; }
        async detect(source) {
            if (!(source instanceof HTMLVideoElement) || !source.videoWidth) throw new TypeError('no frame');
            window.nativeReads += 1;
            const codes = window.codesInView || [];
            return codes.length ? [{ rawValue: codes[window.nativeReads % codes.length], format: 'code_128' }] : [];
        }
    };
"""


def test_a_browser_with_barcodedetector_reads_with_it_and_never_loads_the_wasm_reader(camera_phone, driver_route):
    codes = [parcel["barcode"] for _, parcel in parcels_of(driver_route)][:2]
    phone = camera_phone([code128_label("LM0000000001")], init_script=NATIVE_READER)
    wasm_requests = []
    phone.on("request", lambda request: wasm_requests.append(request.url) if "zxing" in request.url else None)
    log_in_as_driver(phone)
    phone.evaluate("codes => { window.codesInView = codes; }", codes)
    phone.get_by_test_id("scan-start").click()
    phone.wait_for_function("() => document.querySelector('[data-testid=loaded-count]').textContent.startsWith('2 of ')",
                            timeout=20000)
    assert phone.get_by_test_id("scanner").get_attribute("data-decoder") == "native"
    assert "code_128" in phone.evaluate("window.nativeFormats")
    assert signals(phone) == GOOD * 2
    assert not [url for url in phone.workers_seen if "scan-worker" in url], phone.workers_seen
    assert not wasm_requests, wasm_requests


def test_once_used_the_scanner_works_offline(camera_phone, driver_route):
    """A depot with no signal: the scanner (its code, worker and WebAssembly) comes from the service worker's
    cache after its first use, and the loads wait in the outbox."""
    codes = [parcel["barcode"] for _, parcel in parcels_of(driver_route)]
    phone = camera_phone([code128_label(code) for code in codes[:2]])
    log_in_as_driver(phone)
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    phone.get_by_test_id("scan-start").click()
    phone.wait_for_function("() => document.querySelector('[data-testid=loaded-count]').textContent.startsWith('2 of ')",
                            timeout=40000)
    phone.get_by_test_id("scan-stop").click()

    phone.context.set_offline(True)
    phone.reload()
    phone.get_by_test_id("stop-list").wait_for()
    # A new camera session reads the same labels again (each beeps once more), with a reader loaded offline.
    before = len(signals(phone))
    phone.get_by_test_id("scan-start").click()
    phone.wait_for_function("() => document.querySelector('[data-testid=scanner]').dataset.status === 'running'",
                            timeout=40000)
    phone.wait_for_function("n => window.scanSignals.length >= n + 2", arg=before, timeout=20000)
    assert phone.get_by_test_id("scanner").get_attribute("data-decoder") == "wasm"
    assert not phone.get_by_test_id("scan-trouble").count()
