/// The image formats accepted for uploads and image messages, told from the bytes themselves:
/// a declared type or file name is never trusted (PROTOCOL.md F24).
public enum ImageType: String, Sendable, CaseIterable {
    case png, jpeg, gif, webp

    public var fileExtension: String { self == .jpeg ? "jpg" : rawValue }

    public var mimeType: String { "image/" + rawValue }

    public static func detect(_ bytes: UnsafeRawBufferPointer) -> ImageType? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            guard bytes.count >= offset + prefix.count else { return false }
            for (i, b) in prefix.enumerated() where bytes[offset + i] != b { return false }
            return true
        }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
        return nil
    }

    public static func detect(_ bytes: [UInt8]) -> ImageType? { bytes.withUnsafeBytes { detect($0) } }
}
