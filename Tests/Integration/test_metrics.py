"""GET /metrics: Prometheus text (read with the real parser from prometheus_client), aggregated over
every process from shared memory, with counters that match what the test did; `chatroom status
--json` carries the same numbers."""
import requests
from prometheus_client.parser import text_string_to_metric_families

from chat_fixtures import Eio4Client, chat_server, clients, make_user, receipt, text_payload  # noqa: F401
from conftest import wait_until


def scrape(server):
    response = requests.get(server.url("/metrics"), timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    samples = {}
    for family in families.values():
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return families, samples


def value(samples, metric, **labels):
    return samples[(metric, tuple(sorted(labels.items())))]


def test_metrics_count_what_the_clients_did(chat_server, clients):
    server = chat_server(workers=2, task_workers=1, message_rate=3)
    alice, bob = make_user(server, prefix="ma"), make_user(server, prefix="mb")
    a = clients.add(Eio4Client(server, token=alice.token))
    b = clients.add(Eio4Client(server, token=bob.token, transports=None))  # polling, then the upgrade
    for client, user in ((a, alice), (b, bob)):
        mark = client.mark()
        client.join(1, token=user.token)
        client.wait_for("room", since=mark)
    _, before = scrape(server)

    # 7 HTTP requests, counted exactly: both clients are on WebSocket by now, so nothing else
    # speaks HTTP; every scrape is a request too (the second counts itself, the first already was).
    wait_until(lambda: a.transport() == b.transport() == "websocket", message="both clients on WebSocket")
    _, quiet = scrape(server)
    for _ in range(7):
        assert requests.get(server.url("/health"), timeout=5).status_code == 200
    _, counted = scrape(server)
    assert counted[("chatroom_http_requests_total", ())] - quiet[("chatroom_http_requests_total", ())] == 8
    # 3 messages with receipts (the rate is 3/s with bursts of 6, so they pass).
    for i in range(3):
        assert receipt([a.call("message", text_payload(1, f"m{i}", alice.token))]) is not None
    b.wait_count("message", 3)
    # Refused inputs: an unknown room (invalid event), then a burst over the rate limit.
    mark = a.mark()
    a.emit("message", text_payload(99, "nowhere", alice.token))
    a.wait_for("error", since=mark)
    mark = a.mark()
    for i in range(12):
        a.emit("message", text_payload(1, f"burst{i}", alice.token))
    limited = wait_until(lambda: (n := len([e for e in a.received("error", since=mark) if "too many" in e["message"]]))
                         and n + len([m for m in a.received("message", since=mark) if m["msg"].startswith("burst")]) == 12 and n,
                         message="every burst message answered")
    burst_sent = 12 - limited
    wait_until(lambda: scrape(server)[1][("chatroom_messages_stored_total", ())] == 3 + burst_sent,
               message="messages stored")

    families, after = scrape(server)
    delta = {key: after[key] - before.get(key, 0) for key in after}
    assert delta[("chatroom_chat_messages_total", ())] == 3 + burst_sent
    # Each message reaches both members of room 1.
    assert delta[("chatroom_deliveries_total", ())] == 2 * (3 + burst_sent)
    assert value(after, "chatroom_messages_stored_total") == 3 + burst_sent
    assert after[("chatroom_room_messages_total", (("name", "room1"), ("room", "1")))] == 3 + burst_sent
    assert after[("chatroom_room_members", (("name", "room1"), ("room", "1")))] == 2
    assert after[("chatroom_room_members", (("name", "room2"), ("room", "2")))] == 0
    assert value(after, "chatroom_rejected_total", reason="rate_limited") == limited > 0
    assert value(after, "chatroom_rejected_total", reason="invalid_event") == 1
    assert value(after, "chatroom_connections", protocol="socketio_websocket") == 2
    assert value(after, "chatroom_connections", protocol="socketio_polling") == 0
    assert value(after, "chatroom_jobs_pending", worker="0") == 0 and value(after, "chatroom_jobs_pending", worker="1") == 0
    assert value(after, "chatroom_restarts_total", role="worker") == 0
    assert value(after, "chatroom_process_up", role="worker", slot="1") == 1

    # Histograms: cumulative buckets, +Inf = count = batches, the sizes add up to the jobs run.
    for name in ("chatroom_batch_size", "chatroom_batch_duration_seconds"):
        assert families[name].type == "histogram"
        buckets = [(s.labels["le"], s.value) for s in families[name].samples if s.name == name + "_bucket"]
        counts = [v for _, v in buckets]
        assert counts == sorted(counts) and buckets[-1][0] == "+Inf"
        assert buckets[-1][1] == value(after, name + "_count") > 0
    status = server.status()
    assert value(after, "chatroom_batch_size_count") == status["batches"]["count"]
    assert value(after, "chatroom_batch_size_sum") == value(after, "chatroom_jobs_completed_total") == status["batches"]["jobs"]

    # `status --json` reads the same shared memory.
    totals = lambda name, role="worker": sum(p["counters"][name] for p in status["processes"] if p["role"] == role)  # noqa: E731
    assert totals("deliveries") == value(after, "chatroom_deliveries_total")
    assert totals("messagesStored", "task") == value(after, "chatroom_messages_stored_total")
    assert status["rejected"]["rate_limited"] == limited
    assert status["rooms"][0] == {"id": 1, "name": "room1", "members": 2, "messages": 3 + burst_sent}
    assert status["connections_by_protocol"]["socketio_websocket"] == 2
    text = server.run("status", *server.common_args(), check=True).stdout
    assert f"room1 2 connected, {3 + burst_sent} messages" in text and f"rate_limited {limited}" in text


def test_metrics_can_be_turned_off(server_factory):
    server = server_factory(workers=1, args=["--metrics=false"]).start()
    assert requests.get(server.url("/metrics"), timeout=5).status_code == 404
    on = server_factory(workers=1).start()
    assert requests.post(on.url("/metrics"), timeout=5).status_code == 405
