public enum ChunkedStep: Hashable, Sendable {
    /// Every byte given was used (`consumed` is their count); the body goes on.
    case needMore(consumed: Int)
    /// The body ended after `consumed` bytes (trailers included); what follows belongs to the
    /// next request.
    case complete(consumed: Int)
    /// Answer `error.status` and close.
    case failure(HTTPParseError)
}

/// Streaming decoder of the chunked transfer coding (RFC 9112 §7.1). It keeps its place
/// between calls, so input may be split anywhere, down to one byte per call, and nothing has to
/// be kept by the caller: every byte passed is consumed unless the body ends inside them.
/// Chunk extensions and trailer fields are read and dropped; CRLF is required everywhere
/// (a lone LF here is a known request-smuggling vector, unlike in the head).
public struct HTTPChunkedDecoder: Sendable {
    private enum State: Sendable {
        case sizeFirstDigit, sizeDigits, sizeWhitespace, extensions, sizeLF
        case data, dataCR, dataLF
        case trailerLineStart, trailerLine, trailerLF, finalLF
        case done
    }

    public let maxBody: Int
    /// Bytes allowed in one chunk-size line (digits and extensions) and in all trailer lines.
    public let maxLineOverhead: Int
    /// Body bytes produced so far.
    public private(set) var decodedCount = 0

    private var state = State.sizeFirstDigit
    private var chunkRemaining = 0
    private var lineBytes = 0
    private var trailerBytes = 0

    public init(maxBody: Int, maxLineOverhead: Int = 16 * 1024) {
        self.maxBody = maxBody
        self.maxLineOverhead = maxLineOverhead
    }

    public var isComplete: Bool { state == .done }

    /// Appends the decoded data in `bytes` to `body`.
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, into body: inout [UInt8]) -> ChunkedStep {
        var i = 0
        let count = bytes.count
        while i < count {
            let byte = bytes[i]
            switch state {
            case .sizeFirstDigit, .sizeDigits:
                lineBytes += 1
                if lineBytes > maxLineOverhead { return .failure(.badRequest("chunk size line too long")) }
                if let digit = HTTPGrammar.hexValue(byte) {
                    chunkRemaining = chunkRemaining &* 16 &+ Int(digit)
                    // Checked per digit, so the size can neither overflow nor pass the limit.
                    if chunkRemaining > maxBody - decodedCount { return .failure(tooLarge) }
                    state = .sizeDigits
                } else if state == .sizeFirstDigit {
                    return .failure(.badRequest("invalid chunk size: expected a hex digit"))
                } else {
                    guard let next = afterSize(byte) else { return .failure(.badRequest("invalid chunk size")) }
                    state = next
                }
                i += 1
            case .sizeWhitespace:
                lineBytes += 1
                if lineBytes > maxLineOverhead { return .failure(.badRequest("chunk size line too long")) }
                guard let next = afterSize(byte) else { return .failure(.badRequest("invalid chunk size line")) }
                state = next
                i += 1
            case .extensions:
                lineBytes += 1
                if lineBytes > maxLineOverhead { return .failure(.badRequest("chunk extensions too long")) }
                if byte == HTTPGrammar.cr {
                    state = .sizeLF
                } else if byte == HTTPGrammar.lf {
                    return .failure(.badRequest("bare LF in chunk size line"))
                }
                i += 1
            case .sizeLF:
                guard byte == HTTPGrammar.lf else { return .failure(.badRequest("missing LF after chunk size")) }
                lineBytes = 0
                state = chunkRemaining == 0 ? .trailerLineStart : .data
                i += 1
            case .data:
                let take = min(chunkRemaining, count - i)
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<i + take]))
                decodedCount += take
                chunkRemaining -= take
                i += take
                if chunkRemaining == 0 { state = .dataCR }
            case .dataCR:
                guard byte == HTTPGrammar.cr else { return .failure(.badRequest("missing CRLF after chunk data")) }
                state = .dataLF
                i += 1
            case .dataLF:
                guard byte == HTTPGrammar.lf else { return .failure(.badRequest("missing CRLF after chunk data")) }
                state = .sizeFirstDigit
                i += 1
            case .trailerLineStart, .trailerLine:
                trailerBytes += 1
                if trailerBytes > maxLineOverhead { return .failure(.badRequest("chunked trailer fields too long")) }
                if byte == HTTPGrammar.cr {
                    state = state == .trailerLineStart ? .finalLF : .trailerLF
                } else if byte == HTTPGrammar.lf {
                    return .failure(.badRequest("bare LF in chunked trailer"))
                } else {
                    state = .trailerLine
                }
                i += 1
            case .trailerLF:
                guard byte == HTTPGrammar.lf else { return .failure(.badRequest("missing LF after trailer field")) }
                state = .trailerLineStart
                i += 1
            case .finalLF:
                guard byte == HTTPGrammar.lf else { return .failure(.badRequest("missing LF at end of chunked body")) }
                state = .done
                return .complete(consumed: i + 1)
            case .done:
                return .complete(consumed: 0)
            }
        }
        return state == .done ? .complete(consumed: 0) : .needMore(consumed: count)
    }

    /// What may follow the size digits: whitespace (BWS before an extension), `;`, or CR.
    private func afterSize(_ byte: UInt8) -> State? {
        switch byte {
        case HTTPGrammar.space, HTTPGrammar.tab: return .sizeWhitespace
        case HTTPGrammar.semicolon: return .extensions
        case HTTPGrammar.cr: return .sizeLF
        default: return nil
        }
    }

    private var tooLarge: HTTPParseError {
        HTTPParseError(.payloadTooLarge, "request body too large: more than \(maxBody) bytes")
    }
}
