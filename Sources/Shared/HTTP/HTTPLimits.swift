/// Sizes past which a request is refused rather than buffered. All sizes in bytes.
public struct HTTPLimits: Hashable, Sendable {
    /// Request line without its CRLF; longer → 414.
    public var maxRequestLine: Int
    /// Whole head: request line, header lines, the blank line (and any empty lines before the
    /// request line); larger → 431.
    public var maxHead: Int
    /// Header lines; more → 431.
    public var maxHeaderCount: Int
    /// Declared or decoded body; larger → 413.
    public var maxBody: Int
    /// Parts of one multipart/form-data body; more → 400.
    public var maxMultipartParts: Int
    /// Header block of one multipart part; larger → 400.
    public var maxMultipartPartHead: Int

    public init(maxRequestLine: Int = 8 * 1024, maxHead: Int = 16 * 1024, maxHeaderCount: Int = 100,
                maxBody: Int = 10 * 1024 * 1024, maxMultipartParts: Int = 32, maxMultipartPartHead: Int = 8 * 1024) {
        self.maxRequestLine = maxRequestLine
        self.maxHead = maxHead
        self.maxHeaderCount = maxHeaderCount
        self.maxBody = maxBody
        self.maxMultipartParts = maxMultipartParts
        self.maxMultipartPartHead = maxMultipartPartHead
    }
}
