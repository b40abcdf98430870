public enum HTTPHeadParseResult: Sendable {
    /// No blank line yet and no limit crossed: call again when more bytes have arrived.
    case needMore
    /// `headLength` bytes (leading empty lines, request line, headers, blank line) make the
    /// head; the body or the next pipelined request starts right after them.
    case complete(HTTPRequestHead, headLength: Int)
    /// Answer `error.status` and close the connection: the stream cannot be resynchronised.
    case failure(HTTPParseError)
}
