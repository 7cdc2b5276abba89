"""Uploaded photos and signatures are re-encoded: only what an image decoder draws is kept and served."""
import io
import uuid

from PIL import Image, PngImagePlugin

from tests.dispatch.helpers import action, make_orders, make_route

SCRIPT = b"<html><body><script>alert(document.domain)</script></body></html>"


def png(size=(24, 16), colour=(255, 255, 255, 255), text: str | None = None) -> bytes:
    out = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", text)
    Image.new("RGBA", size, colour).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def jpeg_with_exif(size=(30, 20)) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {2: (45.0, 31.0, 0.0), 4: (73.0, 34.0, 0.0)}  # GPS: where the driver stood
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def upload(driver, data: bytes, name="photo.png", kind="photo"):
    return driver.post("/api/v1/driver/uploads", data={
        "file": (io.BytesIO(data), name), "kind": kind, "idempotency_key": uuid.uuid4().hex},
        content_type="multipart/form-data")


def served(org, dispatcher, driver, data: bytes, name="photo.png"):
    """Upload, use the file in a delivery, and download it as the dispatcher sees it."""
    stored = upload(driver, data, name=name)
    assert stored.status_code == 201, stored.get_json()
    route = make_route(dispatcher, org, make_orders(dispatcher, 1), publish=True)
    done = action(driver, route, "stop.complete", route["stops"][0], recipient_name="A", photo_ids=[stored.get_json()["id"]])
    assert done.status_code == 200, done.get_json()
    response = dispatcher.get(f"/api/v1/files/{stored.get_json()['id']}")
    assert response.status_code == 200
    return response


def refused(response) -> bool:
    body = response.get_json()
    return response.status_code == 422 and "file" in (body.get("fields") or body.get("error", {}).get("fields") or {})


def test_a_png_headed_html_polyglot_is_stored_and_served_as_the_picture_alone(org, dispatcher):
    polyglot = png(text="<script>alert(1)</script>") + SCRIPT  # a valid PNG, HTML in a text chunk and after IEND
    assert b"<script>" in polyglot and Image.open(io.BytesIO(polyglot)).size == (24, 16)
    served_file = served(org, dispatcher, org.as_role("driver"), polyglot)
    assert served_file.mimetype == "image/png"
    assert b"script" not in served_file.data.lower() and b"<html" not in served_file.data.lower()
    assert Image.open(io.BytesIO(served_file.data)).size == (24, 16)
    assert served_file.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served_file.headers["Content-Security-Policy"]


def test_what_does_not_decode_as_an_image_is_refused_with_422(org):
    driver = org.as_role("driver")
    assert refused(upload(driver, b"\x89PNG\r\n\x1a\n" + SCRIPT))  # PNG magic bytes, then HTML
    assert refused(upload(driver, b"\xff\xd8\xff\xe0" + SCRIPT, name="photo.jpg"))  # JPEG magic bytes, then HTML
    assert refused(upload(driver, png()[:60]))  # a real PNG cut short
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    assert refused(upload(driver, gif.getvalue(), name="photo.gif"))  # a real image, not a format we keep
    bomb = io.BytesIO()
    Image.new("1", (9000, 5000)).save(bomb, "PNG")  # 45 megapixels in a few kilobytes
    assert len(bomb.getvalue()) < 200_000 and refused(upload(driver, bomb.getvalue()))


def test_photos_lose_their_metadata_but_keep_their_orientation(org, dispatcher):
    original = jpeg_with_exif()
    assert b"PhoneMaker" in original
    photo = served(org, dispatcher, org.as_role("driver"), original, name="photo.jpg")
    assert photo.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(photo.data))
    assert image.format == "JPEG" and image.size == (20, 30)  # turned upright, as the phone showed it
    assert dict(image.getexif()) == {} and b"PhoneMaker" not in photo.data


def test_a_transparent_webp_photo_becomes_a_jpeg_on_white(org, dispatcher):
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(out, "WEBP", lossless=True)
    photo = served(org, dispatcher, org.as_role("driver"), out.getvalue(), name="photo.webp")
    assert photo.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(photo.data)).convert("RGB").getpixel((4, 4)) >= (250, 250, 250)
