"""The outbound guard (backend/outbound.py): no request the server makes may reach inside its own network.

Every test has a real HTTP server on loopback that plays the thing an attacker wants to reach (a cloud
metadata service, an admin port); the assertion that matters is always that it received nothing.
"""
from __future__ import annotations

import datetime as dt
import http.server
import ssl
import threading

import pytest
import requests

from backend import outbound
from tests.standins import StandIn

LOOPBACK_ALLOWED = outbound.Policy(allow_http=True, allowed_networks=outbound.parse_networks("127.0.0.1"))


def ok(record):
    return 200, {"secret": "internal"}, None


@pytest.fixture
def internal():
    """A service inside the network: the target of a server-side request forgery."""
    with StandIn(ok) as server:
        yield server


# --- the guard itself ---------------------------------------------------------------------------------

def test_plain_http_and_internal_addresses_are_refused_before_any_connection(internal):
    with pytest.raises(outbound.OutboundRefused, match="https"):
        outbound.get(internal.url + "/x", outbound.STRICT)
    with pytest.raises(outbound.OutboundRefused, match="loopback"):
        outbound.get(internal.url + "/x", outbound.Policy(allow_http=True))
    with pytest.raises(outbound.OutboundRefused, match="loopback"):
        outbound.get(internal.url.replace("127.0.0.1", "localhost") + "/x", outbound.Policy(allow_http=True))
    with pytest.raises(outbound.OutboundRefused, match="https"):
        outbound.get("file:///etc/passwd", LOOPBACK_ALLOWED)
    assert internal.requests == []
    assert outbound.get(internal.url + "/x", LOOPBACK_ALLOWED).json() == {"secret": "internal"}
    assert len(internal.requests) == 1


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.7", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "224.0.0.1", "240.0.0.1", "::1", "fe80::1",
                                     "fd00::1", "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::"])
def test_every_kind_of_non_public_address_is_refused(address):
    assert outbound.refusal_for_address(address, outbound.Policy(allow_http=True))
    assert outbound.refusal_for_address(address, outbound.Policy(
        allowed_networks=outbound.parse_networks("0.0.0.0/0,::/0"))) is None


def test_public_addresses_pass():
    for address in ("8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"):
        assert outbound.refusal_for_address(address, outbound.STRICT) is None


def test_redirects_are_never_followed(internal):
    with StandIn(lambda record: (302, b"", {"Location": internal.url + "/latest/meta-data/"})) as public:
        response = outbound.get(public.url + "/hook", LOOPBACK_ALLOWED)
        assert response.status_code == 302
    assert internal.requests == []


def test_dns_rebinding_cannot_swap_the_checked_address_for_another(monkeypatch):
    """The name answers a permitted address to the check and an internal one afterwards: the connection must
    go to the address that was checked. (127.0.0.2 plays the public address, allowed by the policy, so that
    no test leaves this machine; 127.0.0.1 is the internal service.)"""
    for _attempt in range(50):  # a port free on 127.0.0.2 may be taken on 127.0.0.1: try another
        public = StandIn(ok, host="127.0.0.2")
        try:
            internal = StandIn(ok, host="127.0.0.1", port=public.port)
            break
        except OSError:
            public.server.server_close()
    else:
        pytest.fail("no port free on both 127.0.0.1 and 127.0.0.2")
    with public, internal:
        answers = iter([["127.0.0.2"]])
        calls = []

        def rebinding_resolver(host, port):
            calls.append(host)
            return next(answers, ["127.0.0.1"])

        monkeypatch.setattr(outbound, "resolve", rebinding_resolver)
        policy = outbound.Policy(allow_http=True, allowed_networks=outbound.parse_networks("127.0.0.2"))
        url = f"http://localhost:{public.port}/hook"  # localhost: what a second, system lookup would give
        assert outbound.post(url, policy, json={"a": 1}).status_code == 200
        assert len(public.requests) == 1 and public.requests[0]["headers"]["Host"] == f"localhost:{public.port}"
        assert calls == ["localhost"]  # one lookup for one connection
        with pytest.raises(outbound.OutboundRefused, match="127.0.0.1"):
            outbound.post(url, policy, json={"a": 2})  # now it answers the internal address: refused
        assert internal.requests == []


def _certificate(tmp_path, name: str):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_https_connects_to_the_checked_address_and_still_verifies_the_name(tmp_path, monkeypatch):
    """The socket goes to the pinned address, while TLS sends the name (SNI) and checks the certificate
    against it: pinning must not weaken https."""
    name = "push.lastmile-test.invalid"
    cert_path, key_path = _certificate(tmp_path, name)
    server_names = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    context.sni_callback = lambda sock, server_name, ctx: server_names.append(server_name)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setattr(outbound, "resolve", lambda host, port: ["127.0.0.1"])
        port = server.server_address[1]
        policy = outbound.Policy(allowed_networks=outbound.parse_networks("127.0.0.1"))
        response = outbound.post(f"https://{name}:{port}/send", policy, data=b"x", verify=str(cert_path))
        assert response.status_code == 201 and server_names == [name]
        with pytest.raises(requests.exceptions.SSLError):  # another name on the same address: not this certificate
            outbound.post(f"https://other.lastmile-test.invalid:{port}/send", policy, data=b"x", verify=str(cert_path))
    finally:
        server.shutdown()
        server.server_close()


def test_check_url_refuses_at_registration_what_sending_would_refuse():
    for url in ("http://127.0.0.1:5998/x", "https://169.254.169.254/latest/meta-data/", "https://[::1]/x",
                "https://localhost/x", "https://10.1.2.3/", "gopher://example.org/", "https:///nohost"):
        with pytest.raises(outbound.OutboundRefused):
            outbound.check_url(url, outbound.Policy(allow_http=True))
    with pytest.raises(outbound.OutboundRefused, match="https"):
        outbound.check_url("http://push.example.test/x", outbound.STRICT)
    # A name that does not resolve today is checked again at every send.
    outbound.check_url("https://push.example.test/x", outbound.STRICT)


def test_allowed_networks_are_parsed_strictly():
    assert outbound.parse_networks("10.0.0.0/8, 127.0.0.1;::1") == (
        outbound.parse_networks("10.0.0.0/8")[0], outbound.parse_networks("127.0.0.1/32")[0],
        outbound.parse_networks("::1/128")[0])
    from backend import config

    with pytest.raises(ValueError, match="OUTBOUND_ALLOWED_NETWORKS"):
        config.apply_derived({"OUTBOUND_ALLOWED_NETWORKS": "10.0.0.0/33", "MAX_UPLOAD_MB": 1,
                              "SQLALCHEMY_DATABASE_URI": "sqlite://"})


# --- every caller goes through it ---------------------------------------------------------------------

@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    from tests.conftest import base_config
    from tests.notify.conftest import NOTIFY_TEST_CONFIG

    return base_config(database_url, tmp_path / "instance", **NOTIFY_TEST_CONFIG)


@pytest.fixture
def closed_network(app):
    """The production default: https to public addresses only."""
    app.config.update(OUTBOUND_ALLOW_HTTP=False, OUTBOUND_ALLOWED_NETWORKS="")
    return app


@pytest.mark.sqlite_only
def test_push_endpoints_inside_the_network_are_refused_at_registration(closed_network, org, dispatcher):
    from tests.notify.standins import Browser

    app = closed_network
    order = dispatcher.post("/api/v1/orders", json=_order()).get_json()
    browser = Browser()
    keys = {"p256dh": browser.p256dh, "auth": browser.auth}
    driver = org.as_role("driver")
    for endpoint in ("http://127.0.0.1:5998/x", "https://169.254.169.254/latest/meta-data/", "https://[::1]:8443/x",
                     "https://localhost/push", "https://10.0.0.1/push", "http://push.example.test/plain-http"):
        by_link = app.test_client().post(f"/api/v1/track/{order['tracking_token']}/push-subscription",
                                         json={"endpoint": endpoint, "keys": keys})
        assert by_link.status_code == 422, (endpoint, by_link.get_json())
        assert by_link.get_json()["error"]["fields"]["endpoint"], endpoint
        by_driver = driver.post("/api/v1/push/subscriptions", json={"endpoint": endpoint, "keys": keys})
        assert by_driver.status_code == 422, endpoint
    good = {"endpoint": "https://push.example.test/send/abc", "keys": keys}
    assert driver.post("/api/v1/push/subscriptions", json=good).status_code == 201


@pytest.mark.sqlite_only
def test_a_push_endpoint_that_became_internal_is_not_reached_and_is_dropped(app, dispatcher, internal):
    """Registered while the operator allowed loopback, sent after that was withdrawn."""
    from tests.notify.helpers import deliver, outbox
    from tests.notify.standins import Browser

    browser = Browser()
    order = dispatcher.post("/api/v1/orders", json=_order()).get_json()
    subscription = {"endpoint": internal.url + "/push/phone", "keys": {"p256dh": browser.p256dh, "auth": browser.auth}}
    assert app.test_client().post(f"/api/v1/track/{order['tracking_token']}/push-subscription",
                                  json=subscription).status_code == 201
    app.config.update(OUTBOUND_ALLOWED_NETWORKS="")
    _dispatch(app, order["id"])
    deliver(app)
    [row] = outbox(app, channel="push")
    assert row["status"].value == "failed" and "loopback" in row["last_error"]
    assert internal.requests == []
    from backend.extensions import db
    from backend.notify.models import PushSubscription

    with app.app_context():
        assert db.session.query(PushSubscription).count() == 0


@pytest.mark.sqlite_only
def test_webhooks_inside_the_network_are_refused_when_registered_and_when_sent(app, admin, dispatcher, internal):
    from tests.notify.helpers import deliver, outbox

    app.config.update(OUTBOUND_ALLOWED_NETWORKS="")
    refused = admin.post("/api/v1/webhooks", json={"url": internal.url + "/hook", "event_types": ["*"]})
    assert refused.status_code == 422 and "loopback" in refused.get_json()["error"]["fields"]["url"][0]
    app.config.update(OUTBOUND_ALLOWED_NETWORKS="127.0.0.1")
    hook = admin.post("/api/v1/webhooks", json={"url": internal.url + "/hook", "event_types": ["*"]}).get_json()
    assert admin.patch(f"/api/v1/webhooks/{hook['id']}", json={"url": "https://169.254.169.254/"}).status_code == 422
    app.config.update(OUTBOUND_ALLOWED_NETWORKS="")
    dispatcher.post("/api/v1/orders", json=_order())
    deliver(app)
    [row] = outbox(app, channel="webhook")
    assert row["status"].value == "failed" and row["attempts"] == 1 and "loopback" in row["last_error"]
    assert internal.requests == []
    app.config.update(OUTBOUND_ALLOWED_NETWORKS="127.0.0.1")
    dispatcher.post("/api/v1/orders", json=_order("ORD-2"))
    deliver(app)
    assert len(internal.requests) == 1  # allowed by the operator: delivered


def osrm_standin(record):
    from urllib.parse import unquote

    points = unquote(record["path"]).rsplit("/", 1)[-1].split(";")
    if record["path"].startswith("/table/"):
        return 200, {"code": "Ok", "durations": [[60] * len(points)] * len(points),
                     "distances": [[500] * len(points)] * len(points)}, None
    return 200, {"code": "Ok", "routes": [{"distance": 500, "duration": 60, "legs": [{"steps": []}],
                                           "geometry": {"type": "LineString", "coordinates": []}}]}, None


@pytest.mark.sqlite_only
def test_osrm_and_geocoder_configured_inside_the_network_are_not_reached_unless_allowed(app_config):
    from backend import create_app
    from tests.dispatch.helpers import make_orders, make_route
    from tests.support import make_org

    with StandIn(osrm_standin) as osrm, StandIn(ok) as geocoder:
        app_config.update(OSRM_URL=osrm.url, GEOCODER_URL=geocoder.url, OUTBOUND_ALLOWED_NETWORKS="")
        app = create_app(app_config)
        org = make_org(app, "closed", 5145550900)
        dispatcher = org.as_role("dispatcher")
        ids = make_orders(dispatcher, 2)
        planned = dispatcher.post("/api/v1/routes", json={"date": "2030-01-02", "order_ids": ids})
        assert planned.status_code == 503 and "refused" in planned.get_json()["error"]["message"]
        located = dispatcher.post("/api/v1/orders", json=_order("G-1", address="1 Rue Sans Coordonnées", lat=None,
                                                                lon=None))
        assert located.status_code == 422 and "refused" in located.get_json()["error"]["fields"]["address"][0]
        assert osrm.requests == [] and geocoder.requests == []

        app.config.update(OUTBOUND_ALLOWED_NETWORKS="127.0.0.1")
        route = make_route(dispatcher, org, ids, publish=True)
        stop = route["stops"][0]
        app.config.update(OUTBOUND_ALLOWED_NETWORKS="")
        directions = org.as_role("driver").get(f"/api/v1/driver/directions?stop_id={stop['id']}&lat=45.5&lon=-73.6")
        assert directions.status_code == 200 and directions.get_json()["fallback_reason"] == "osrm_refused"
        assert all(r["path"].startswith("/table/") for r in osrm.requests)  # the plan, made while allowed


@pytest.mark.sqlite_only
def test_the_vroom_endpoint_takes_no_url_from_the_request(dispatcher, internal):
    problem = {"vehicles": [{"id": 1, "start": [2.3, 48.8]}], "jobs": [{"id": 1, "location": [2.31, 48.81]}],
               "options": {"osrm_url": internal.url}}
    response = dispatcher.post("/api/v1/vroom", json=problem)
    assert response.status_code == 400 and response.get_json()["code"] == 2
    assert "osrm_url" in response.get_json()["error"]
    assert internal.requests == []


def _order(ref: str = "ORD-1", **overrides) -> dict:
    from tests.support import order_payload

    return order_payload(ref, **overrides)


def _dispatch(app, order_id: int) -> None:
    from backend.orders.enums import OrderStatus as S
    from tests.notify.helpers import move

    move(app, order_id, S.planned, S.dispatched)
