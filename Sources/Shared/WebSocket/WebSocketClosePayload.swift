/// Reads the body of a received close frame (RFC 6455 section 5.5.1): empty, or a 2-byte code
/// followed by a UTF-8 reason.
public enum WebSocketClosePayload {
    public enum Parsed: Equatable, Sendable {
        case noCode
        /// `reasonOffset` is where the reason starts in the payload (always 2).
        case code(WebSocketCloseCode, reasonOffset: Int)
        case invalid(WebSocketCloseCode, reason: String)
    }

    public static func parse(_ payload: UnsafeRawBufferPointer) -> Parsed {
        switch payload.count {
        case 0: return .noCode
        case 1: return .invalid(.protocolError, reason: "close frame with a 1-byte body")
        default: break
        }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard WebSocketCloseCode.isValidOnWire(code) else {
            return .invalid(.protocolError, reason: "invalid close code")
        }
        guard UTF8Validator.isValid(UnsafeRawBufferPointer(rebasing: payload[2...])) else {
            return .invalid(.invalidPayload, reason: "close reason is not valid UTF-8")
        }
        return .code(WebSocketCloseCode(code), reasonOffset: 2)
    }
}
