/// A close status code (RFC 6455 section 7.4). A struct rather than an enum because peers may send
/// any registered or private code, and those must round-trip.
public struct WebSocketCloseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let normal = WebSocketCloseCode(1000)
    public static let goingAway = WebSocketCloseCode(1001)
    public static let protocolError = WebSocketCloseCode(1002)
    public static let unsupportedData = WebSocketCloseCode(1003)
    public static let invalidPayload = WebSocketCloseCode(1007)
    public static let policyViolation = WebSocketCloseCode(1008)
    public static let messageTooBig = WebSocketCloseCode(1009)
    public static let mandatoryExtension = WebSocketCloseCode(1010)
    public static let internalError = WebSocketCloseCode(1011)
    public static let serviceRestart = WebSocketCloseCode(1012)
    public static let tryAgainLater = WebSocketCloseCode(1013)

    /// Whether a peer may put `code` in a close frame. 1004 is reserved, 1005 and 1006 only ever
    /// stand for "no code" and "dropped" locally, 1015 is TLS-local; 1016–2999 are unassigned and
    /// 3000–4999 belong to libraries and applications. Same rule as node's `ws`, which passes
    /// Autobahn 7.7.* and 7.9.*.
    public static func isValidOnWire(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    public var isValidOnWire: Bool { Self.isValidOnWire(rawValue) }

    public var description: String { String(rawValue) }
}
