extension HTTPRequestHead {
    /// The request as bytes that `HTTPRequestHeadParser` reads back to the same head and body, for
    /// passing a request that was already read to another process (Engine.IO polling hand-off).
    /// The request line and header fields are kept as received, except that a chunked body is given
    /// with its decoded length and `Expect` is dropped (the reader already answered it).
    public func encodedRequest(body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + headers.count * 48 + body.count)
        out.append(contentsOf: method.rawValue.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: target.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: version.description.utf8)
        out.append(contentsOf: [13, 10])
        var hadLength = false
        for field in headers.fields {
            if HTTPGrammar.equalsIgnoringCase(field.name, "Content-Length") || HTTPGrammar.equalsIgnoringCase(field.name, "Transfer-Encoding") {
                hadLength = true
                continue
            }
            if HTTPGrammar.equalsIgnoringCase(field.name, "Expect") { continue }
            out.append(contentsOf: field.name.utf8)
            out.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
            out.append(contentsOf: field.value.utf8)
            out.append(contentsOf: [13, 10])
        }
        if hadLength || !body.isEmpty {
            out.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8)
        }
        out.append(contentsOf: [13, 10])
        out.append(contentsOf: body)
        return out
    }
}
