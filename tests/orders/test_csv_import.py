"""CSV import runs as a background job on a real worker; bad rows are reported by line and column."""
import codecs
import json
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
    """A file refused whole is a failed job with the reason, not a success with an error inside."""
    job = _import(dispatcher, b"ref;where\n1;2\n", dry_run=True)
    assert job["status"] == "failed" and job["error"]["code"] == "file_refused", job
    assert "external_ref" in job["error"]["message"] and job["result"] is None
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
    assert job["status"] == "failed" and job["error"]["code"] == "file_refused", job
    assert "3 rows" in job["error"]["message"] and "IMPORT_MAX_ROWS" in job["error"]["message"]
    assert dispatcher.get("/api/v1/orders").get_json()["total"] == 0


def test_a_50000_row_file_fails_at_once_and_leaves_no_copy_in_the_job_record(app, dispatcher, job_worker, day):
    from backend.extensions import db
    from backend.jobs import inputs
    from backend.jobs.models import Job

    body = _csv(*(f"M-{i},{i} Rue Saint-Denis,45.51,-73.57,{day},09:00,11:00,Ana Tremblay,+15145550001,P{i},,no"
                  for i in range(50000)))
    assert len(body) > 4_000_000
    started = time.monotonic()
    job = _import(dispatcher, body, dry_run=True)
    assert job["status"] == "failed" and "50000 rows" in job["error"]["message"], job
    assert job["progress"] < 0.5 and time.monotonic() - started < 20  # refused before checking 20,000 rows
    with app.app_context():
        payload = db.session.get(Job, job["id"]).payload
        assert len(json.dumps(payload)) < 500 and payload["files"] == {"csv": {"bytes": len(body)}}, payload
        with pytest.raises(inputs.InputMissing):
            inputs.read(job["id"], "csv")  # the upload is gone with the job
        db.session.remove()


def test_an_unbalanced_quote_is_reported_with_its_line_not_swallowed(dispatcher, job_worker, day):
    good = f"{{ref}},1 Rue Saint-Denis,45.51,-73.57,{day},09:00,11:00,Ana,+15145550001,,,no"
    body = "\n".join([
        HEADER, good.format(ref="Q-1"),
        f'Q-2,"2 Rue ""Jarry"" Est\nbureau 2",45.54,-73.61,{day},09:00,11:00,Di,,,,',  # a real two-line cell
        f'Q-3,"3 Rue Rachel,45.52,-73.57,{day},09:00,11:00,Bo,+15145550002,,,no',  # line 5: the stray quote
        good.format(ref="Q-4"),
        f'Q-5,"7 Rue Masson, app 3",45.53,-73.58,{day},09:00,11:00,Cy,,,,',  # its quote closes line 5's
        good.format(ref="Q-6")]) + "\n"
    job = _import(dispatcher, body.encode(), dry_run=True)
    assert job["status"] == "succeeded", job
    result = job["result"]
    [error] = result["errors"]
    assert error["line"] == 5 and error["field"] == "_row" and "quote" in error["message"], error
    assert "lines 5–7" in error["message"], error  # what it swallowed is named, not lost silently
    assert result["valid"] == 3 and result["invalid"] == 1, result
    assert [p["external_ref"] for p in result["preview"]] == ["Q-1", "Q-2", None, "Q-6"]


def test_a_quote_closed_on_a_later_line_is_reported(dispatcher, job_worker, day):
    """The record even has the right number of cells: the swallowed row shows in the cell that ate it."""
    body = _csv(f'W-1,"1 Rue Saint-Denis,45.51,-73.57,{day},09:00,11:00,Ana,+15145550001,,,no',
                f'W-2,2 Rue Rachel",45.52,-73.57,{day},09:00,11:00,Bo,,,,',
                f"W-3,3 Rue Masson,45.53,-73.58,{day},09:00,11:00,Cy,,,,")
    job = _import(dispatcher, body, dry_run=True)
    [error] = job["result"]["errors"]
    assert error["line"] == 2 and "lines 2–3" in error["message"], error
    assert job["result"]["valid"] == 1


def test_a_quote_never_closed_is_reported_not_read_to_the_end(dispatcher, job_worker, day):
    body = _csv(f"U-1,1 Rue Saint-Denis,45.51,-73.57,{day},09:00,11:00,Ana,+15145550001,,,no",
                f'U-2,"2 Rue Rachel,45.52,-73.57,{day},09:00,11:00,Bo,,,,',
                f"U-3,3 Rue Masson,45.53,-73.58,{day},09:00,11:00,Cy,,,,")
    job = _import(dispatcher, body, dry_run=True)
    [error] = job["result"]["errors"]
    assert error["line"] == 3 and "never closed" in error["message"], error


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig", "utf-16-le"])
def test_unicode_files_with_or_without_a_byte_order_mark(dispatcher, job_worker, day, encoding):
    text = (f"external_ref;address;lat;lon;delivery_date;time_windows;recipient_name\n"
            f"V-1;12 Rue Lévis;45,5;-73,6;{day};09:00-11:00;Hélène Côté\n"
            f"V-2;3 Chemin de la Côte-des-Neiges;45,49;-73,61;{day};13:00-15:00;Zoë Łukasz\n")
    raw = text.encode(encoding)
    if encoding == "utf-16-be":
        raw = codecs.BOM_UTF16_BE + raw
    job = _import(dispatcher, raw, dry_run=False)
    assert job["status"] == "succeeded" and job["result"]["created"] == 2, job
    names = {o["external_ref"]: o["recipient"]["name"] for o in dispatcher.get("/api/v1/orders").get_json()["items"]}
    assert names == {"V-1": "Hélène Côté", "V-2": "Zoë Łukasz"}


def test_a_code_page_other_than_windows_1252_is_detected(dispatcher, job_worker, day):
    text = (f"external_ref,address,lat,lon,delivery_date,window_start,window_end,recipient_name\n"
            f"R-1,ул. Ленина 5,45.5,-73.6,{day},09:00,11:00,Иван Петров\n"
            f"R-2,проспект Мира 10,45.51,-73.61,{day},09:00,11:00,Анна Смирнова\n")
    job = _import(dispatcher, text.encode("cp1251"), dry_run=False)
    assert job["status"] == "succeeded" and job["result"]["created"] == 2, job
    names = sorted(o["recipient"]["name"] for o in dispatcher.get("/api/v1/orders").get_json()["items"])
    assert names == ["Анна Смирнова", "Иван Петров"]


def test_a_nul_character_fails_the_import_with_its_line(dispatcher, job_worker, day):
    """A NUL in a cell would reach PostgreSQL and break the transaction: the file is refused, naming the line."""
    body = _csv(f"N-1,1 Rue Saint-Denis,45.51,-73.57,{day},09:00,11:00,Ana,+15145550001,,,no",
                f"N-2,2 Rue\x00Rachel,45.52,-73.57,{day},09:00,11:00,Bo,,,,")
    job = _import(dispatcher, body, dry_run=False)
    assert job["status"] == "failed" and job["error"]["code"] == "file_refused", job
    assert "Line 3" in job["error"]["message"] and "NUL" in job["error"]["message"]
    assert dispatcher.get("/api/v1/orders").get_json()["total"] == 0


def test_the_narrowed_schema_of_bulk_checks_loads_exactly_like_the_whole_one():
    """Bulk checks load each order with OrderInSchema narrowed to the fields it has (for speed): the data,
    defaults and refusals must be the whole schema's, for any mix of fields given."""
    import random

    from marshmallow import ValidationError

    from backend.orders.bulk import OrderValidator
    from backend.orders.schemas import OrderInSchema

    values = {
        "external_ref": ["R-1", "", "x" * 101], "address": ["1 Rue A", "ab"], "lat": [45.5, 95, "n"],
        "lon": [-73.5, None], "delivery_date": ["2026-12-01", "tomorrow"], "depot_id": [1, 0, None],
        "time_windows": [[{"start": "09:00", "end": "11:00"}], [{"start": "9"}], []],
        "recipient": [{"name": "Ana", "phone": "+15145550001"}, {"name": ""}, None, {"name": "B", "email": "b@x.test"}],
        "recipient_id": [None, 3], "parcels": [["P1", "P2"], ["P1", "P1"]], "parcel_count": [2, -1],
        "priority": [0, 101], "notes": ["ring", 5], "requires_id_check": [True, "maybe"], "min_age": [18, 0],
        "cod_amount_cents": [1250, -5], "service_time_s": [60, 99999], "unknown_column": ["ignored"],
    }
    whole, narrowed, rng = OrderInSchema(), OrderValidator(1), random.Random(7)

    def outcome(load, raw):
        try:
            return "loaded", load(raw)
        except ValidationError as exc:
            return "refused", exc.messages

    loaded = 0
    for _ in range(1000):
        # Mostly the first (valid) value, so that many orders load and the defaults are compared too.
        raw = {name: options[0] if rng.random() < 0.95 else rng.choice(options)
               for name, options in values.items() if rng.random() < 0.5}
        expected = outcome(whole.load, raw)
        assert outcome(narrowed._load, raw) == expected, raw
        loaded += expected[0] == "loaded"
    assert loaded > 60
