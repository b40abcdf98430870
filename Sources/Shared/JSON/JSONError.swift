/// Why a JSON text was refused, and the byte offset where the parser noticed.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case unexpectedEnd
        /// A byte that cannot start or continue a value here.
        case unexpectedByte(UInt8)
        case invalidNumber
        /// A number too large for a Double (JSON.parse would give Infinity, which cannot be written back).
        case numberOutOfRange
        case invalidEscape
        case invalidUnicodeEscape
        case invalidUTF8
        /// A raw byte below 0x20 inside a string; RFC 8259 requires it to be escaped.
        case controlCharacterInString
        case depthLimitExceeded
        /// Non-whitespace after the top-level value.
        case trailingData
    }

    public let offset: Int
    public let reason: Reason

    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        let what: String
        switch reason {
        case .unexpectedEnd: what = "unexpected end of input"
        case .unexpectedByte(let b): what = "unexpected byte 0x" + String(b, radix: 16)
        case .invalidNumber: what = "invalid number"
        case .numberOutOfRange: what = "number out of range"
        case .invalidEscape: what = "invalid escape sequence"
        case .invalidUnicodeEscape: what = "invalid \\u escape"
        case .invalidUTF8: what = "invalid UTF-8"
        case .controlCharacterInString: what = "unescaped control character in string"
        case .depthLimitExceeded: what = "nesting too deep"
        case .trailingData: what = "data after the JSON value"
        }
        return "JSON error at byte \(offset): \(what)"
    }
}
