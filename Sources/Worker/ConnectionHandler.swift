/// The protocol spoken on a connection: HTTP until an upgrade, then WebSocket. The connection does
/// the socket I/O; the handler turns bytes into actions.
protocol ConnectionHandler: AnyObject {
    /// Consumes what it can of `bytes` (complete requests/frames) and returns how many bytes it
    /// used; the rest is kept and offered again with more. It may replace `connection.handler`
    /// (upgrade), in which case the connection offers the remaining bytes to the new handler.
    func consume(_ bytes: UnsafeMutableRawBufferPointer, on connection: Connection) -> Int
    /// Once a second: timeouts, heartbeats.
    func tick(_ connection: Connection, now: Int64)
    /// The worker is stopping: finish gracefully (WebSocket close 1001, HTTP close after response).
    func shutdown(_ connection: Connection)
    /// The connection is gone (either side closed it); release what refers to it.
    func connectionClosed(_ connection: Connection)
    /// The protocol state a successor process needs to carry on, or nil while something is half
    /// done (a request body arriving, a fragmented message, a close handshake).
    func handOverSnapshot(_ connection: Connection) -> ConnectionSnapshot?
}
