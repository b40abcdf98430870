import Glibc
import Shared

// The one place a client socket gets its connection-table row, and with it its count against the
// client's address (`--max-connections-per-ip`, all workers together). The rule: a count belongs to
// the row that holds the socket and is given back when that row is freed (`connectionClosed`, or
// the master's reclaim after a crash). A socket that moves to another worker either keeps its row
// (`ConnectionTable.transfer`) or is adopted into a fresh row that re-counts it without the limit,
// since the row it left has already given its count back.

extension ReactorWorker {
    /// A row for `fd`, or nil after answering a refusal and closing `fd`. `adopted`: passed by
    /// another worker, already admitted there.
    func admit(_ fd: Int32, peer: SocketAddress, adopted: Bool) -> ConnectionHandle? {
        let limit = configuration.maxConnectionsPerIP
        let client = limit > 0 ? ClientAddress(peer).flatMap { $0.isProxyLoopback ? nil : $0 } : nil
        let outcome = context.region.connections.insert(worker: slot, fd: fd, state: ConnectionState.http.rawValue,
                                                       nowMs: UInt64(Clock.wallMilliseconds()),
                                                       client: client, limit: adopted ? 0 : limit)
        switch outcome {
        case .inserted(let row):
            return row
        case .tableFull:
            Log.warn("connection refused: connection table full",
                     ["peer": peer, "capacity": configuration.maxConnections, "adopted": adopted])
            refuse(fd, .serviceUnavailable, "server full: too many connections", retryAfter: 5)
        case .addressLimit:
            counters.add(.connectionsRefusedByAddress, 1)
            Log.info("connection refused: too many from its address", ["peer": peer, "limit": limit])
            refuse(fd, .tooManyRequests, "too many connections from your address", retryAfter: 10)
        }
        counters.add(.connectionsRefused, 1)
        return nil
    }

    /// A complete answer, then close. What the client already sent is read first, so that closing
    /// with unread bytes does not make the kernel reset the connection under the answer.
    private func refuse(_ fd: Int32, _ status: HTTPStatus, _ reason: String, retryAfter: Int) {
        var body: [UInt8] = Array("{\"error\":".utf8)
        JSONWriter.appendString(reason, into: &body)
        body.append(UInt8(ascii: "}"))
        let response = HTTPResponse.simple(status: status, contentType: "application/json", body: body,
                                           keepAlive: false, extraHeaders: ["Retry-After": String(retryAfter)])
        _ = read(fd, receiveBuffer.baseAddress, receiveBuffer.count)
        _ = response.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        shutdown(fd, Int32(SHUT_WR))
        Glibc.close(fd)
    }
}
