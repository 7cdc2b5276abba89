"""Orders and routes carry an ETag; a write with If-Match is applied only while that tag is current."""
import pytest

from tests.dispatch.helpers import make_orders, make_route
from tests.support import order_payload


def test_an_order_write_against_a_stale_etag_is_refused_and_changes_nothing(dispatcher):
    created = dispatcher.post("/api/v1/orders", json=order_payload("E-1"))
    assert created.status_code == 201
    tag = created.headers["ETag"]
    order_id = created.get_json()["id"]
    assert dispatcher.get(f"/api/v1/orders/{order_id}").headers["ETag"] == tag

    refused = dispatcher.patch(f"/api/v1/orders/{order_id}", json={"notes": "ring twice"},
                               headers={"If-Match": '"nope"'})
    assert refused.status_code == 412, refused.get_json()
    assert refused.get_json()["code"] == "precondition_failed" and refused.headers["ETag"] == tag
    assert dispatcher.get(f"/api/v1/orders/{order_id}").get_json()["notes"] == ""

    changed = dispatcher.patch(f"/api/v1/orders/{order_id}", json={"notes": "ring twice"}, headers={"If-Match": tag})
    assert changed.status_code == 200 and changed.get_json()["notes"] == "ring twice"
    new_tag = changed.headers["ETag"]
    assert new_tag != tag and dispatcher.get(f"/api/v1/orders/{order_id}").headers["ETag"] == new_tag

    # The first tag is stale now: a second writer holding it loses, whatever the endpoint.
    for method, path, body in (("PATCH", "", {"notes": "lost update"}), ("POST", "/cancel", {"reason": "x"}),
                               ("PUT", "/pin", {"lat": 45.5, "lon": -73.6})):
        stale = dispatcher.request(method, f"/api/v1/orders/{order_id}{path}", json=body, headers={"If-Match": tag})
        assert stale.status_code == 412, (path, stale.get_json())
    after = dispatcher.get(f"/api/v1/orders/{order_id}").get_json()
    assert after["notes"] == "ring twice" and after["status"] == "created"

    # A weak tag never matches (If-Match compares strongly); "*" matches whatever the current version is.
    weak = dispatcher.patch(f"/api/v1/orders/{order_id}", json={"notes": "w"}, headers={"If-Match": f"W/{new_tag}"})
    assert weak.status_code == 412
    assert dispatcher.patch(f"/api/v1/orders/{order_id}", json={"notes": "any"},
                            headers={"If-Match": "*"}).status_code == 200
    # A change of what the order shows (its recipient) is a new version too.
    before = dispatcher.get(f"/api/v1/orders/{order_id}").headers["ETag"]
    recipient_id = after["recipient"]["id"]
    assert dispatcher.patch(f"/api/v1/recipients/{recipient_id}", json={"name": "Camille T."}).status_code == 200
    assert dispatcher.get(f"/api/v1/orders/{order_id}").headers["ETag"] != before


def test_a_route_write_against_a_stale_etag_is_refused(org, dispatcher):
    route = make_route(dispatcher, org, make_orders(dispatcher, 3))
    fetched = dispatcher.get(f"/api/v1/routes/{route['id']}")
    tag = fetched.headers["ETag"]
    stop_ids = [s["id"] for s in route["stops"]]

    reordered = dispatcher.put(f"/api/v1/routes/{route['id']}/sequence", json={"stop_ids": stop_ids[::-1]},
                               headers={"If-Match": tag})
    assert reordered.status_code == 200, reordered.get_json()
    assert reordered.headers["ETag"] != tag

    # Without a body version, If-Match alone protects the edit.
    stale = dispatcher.put(f"/api/v1/routes/{route['id']}/sequence", json={"stop_ids": stop_ids},
                           headers={"If-Match": tag})
    assert stale.status_code == 412 and stale.headers["ETag"] == reordered.headers["ETag"]
    assert [s["id"] for s in dispatcher.get(f"/api/v1/routes/{route['id']}").get_json()["stops"]] == stop_ids[::-1]
    refused = dispatcher.post(f"/api/v1/routes/{route['id']}/publish", headers={"If-Match": tag})
    assert refused.status_code == 412
    assert dispatcher.get(f"/api/v1/routes/{route['id']}").get_json()["status"] == "draft"
    published = dispatcher.post(f"/api/v1/routes/{route['id']}/publish",
                                headers={"If-Match": reordered.headers["ETag"]})
    assert published.status_code == 200 and published.get_json()["status"] == "published"

    # The driver's copy of the route carries the same tag.
    driver = org.as_role("driver")
    assert driver.get(f"/api/v1/driver/route?date={route['date']}").headers["ETag"] == published.headers["ETag"]


def test_if_match_on_another_organizations_order_is_still_not_found(dispatcher, other_org):
    theirs = other_org.as_role("dispatcher").post("/api/v1/orders", json=order_payload("THEIRS")).get_json()
    answer = dispatcher.patch(f"/api/v1/orders/{theirs['id']}", json={"notes": "x"}, headers={"If-Match": "*"})
    assert answer.status_code == 404


@pytest.mark.postgresql_only  # row locks are PostgreSQL's; SQLite has one writer at a time anyway
def test_two_writers_with_one_etag_cannot_both_win(database_url, org, dispatcher, monkeypatch):
    """The If-Match check holds the row until the write commits: the second writer waits, then sees the new tag."""
    import threading
    import time

    from backend.orders import service

    created = dispatcher.post("/api/v1/orders", json=order_payload("RACE"))
    order_id, tag = created.get_json()["id"], created.headers["ETag"]
    slow_update = service.update_order

    def update_slowly(*args, **kwargs):
        time.sleep(0.5)  # between the If-Match check and the commit
        return slow_update(*args, **kwargs)

    monkeypatch.setattr(service, "update_order", update_slowly)
    answers, sessions = {}, {note: org.as_role("dispatcher") for note in ("first", "second")}

    def write(note):
        answers[note] = sessions[note].patch(f"/api/v1/orders/{order_id}", json={"notes": note},
                                             headers={"If-Match": tag})

    writers = [threading.Thread(target=write, args=(note,)) for note in sessions]
    for writer in writers:
        writer.start()
        time.sleep(0.1)
    for writer in writers:
        writer.join(10)
    assert sorted(a.status_code for a in answers.values()) == [200, 412], {k: v.get_json() for k, v in answers.items()}
    winner = next(note for note, answer in answers.items() if answer.status_code == 200)
    assert dispatcher.get(f"/api/v1/orders/{order_id}").get_json()["notes"] == winner
