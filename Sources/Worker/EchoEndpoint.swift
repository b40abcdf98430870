import Shared

/// `/echo` (only with `--echo`): every message comes back unchanged. It exists for conformance
/// tests (Autobahn) and latency measurements.
final class EchoEndpoint: WebSocketEndpoint {
    func opened(_ session: WebSocketSession) {}

    func received(_ session: WebSocketSession, _ kind: WebSocketMessageKind, _ payload: WebSocketMessagePayload) {
        payload.withUnsafeBytes { bytes in
            session.send(WebSocketFrames.make(kind == .text ? .text : .binary, bytes))
        }
    }

    func closed(_ session: WebSocketSession) {}

    func handOverSnapshot(_ session: WebSocketSession) -> ConnectionSnapshot? { .webSocket(.echo) }
}
