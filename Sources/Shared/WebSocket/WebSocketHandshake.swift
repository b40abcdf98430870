/// The outcome of checking an upgrade request.
public enum WebSocketHandshakeResult: Equatable, Sendable {
    /// Answer with `WebSocketHandshake.switchingProtocolsResponse(acceptKey:)`.
    case accept(acceptKey: String)
    /// Answer with this status and these headers, and keep speaking HTTP.
    case reject(status: Int, reason: String, extraHeaders: [(String, String)])

    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case let (.accept(a), .accept(b)):
            return a == b
        case let (.reject(s1, r1, h1), .reject(s2, r2, h2)):
            return s1 == s2 && r1 == r2 && h1.elementsEqual(h2, by: { $0.0 == $1.0 && $0.1 == $1.1 })
        default:
            return false
        }
    }
}

/// The server side of the opening handshake (RFC 6455 section 4.2), on header values the HTTP
/// parser has already extracted. No subprotocol or extension is ever negotiated.
public enum WebSocketHandshake {
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    public static let supportedVersion = "13"

    /// Header values are as received (nil when absent); several headers of one name should be
    /// joined with ", " as HTTP allows.
    public static func validate(method: String, httpVersion: (major: Int, minor: Int),
                                upgrade: String?, connection: String?,
                                secWebSocketVersion: String?, secWebSocketKey: String?) -> WebSocketHandshakeResult {
        guard method == "GET" else { return .reject(status: 400, reason: "WebSocket upgrade needs GET", extraHeaders: []) }
        guard httpVersion.major > 1 || (httpVersion.major == 1 && httpVersion.minor >= 1) else {
            return .reject(status: 400, reason: "WebSocket upgrade needs HTTP/1.1", extraHeaders: [])
        }
        guard let upgrade else {
            // A plain request to a WebSocket endpoint: 426 tells the client what to speak.
            return .reject(status: 426, reason: "WebSocket upgrade required", extraHeaders: [("Upgrade", "websocket")])
        }
        guard containsToken(upgrade, "websocket") else {
            return .reject(status: 400, reason: "Upgrade header does not name websocket", extraHeaders: [])
        }
        guard let connection, containsToken(connection, "upgrade") else {
            return .reject(status: 400, reason: "Connection header lacks the upgrade token", extraHeaders: [])
        }
        guard let secWebSocketVersion, trimmed(secWebSocketVersion) == supportedVersion else {
            return .reject(status: 426, reason: "unsupported WebSocket version",
                           extraHeaders: [("Sec-WebSocket-Version", supportedVersion)])
        }
        guard let secWebSocketKey, Base64.decode(trimmed(secWebSocketKey))?.count == 16 else {
            return .reject(status: 400, reason: "missing or invalid Sec-WebSocket-Key", extraHeaders: [])
        }
        return .accept(acceptKey: acceptKey(for: trimmed(secWebSocketKey)))
    }

    /// base64(SHA-1(key + GUID)), the Sec-WebSocket-Accept value for a Sec-WebSocket-Key.
    public static func acceptKey(for key: String) -> String {
        Base64.encode(SHA1.hash(key + guid))
    }

    /// The whole `101 Switching Protocols` response head, ending with the blank line. Extra
    /// header names and values must not contain CR or LF.
    public static func switchingProtocolsResponse(acceptKey: String, extraHeaders: [(String, String)] = []) -> [UInt8] {
        var head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
        head += acceptKey
        head += "\r\n"
        for (name, value) in extraHeaders {
            precondition(!(name + value).utf8.contains(where: { $0 == 13 || $0 == 10 }), "CR or LF in a response header")
            head += name + ": " + value + "\r\n"
        }
        head += "\r\n"
        return Array(head.utf8)
    }

    /// Whether a comma-separated header value lists `token` (ASCII case-insensitive), e.g.
    /// `Connection: keep-alive, Upgrade`.
    static func containsToken(_ value: String, _ token: String) -> Bool {
        value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true).contains { element in
            let item = trimmedBytes(element)
            return item.count == token.utf8.count
                && zip(item, token.utf8).allSatisfy { asciiLowercased($0) == asciiLowercased($1) }
        }
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    private static func isOptionalWhitespace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == 9 }

    private static func trimmedBytes(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        var slice = bytes
        while let first = slice.first, isOptionalWhitespace(first) { slice = slice.dropFirst() }
        while let last = slice.last, isOptionalWhitespace(last) { slice = slice.dropLast() }
        return slice
    }

    private static func trimmed(_ value: String) -> String {
        String(decoding: trimmedBytes(Substring(value).utf8), as: UTF8.self)
    }
}
