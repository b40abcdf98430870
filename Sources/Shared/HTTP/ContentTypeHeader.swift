/// A parsed `Content-Type` value: `multipart/form-data; boundary="x y"` →
/// media type `multipart/form-data`, parameters `[("boundary", "x y")]`.
public struct ContentTypeHeader: Sendable {
    /// `type/subtype`, lowercased (media types are case-insensitive).
    public var mediaType: String
    /// In order; names lowercased, values as sent (unquoted).
    public var parameters: [(name: String, value: String)]

    public init(mediaType: String, parameters: [(name: String, value: String)] = []) {
        self.mediaType = mediaType
        self.parameters = parameters
    }

    /// Nil unless the value starts with `token/token`, or when a quoted value is unterminated.
    public static func parse(_ value: String) -> ContentTypeHeader? {
        var value = value
        return value.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> ContentTypeHeader? {
        var i = 0
        let count = bytes.count
        while i < count, HTTPGrammar.isWhitespace(bytes[i]) { i += 1 }
        let typeStart = i
        while i < count, HTTPGrammar.isTchar(bytes[i]) { i += 1 }
        guard i > typeStart, i < count, bytes[i] == HTTPGrammar.slash else { return nil }
        i += 1
        let subtypeStart = i
        while i < count, HTTPGrammar.isTchar(bytes[i]) { i += 1 }
        guard i > subtypeStart else { return nil }
        let typeEnd = i
        while i < count, HTTPGrammar.isWhitespace(bytes[i]) { i += 1 }
        guard i == count || bytes[i] == HTTPGrammar.semicolon else { return nil }
        guard let parameters = HTTPHeaderParameters.parse(bytes, from: i) else { return nil }
        return ContentTypeHeader(mediaType: HTTPGrammar.lowercased(HTTPGrammar.string(bytes, typeStart..<typeEnd)),
                                 parameters: parameters)
    }

    /// First parameter called `name` (case-insensitive).
    public func parameter(_ name: String) -> String? {
        for parameter in parameters where HTTPGrammar.equalsIgnoringCase(parameter.name, name) { return parameter.value }
        return nil
    }

    public var boundary: String? { parameter("boundary") }

    /// Lowercased, since charset names are case-insensitive.
    public var charset: String? { parameter("charset").map(HTTPGrammar.lowercased) }

    public func hasMediaType(_ type: String) -> Bool { HTTPGrammar.equalsIgnoringCase(mediaType, type) }
}
