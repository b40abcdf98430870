import Glibc
import Shared

/// `/echo.io/` (with `--echo`): every event comes back to its sender with the same name and
/// arguments, and an event that asks for an ack is acked with its arguments. For tests, a few
/// names do more:
/// - `whoami`: answered (emit and ack) with `{"sid","worker","pid","version","polling"}` instead;
/// - `broadcast`: the event goes, encoded once, to every echo socket of this worker;
/// - `disconnect_me`: the server disconnects the socket (`41`); `close_me`: it drops the transport.
final class SocketIOEchoApplication: SocketIOApplication {
    private var sockets: [ObjectIdentifier: SocketIOSocket] = [:]

    func socketConnected(_ socket: SocketIOSocket, auth: JSONValue?) {
        sockets[ObjectIdentifier(socket)] = socket
        if let auth, auth.objectValue?.isEmpty == false { socket.emit("auth", auth) }
    }

    func socketEvent(_ socket: SocketIOSocket, name: String, arguments: [JSONValue], ackID: UInt64?) {
        switch name {
        case "whoami":
            let info: JSONValue = .object(["sid": .string(socket.id), "worker": .int(Int64(socket.workerSlot)),
                                           "pid": .int(Int64(getpid())),
                                           "version": .int(Int64(socket.version.rawValue)), "polling": .bool(socket.isPolling)])
            socket.emit(name, info)
            if let ackID { socket.ack(ackID, [info]) }
        case "broadcast":
            let packet = OutgoingPacket.event(name, arguments: arguments)
            for member in sockets.values { member.send(packet) }
            if let ackID { socket.ack(ackID, [.int(Int64(sockets.count))]) }
        case "disconnect_me":
            socket.disconnect()
        case "close_me":
            socket.close()
        default:
            socket.emit(name, arguments: arguments)
            if let ackID { socket.ack(ackID, arguments) }
        }
    }

    func socketDisconnected(_ socket: SocketIOSocket, reason: String) {
        sockets[ObjectIdentifier(socket)] = nil
    }

    func socketTransportChanged(_ socket: SocketIOSocket) {}
    func canHandOver(_ socket: SocketIOSocket) -> Bool { true }
    func handOverSnapshot(_ socket: SocketIOSocket) -> ChatSnapshot? { nil }
    func restore(_ socket: SocketIOSocket, _ snapshot: ChatSnapshot?) { sockets[ObjectIdentifier(socket)] = socket }
}
