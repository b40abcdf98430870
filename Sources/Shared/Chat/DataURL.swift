/// `data:<mime>;base64,<payload>` as the tutorial's client sends image messages.
public enum DataURL {
    public enum Failure: Error, Equatable { case notADataURL, notBase64, tooLarge }

    /// The decoded bytes; `maxBytes` is checked before decoding, from the encoded length.
    public static func decodeBase64(_ text: String, maxBytes: Int) -> Result<[UInt8], Failure> {
        var utf8 = text.utf8[...]
        guard utf8.starts(with: "data:".utf8), let comma = utf8.firstIndex(of: UInt8(ascii: ",")) else {
            return .failure(.notADataURL)
        }
        let header = utf8[utf8.index(utf8.startIndex, offsetBy: 5)..<comma]
        guard header.count >= 7, String(decoding: header.suffix(7), as: UTF8.self).lowercased() == ";base64" else {
            return .failure(.notBase64)
        }
        utf8 = utf8[utf8.index(after: comma)...]
        guard utf8.count / 4 * 3 <= maxBytes + 2 else { return .failure(.tooLarge) }
        let decoded: [UInt8]? = Array(utf8).withUnsafeBytes { Base64.decode($0) }
        guard let decoded else { return .failure(.notBase64) }
        guard decoded.count <= maxBytes else { return .failure(.tooLarge) }
        return .success(decoded)
    }
}
