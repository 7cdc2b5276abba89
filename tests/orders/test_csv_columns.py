"""CSV import as a spreadsheet user meets it: a template to start from, their own header names matched
once and remembered for the organization, and every problem named by its line in plain words."""
import csv
import io

from tests.orders.test_csv_import import _import
from tests.support import tomorrow


def test_the_template_imports_as_it_is(dispatcher, job_worker):
    template = dispatcher.get("/api/v1/orders/import/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(template.get_data(as_text=True))))
    assert [r["external_ref"] for r in rows] == ["ORDER-1001", "ORDER-1002", "RETURN-1003", "B2B-1004"]
    assert [r["type"] for r in rows] == ["", "", "return", "pickup_delivery"]
    lines = template.get_data(as_text=True).splitlines()
    pinned = "\n".join([lines[0], lines[1], lines[3]]).encode()  # the second and the pair have no pin
    job = _import(dispatcher, pinned, dry_run=True)
    assert job["status"] == "succeeded" and job["result"]["valid"] == 2, job


def test_own_header_names_are_matched_once_and_remembered(dispatcher, org, job_worker):
    day = tomorrow().isoformat()
    body = f"Order No,Street address,Latitude,Longitude,Day\nX-1,1 Rue Rachel,45.52,-73.58,{day}\n".encode()
    refused = _import(dispatcher, body, dry_run=True)
    assert refused["status"] == "failed"
    assert refused["error"]["message"].startswith("Missing column(s): address, external_ref. Match your columns")

    bad = dispatcher.put("/api/v1/orders/import/columns",
                         json={"columns": {"Order No": "external_ref", "Street address": "street"}})
    assert bad.status_code == 422 and "Street address" in bad.get_json()["fields"]
    twice = dispatcher.put("/api/v1/orders/import/columns",
                           json={"columns": {"Order No": "external_ref", "Ref": "external_ref"}})
    assert twice.status_code == 422 and "keep one" in twice.get_json()["fields"]["Ref"][0]

    saved = dispatcher.put("/api/v1/orders/import/columns", json={"columns": {
        "Order No": "external_ref", "Street address": "address", "Latitude": "lat", "Longitude": "lon",
        "Day": "delivery_date"}})
    assert saved.status_code == 200, saved.get_json()
    again = dispatcher.get("/api/v1/orders/import/columns").get_json()
    assert again["columns"]["street address"] == "address" and "address" in again["required"]
    job = _import(dispatcher, body, dry_run=False)
    assert job["status"] == "succeeded" and job["result"]["created"] == 1, job
    assert dispatcher.get("/api/v1/orders?external_ref=X-1").get_json()["items"][0]["address"] == "1 Rue Rachel"
    # Another organization keeps its own names.
    from tests.support import make_org

    other = make_org(org.app, "initech", 5145550300).as_role("dispatcher")
    assert other.get("/api/v1/orders/import/columns").get_json()["columns"] == {}


def test_problems_are_named_by_line_in_plain_words(dispatcher, job_worker):
    day = tomorrow().isoformat()
    body = ("external_ref,address,lat,lon,delivery_date,window_start,window_end\n"
            f"L-1,1 Rue Rachel,45.52,-73.58,{day},09:00,11:00\n"
            f"L-1,2 Rue Rachel,45.52,-73.58,{day},09:00,11:00\n"
            f"L-3,,45.52,-73.58,{day},09:00,11:00\n"
            f"L-4,4 Rue Rachel,45.52,-73.58,{day},13:00,12:00\n"
            f"L-5,5 Rue Rachel,45.52,-73.58,soon,,\n").encode()
    job = _import(dispatcher, body, dry_run=True)
    messages = {(e["line"], e["field"]): e["message"] for e in job["result"]["errors"]}
    assert messages[(3, "external_ref")] == "Same reference as line 2."
    assert messages[(4, "address")] == "The address is empty: every order needs one."
    assert messages[(5, "window_start")] == "The window ends before it starts."
    assert messages[(6, "delivery_date")] == "'soon' is not a date: write it as 2026-11-25."
