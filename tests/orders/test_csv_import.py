"""CSV import runs as a background job on a real worker; bad rows are reported by line and column."""
import time

import pytest

from tests.support import tomorrow

HEADER = "external_ref,address,lat,lon,delivery_date,window_start,window_end,recipient_name,recipient_phone,barcodes,cod_amount,requires_id_check"


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _import(api, body: bytes, **params):
    query = "&".join(f"{k}={str(v).lower()}" for k, v in params.items())
    response = api.post(f"/api/v1/orders/import?{query}", data=body, headers={"Content-Type": "text/csv"})
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = api.get(f"/api/v1/jobs/{job_id}").get_json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    pytest.fail(f"import job still {job['status']}")


@pytest.fixture
def day():
    return tomorrow().isoformat()


def test_dry_run_reports_every_bad_row_and_imports_nothing(dispatcher, job_worker, day):
    body = _csv(
        f"C-1,1 Rue Saint-Denis,45.51,-73.57,{day},09:00,11:00,Ana,+15145550001,P1;P2,12.50,no",
        f"C-2,2 Rue Rachel,north,-73.57,{day},09:00,11:00,Bo,+15145550002,,,",
        f"C-3,3 Rue Masson,45.53,-73.58,{day},13:00,12:00,Cy,12,,abc,maybe",
        f"C-1,4 Rue Jarry,45.54,-73.61,{day},09:00,11:00,Di,,,,",
        f",5 Avenue Papineau,95,-73.56,{day},,,,,,,",
    )
    job = _import(dispatcher, body, dry_run=True)
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert result["imported"] is False and result["rows"] == 5
    assert result["valid"] == 1 and result["invalid"] == 4
    by_line = {}
    for error in result["errors"]:
        by_line.setdefault(error["line"], set()).add(error["field"])
    assert by_line[3] == {"lat"}
    assert {"recipient_phone", "cod_amount", "requires_id_check"} <= by_line[4]
    assert by_line[5] == {"external_ref"}
    assert {"external_ref", "lat"} <= by_line[6]
    assert dispatcher.get("/api/v1/orders").get_json()["total"] == 0


def test_a_dirty_file_imports_nothing_unless_bad_rows_are_skipped(dispatcher, job_worker, day):
    body = _csv(f"D-1,1 Rue Saint-Denis,45.51,-73.57,{day},09:00,11:00,Ana,+15145550001,P1;P2,12.50,yes",
                f"D-2,2 Rue Rachel,45.52,-73.57,{day},11:00,09:00,Bo,,,,")
    refused = _import(dispatcher, body, dry_run=False)
    assert refused["result"]["imported"] is False
    assert refused["result"]["errors"][0]["line"] == 3 and refused["result"]["errors"][0]["field"] == "window_start"
    assert dispatcher.get("/api/v1/orders").get_json()["total"] == 0
    skipped = _import(dispatcher, body, dry_run=False, skip_invalid=True)
    assert skipped["result"]["imported"] is True
    assert skipped["result"]["created"] == 1 and skipped["result"]["skipped"] == 1
    order = dispatcher.get("/api/v1/orders?external_ref=D-1").get_json()["items"][0]
    assert order["cod_amount_cents"] == 1250 and order["requires_id_check"] is True
    assert [p["barcode"] for p in order["parcels"]] == ["P1", "P2"]
    assert order["time_windows"][0]["start"].startswith(day)
    # Importing the same file again changes nothing: references already there are reported as existing.
    again = _import(dispatcher, body, dry_run=False, skip_invalid=True)
    assert again["result"]["created"] == 0 and again["result"]["existing"] == 1


def test_file_level_problems(dispatcher, job_worker):
    job = _import(dispatcher, b"ref;where\n1;2\n", dry_run=True)
    assert "external_ref" in job["result"]["file_error"]
    empty = dispatcher.post("/api/v1/orders/import", data=b"", headers={"Content-Type": "text/csv"})
    assert empty.status_code == 422


def test_semicolon_and_windows_1252_files_from_spreadsheets(dispatcher, job_worker, day):
    text = (f"external_ref;address;lat;lon;delivery_date;time_windows;recipient_name\n"
            f"E-1;12 Rue Lévis;45,5;-73,6;{day};09:00-11:00|14:00-16:00;Hélène\n")
    job = _import(dispatcher, text.encode("cp1252"), dry_run=False)
    assert job["result"]["created"] == 1, job["result"]
    order = dispatcher.get("/api/v1/orders?external_ref=E-1").get_json()["items"][0]
    assert order["address"] == "12 Rue Lévis" and len(order["time_windows"]) == 2
    assert order["recipient"]["name"] == "Hélène"


def test_export_round_trips_through_import(dispatcher, job_worker, day, other_org):
    body = _csv(f"F-1,1 Rue Saint-Denis,45.51,-73.57,{day},09:00,11:00,Ana,+15145550001,P1;P2,12.50,no")
    _import(dispatcher, body, dry_run=False)
    exported = dispatcher.get("/api/v1/orders/export.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True)
    assert "F-1" in text and "P1;P2" in text
    job = _import(dispatcher, text.replace("F-1", "F-2").encode(), dry_run=False)
    assert job["result"]["created"] == 1, job["result"]["errors"]
    original, copy = (dispatcher.get(f"/api/v1/orders?external_ref={ref}").get_json()["items"][0] for ref in ("F-1", "F-2"))
    for field in ("time_windows", "lat", "lon", "cod_amount_cents", "parcel_count", "recipient", "depot_id"):
        assert copy[field] == original[field], field
    # The export names this organization's depot: another organization's import says so, line and column.
    refused = _import(other_org.as_role("dispatcher"), text.encode(), dry_run=True)
    assert refused["result"]["errors"] == [{"line": 2, "field": "depot_id", "message": "No such depot."}]


def test_files_over_the_row_limit_are_refused_whole(app, dispatcher, job_worker, day):
    app.config["IMPORT_MAX_ROWS"] = 2
    body = _csv(*(f"L-{i},{i} Rue Saint-Denis,45.51,-73.57,{day},09:00,11:00,Ana,,,," for i in range(3)))
    job = _import(dispatcher, body, dry_run=False, skip_invalid=True)
    assert "IMPORT_MAX_ROWS" in job["result"]["file_error"] and job["result"]["imported"] is False
    assert dispatcher.get("/api/v1/orders").get_json()["total"] == 0
