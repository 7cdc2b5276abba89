"""CSV import takes the three order types: a `type` column and the pickup end (pickup_address, its window, the
sender); bad rows are named by line and column in plain words, and the export gives them back."""
import csv
import io

from tests.orders.test_csv_import import _import
from tests.support import tomorrow

HEADER = ("external_ref,type,address,lat,lon,window_start,window_end,recipient_name,recipient_phone,"
          "pickup_address,pickup_lat,pickup_lon,pickup_window_start,pickup_window_end,pickup_name,pickup_phone,"
          "pickup_language,pickup_service_time_s,delivery_date\n")


def _file(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row},{tomorrow().isoformat()}\n" for row in rows)).encode()


GOOD = (
    "D-1,,4500 Rue Saint-Denis,45.5262,-73.5853,09:00,11:00,Camille,+15145550999,,,,,,,,,",
    "R-1,return,,,,,,,,350 Rue Rachel Est,45.523,-73.579,13:00,15:00,Noah Roy,+15145550145,en,240",
    "B-1,pickup-delivery,800 Rue de la Gauchetière,45.499,-73.566,14:00,17:00,Léa,+15145550167,"
    "5333 Avenue Casgrain,45.5275,-73.5955,09:00,12:00,Atelier Casgrain,+15145550189,fr,300",
)


def test_every_type_imports_and_exports(dispatcher, job_worker):
    job = _import(dispatcher, _file(*GOOD), dry_run=False)
    assert job["status"] == "succeeded" and job["result"]["created"] == 3, job
    orders = {o["external_ref"]: o for o in dispatcher.get("/api/v1/orders").get_json()["items"]}
    assert {ref: o["type"] for ref, o in orders.items()} == {"D-1": "delivery", "R-1": "return",
                                                               "B-1": "pickup_delivery"}
    assert orders["R-1"]["pickup"]["address"] == "350 Rue Rachel Est" and orders["R-1"]["pickup"]["service_time_s"] == 240
    assert orders["R-1"]["pickup"]["contact"]["name"] == "Noah Roy"
    assert orders["B-1"]["pickup"]["contact"]["language"] == "fr" and orders["B-1"]["recipient"]["name"] == "Léa"
    assert len(orders["B-1"]["pickup"]["time_windows"]) == 1 and orders["D-1"]["pickup"] is None

    exported = list(csv.DictReader(io.StringIO(dispatcher.get("/api/v1/orders/export.csv").get_data(as_text=True))))
    by_ref = {row["external_ref"]: row for row in exported}
    assert (by_ref["B-1"]["type"], by_ref["B-1"]["pickup_address"], by_ref["B-1"]["pickup_name"]) == \
        ("pickup_delivery", "5333 Avenue Casgrain", "Atelier Casgrain")
    assert by_ref["D-1"]["type"] == "delivery" and by_ref["D-1"]["pickup_address"] == ""


def test_bad_rows_name_the_line_and_the_column(dispatcher, job_worker):
    body = _file(
        "X-1,teleport,4500 Rue Saint-Denis,45.5262,-73.5853,,,,,,,,,,,,,",
        "X-2,return,,,,,,,,,,,,,,,,",
        "X-3,pickup_delivery,800 Rue de la Gauchetière,45.499,-73.566,10:00,12:00,Léa,,"
        "5333 Avenue Casgrain,45.5275,-73.5955,09:00,15:00,,,,",
        "X-4,pickup_delivery,,,,,,,,5333 Avenue Casgrain,45.5275,-73.5955,09:00,12:00,,,,",
    )
    job = _import(dispatcher, body, dry_run=True)
    errors = {(e["line"], e["field"]): e["message"] for e in job["result"]["errors"]}
    assert "write delivery, return or pickup_delivery" in errors[(2, "type")], errors
    assert "needs its pickup address" in errors[(3, "pickup_address")], errors
    assert "closes after the delivery window" in errors[(4, "pickup_window_start")], errors
    assert errors[(5, "address")] == "The address is empty: every order needs one.", errors
    assert dispatcher.get("/api/v1/orders").get_json()["total"] == 0


def test_a_file_of_returns_needs_no_delivery_address_column(dispatcher, job_worker):
    body = ("external_ref,type,pickup_address,pickup_lat,pickup_lon,delivery_date\n"
            f"R-9,return,350 Rue Rachel Est,45.523,-73.579,{tomorrow().isoformat()}\n").encode()
    job = _import(dispatcher, body, dry_run=False)
    assert job["status"] == "succeeded" and job["result"]["created"] == 1, job
