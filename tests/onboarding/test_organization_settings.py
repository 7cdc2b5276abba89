"""An admin's organization settings: name, branding shown on the tracking page, and quiet hours."""
from __future__ import annotations

import base64
import io

from PIL import Image


def _png(width: int, height: int, colour=(200, 30, 30)) -> str:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_an_admin_renames_brands_and_sets_quiet_hours(org, admin):
    before = admin.get("/api/v1/organization/settings").get_json()
    assert before["quiet_hours"] is None and before["colour"] == "#0b3d2e" and before["logo"] is None

    changed = admin.patch("/api/v1/organization/settings", json={
        "name": "Acme Express", "colour": "#8E24AA", "quiet_hours": "21:30-07:00", "logo": _png(1200, 300)})
    assert changed.status_code == 200, changed.get_json()
    settings = changed.get_json()
    assert (settings["name"], settings["colour"], settings["quiet_hours"]) == ("Acme Express", "#8e24aa", "21:30-07:00")
    logo = Image.open(io.BytesIO(base64.b64decode(settings["logo"].split(",", 1)[1])))
    assert logo.format == "PNG" and logo.size == (480, 120), "the logo is re-encoded and fitted in 480x160"

    from backend.auth.models import Organization
    from backend.extensions import db
    from backend.notify.quiet_hours import quiet_hours_for

    with org.app.app_context():
        assert [t.strftime("%H:%M") for t in quiet_hours_for(db.session.get(Organization, org.org_id))] == ["21:30", "07:00"]
    # '' means none; null goes back to the server's default.
    assert admin.patch("/api/v1/organization/settings", json={"quiet_hours": ""}).get_json()["quiet_hours"] == ""
    assert admin.patch("/api/v1/organization/settings", json={"quiet_hours": None}).get_json()["quiet_hours"] is None
    removed = admin.patch("/api/v1/organization/settings", json={"logo": None}).get_json()
    assert removed["logo"] is None and removed["colour"] == "#8e24aa"


def test_bad_settings_are_refused_field_by_field(org, admin):
    cases = [({"colour": "#ffeb3b"}, "colour", "Too light"), ({"colour": "purple"}, "colour", "#rrggbb"),
             ({"quiet_hours": "9pm-8am"}, "quiet_hours", "21:00-08:00"), ({"name": ""}, "name", ""),
             ({"logo": "data:image/png;base64,PGh0bWw+"}, "logo", ""), ({"logo": "https://x.test/a.png"}, "logo", "")]
    for body, field, words in cases:
        answer = admin.patch("/api/v1/organization/settings", json=body)
        assert answer.status_code == 422, (body, answer.get_json())
        assert words in " ".join(answer.get_json()["fields"][field]), (body, answer.get_json())
    assert admin.get("/api/v1/organization/settings").get_json()["name"] == "Acme Deliveries", "nothing was half-saved"


def test_only_admins_change_the_organization(org):
    assert org.as_role("dispatcher").get("/api/v1/organization/settings").status_code == 403
    assert org.as_role("dispatcher").patch("/api/v1/organization/settings", json={"name": "Mine"}).status_code == 403
    assert org.as_role("api_key").patch("/api/v1/organization/settings", json={"name": "Mine"}).status_code == 403


def test_the_tracking_page_gets_the_brand(org, admin):
    from tests.support import order_payload

    admin.patch("/api/v1/organization/settings", json={"colour": "#1565c0", "logo": _png(100, 40)})
    created = admin.post("/api/v1/orders", json=order_payload("BRAND-1")).get_json()
    token = created.get("tracking_token") or created.get("tracking", {}).get("token")
    assert token, created
    view = admin.get(f"/api/v1/track/{token}").get_json()
    assert view["organization"]["name"] == "Acme Deliveries" and view["organization"]["colour"] == "#1565c0"
    assert view["organization"]["logo"].startswith("data:image/png;base64,")
