import Shared

/// Server frames (unmasked), encoded straight into one shared block: header and payload in a single
/// allocation, written as-is to every recipient.
enum WebSocketFrames {
    static func make(_ opcode: WebSocketOpcode, _ payload: UnsafeRawBufferPointer) -> SharedBytes {
        let headerLength = WebSocketFrameEncoder.headerLength(payloadLength: payload.count, masked: false)
        return SharedBytes(count: headerLength + payload.count) { target in
            let written = WebSocketFrameEncoder.writeHeader(into: target, fin: true, opcode: opcode,
                                                            payloadLength: payload.count, maskKey: nil)
            if payload.count > 0 {
                UnsafeMutableRawBufferPointer(rebasing: target[written...]).copyMemory(from: payload)
            }
        }
    }

    static func text(_ payload: UnsafeRawBufferPointer) -> SharedBytes { make(.text, payload) }

    static func text(_ payload: [UInt8]) -> SharedBytes { payload.withUnsafeBytes { make(.text, $0) } }

    static func close(_ code: WebSocketCloseCode, _ reason: String) -> SharedBytes {
        SharedBytes(WebSocketFrameEncoder.encodeClose(code: code, reason: reason))
    }
}
