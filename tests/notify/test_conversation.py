"""An order's SMS conversation: customers' replies through Twilio's signed webhook, the dispatcher's answers
through the outbox and Twilio (a local stand-in), and texts from numbers nobody knows."""
from backend.orders.enums import OrderStatus as S
from tests.notify.helpers import create_order, deliver, move, outbox, set_org
from tests.notify.test_channels import _inbound, twilio  # noqa: F401  (the Twilio stand-in fixture)


def test_a_reply_joins_the_order_conversation_and_the_dispatcher_answers(app, org, dispatcher, twilio):  # noqa: F811
    order = create_order(dispatcher)
    move(app, order["id"], S.planned, S.dispatched)
    deliver(app)
    _inbound(app, {"From": "+15145550999", "To": "+15005550006", "Body": "Can you come after 5?",
                   "MessageSid": "SM100"})
    thread = dispatcher.get(f"/api/v1/orders/{order['id']}/conversation").get_json()
    assert thread["can_reply"] is True and thread["phone"] == "+15145550999"
    assert [(m["direction"], m["kind"]) for m in thread["messages"]] == [("out", "scheduled"), ("in", "customer_reply")]
    assert thread["messages"][1]["body"] == "Can you come after 5?"

    answer = dispatcher.post(f"/api/v1/orders/{order['id']}/conversation", json={"body": "Yes, we will <b>try</b>."})
    assert answer.status_code == 201, answer.get_json()
    deliver(app)
    assert twilio.accepted[-1]["To"] == "+15145550999" and twilio.accepted[-1]["Body"] == "Yes, we will <b>try</b>."
    thread = dispatcher.get(f"/api/v1/orders/{order['id']}/conversation").get_json()
    assert [(m["direction"], m["kind"]) for m in thread["messages"]] == [
        ("out", "scheduled"), ("in", "customer_reply"), ("out", "dispatcher_reply")]
    assert thread["messages"][-1]["by"] == "Dispatcher" and thread["messages"][-1]["status"] == "sent"
    # Another organization sees neither the conversation nor can it write into it.
    from tests.support import make_org

    other = make_org(app, "globex", 5145550200).as_role("dispatcher")
    assert other.get(f"/api/v1/orders/{order['id']}/conversation").status_code == 404
    assert other.post(f"/api/v1/orders/{order['id']}/conversation", json={"body": "hi"}).status_code == 404
    assert len(outbox(app, kind="dispatcher_reply")) == 1


def test_no_answer_to_a_customer_who_replied_stop(app, dispatcher, twilio):  # noqa: F811
    order = create_order(dispatcher)
    _inbound(app, {"From": "+15145550999", "To": "+15005550006", "Body": "STOP", "MessageSid": "SM1"})
    thread = dispatcher.get(f"/api/v1/orders/{order['id']}/conversation").get_json()
    assert thread["can_reply"] is False and "STOP" in thread["cannot_reply"]
    refused = dispatcher.post(f"/api/v1/orders/{order['id']}/conversation", json={"body": "Hello?"})
    assert refused.status_code == 409 and refused.get_json()["code"] == "opted_out"
    assert dispatcher.post(f"/api/v1/orders/{order['id']}/conversation", json={"body": ""}).status_code == 422
    assert outbox(app, kind="dispatcher_reply") == []


def test_a_recipient_never_texted_has_the_reply_on_their_latest_order(app, dispatcher, twilio):  # noqa: F811
    order = create_order(dispatcher)
    _inbound(app, {"From": "+15145550999", "To": "+15005550006", "Body": "Where is my parcel?", "MessageSid": "SM7"})
    thread = dispatcher.get(f"/api/v1/orders/{order['id']}/conversation").get_json()
    assert [m["body"] for m in thread["messages"]] == ["Where is my parcel?"]


def test_a_text_from_an_unknown_number_is_kept_and_shown(app, org, other_org, dispatcher, twilio):  # noqa: F811
    from backend.extensions import socketio
    from backend.realtime import rooms

    listener = socketio.test_client(app)
    socketio.server.enter_room(socketio.server.manager.sid_from_eio_sid(listener.eio_sid, "/"), rooms.dispatch(org.org_id))
    response = _inbound(app, {"From": "+33612345678", "To": "+15005550006", "Body": "Who is this?",
                              "MessageSid": "SM55"})
    assert response.status_code == 200
    listed = dispatcher.get("/api/v1/notify/inbound/unmatched").get_json()
    assert listed["total"] == 1 and listed["items"][0]["from_phone"] == "+33612345678"
    assert listed["items"][0]["body"] == "Who is this?"
    assert other_org.as_role("dispatcher").get("/api/v1/notify/inbound/unmatched").get_json()["total"] == 1
    alerts = [m["args"][0] for m in listener.get_received() if m["name"] == "alert"]
    assert [(a["kind"], a["from"], a["body"]) for a in alerts] == [("unmatched_reply", "+33612345678", "Who is this?")]
    listener.disconnect()
    # A practice organization (a trainee's sandbox) sees nothing of the real world.
    set_org(app, other_org.org_id, is_practice=True)
    assert other_org.as_role("dispatcher").get("/api/v1/notify/inbound/unmatched").get_json()["total"] == 0
