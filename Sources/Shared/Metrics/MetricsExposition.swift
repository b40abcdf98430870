/// `GET /metrics`: the snapshot in Prometheus text. Counters are summed over the processes of a
/// kind (they only grow, across respawns, so the sums are proper counters); gauges are labelled by
/// the process they describe.
public enum MetricsExposition {
    public static func render(_ m: MetricsSnapshot, roomNames: [String]) -> String {
        var out = PrometheusText()
        out.family("chatroom_connections", .gauge, "Open client connections by protocol (Socket.IO polling: sessions, which hold no socket between requests).")
        for proto in MetricsSnapshot.ConnectionKind.allCases { out.sample("chatroom_connections", [("protocol", proto.rawValue)], m.connections[proto] ?? 0) }
        out.family("chatroom_connection_capacity", .gauge, "Size of the shared connection table (--max-connections).")
        out.sample("chatroom_connection_capacity", [], m.capacity)
        counter(&out, "chatroom_connections_accepted_total", "Client connections accepted.", m.total(.connectionsAccepted, .worker))

        out.family("chatroom_room_members", .gauge, "Connections in each chat room.")
        for room in m.rooms { out.sample("chatroom_room_members", roomLabels(room.id, roomNames), room.members) }
        out.family("chatroom_room_messages_total", .counter, "Messages numbered in each chat room (its newest seq).")
        for room in m.rooms { out.sample("chatroom_room_messages_total", roomLabels(room.id, roomNames), room.lastSeq) }

        counter(&out, "chatroom_http_requests_total", "HTTP requests received.", m.total(.httpRequests, .worker))
        counter(&out, "chatroom_api_requests_total", "Requests to /api/.", m.total(.apiRequests, .worker))
        counter(&out, "chatroom_messages_received_total", "WebSocket data messages received from clients.", m.total(.messagesIn, .worker))
        counter(&out, "chatroom_chat_messages_total", "Chat messages accepted, numbered and sent to their room.", m.total(.messagesOut, .worker))
        counter(&out, "chatroom_deliveries_total", "Messages written to clients' queues by broadcasts.", m.total(.deliveries, .worker))
        counter(&out, "chatroom_messages_stored_total", "Chat messages written to PostgreSQL.", m.total(.messagesStored, .taskWorker))
        counter(&out, "chatroom_received_bytes_total", "Bytes read from clients.", m.total(.bytesIn, .worker))
        counter(&out, "chatroom_sent_bytes_total", "Bytes written to clients.", m.total(.bytesOut, .worker))
        counter(&out, "chatroom_peer_messages_total", "Messages received from other workers.", m.total(.peerMessagesIn, .worker))
        counter(&out, "chatroom_connections_handed_off_total", "Polling requests passed to the worker owning their session.", m.total(.connectionsHandedOff, .worker))

        counter(&out, "chatroom_jobs_submitted_total", "Jobs sent to task workers.", m.total(.jobsSubmitted, .worker))
        counter(&out, "chatroom_jobs_completed_total", "Jobs task workers carried out and acked.", m.total(.jobsCompleted, .taskWorker))
        out.family("chatroom_jobs_pending", .gauge, "Jobs a worker sent and has no ack for yet (its task queue).")
        for p in m.processes where p.kind == .worker { out.sample("chatroom_jobs_pending", [("worker", String(p.slot))], Double(p.gauge(.jobsPending))) }
        out.family("chatroom_task_backlog", .gauge, "Jobs a task worker received and has not acked yet.")
        for p in m.processes where p.kind == .taskWorker { out.sample("chatroom_task_backlog", [("task_worker", String(p.slot))], Double(p.gauge(.taskBacklog))) }
        let sizes = m.histogram(.batchSize)
        out.histogram("chatroom_batch_size", "Jobs per batch a task worker ran.", bounds: MetricHistogram.batchSize.bounds,
                      counts: sizes.buckets, sum: sizes.sum)
        let times = m.histogram(.batchSeconds)
        out.histogram("chatroom_batch_duration_seconds", "Time to run a batch: its database writes and their commit.",
                      bounds: MetricHistogram.batchSeconds.bounds, counts: times.buckets, sum: times.sum)

        out.family("chatroom_rejected_total", .counter, "Inputs refused, by reason.")
        for (reason, count) in m.rejections { out.sample("chatroom_rejected_total", [("reason", reason)], count) }

        out.family("chatroom_restarts_total", .counter, "Processes the master started again after they died.")
        out.sample("chatroom_restarts_total", [("role", "worker")], m.globals[.workerRestarts] ?? 0)
        out.sample("chatroom_restarts_total", [("role", "task_worker")], m.globals[.taskWorkerRestarts] ?? 0)
        counter(&out, "chatroom_reloads_total", "Reloads (chatroom reload).", m.globals[.reloads] ?? 0)
        out.family("chatroom_process_up", .gauge, "1 for each process slot held by a running process.")
        for p in m.processes {
            out.sample("chatroom_process_up", [("role", p.kind == .worker ? "worker" : "task_worker"), ("slot", String(p.slot))],
                       p.pid != 0 && p.state == .running ? 1 : 0)
        }
        out.family("chatroom_start_time_seconds", .gauge, "When the master started (Unix time).")
        out.sample("chatroom_start_time_seconds", [], Double(m.startedAtMs) / 1000)
        return out.text
    }

    private static func counter(_ out: inout PrometheusText, _ name: String, _ help: String, _ value: UInt64) {
        out.family(name, .counter, help)
        out.sample(name, [], value)
    }

    private static func roomLabels(_ id: Int, _ names: [String]) -> PrometheusText.Labels {
        [("room", String(id)), ("name", id <= names.count ? names[id - 1] : "")]
    }
}
