import Glibc
import Shared

/// Registers bench users over the HTTP API (blocking, one request per connection).
enum HTTPRegister {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// POST /api/register {"name": email, "password"}; returns `user.api_token`.
    static func register(host: String, port: UInt16, email: String, password: String) throws -> String {
        var body: [UInt8] = []
        var writer = JSONObjectWriter()
        writer.add("name", string: email)
        writer.add("password", string: password)
        body = writer.finish()
        let head = "POST /api/register HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let response = try exchange(host: host, port: port, request: Array(head.utf8) + body)
        guard let split = find(response, [13, 10, 13, 10]) else { throw Failure(description: "register: no response head") }
        let status = String(decoding: response.prefix(12), as: UTF8.self)
        guard status.hasSuffix("200") else { throw Failure(description: "register: \(status)") }
        let json = try JSONParser.parse(Array(response[(split + 4)...]))
        guard let token = json["user"]?["api_token"]?.stringValue else {
            throw Failure(description: "register \(email): \(String(decoding: response[(split + 4)...].prefix(200), as: UTF8.self))")
        }
        return token
    }

    private static func exchange(host: String, port: UInt16, request: [UInt8]) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        defer { FileDescriptor.close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        _ = inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw SystemError("connect") }
        guard FileDescriptor.writeAll(fd, request) else { throw SystemError("write") }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw SystemError("recv") }
            if n == 0 { break }
            response.append(contentsOf: chunk[0..<n])
            if let split = find(response, [13, 10, 13, 10]), let length = contentLength(response[..<split]),
               response.count >= split + 4 + length { break }
        }
        return response
    }

    private static func find(_ bytes: [UInt8], _ needle: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        for i in 0...(bytes.count - needle.count) where bytes[i] == needle[0] && Array(bytes[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }

    private static func contentLength(_ head: ArraySlice<UInt8>) -> Int? {
        for line in String(decoding: head, as: UTF8.self).split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length" {
                return Int(parts[1].filter { $0 != " " })
            }
        }
        return nil
    }
}

/// `psql -tAc` against the database URL: the number the query prints.
enum PSQL {
    static func count(_ databaseURL: String, _ query: String = "SELECT count(*) FROM messages") -> Int? {
        let quoted = "'" + databaseURL.replacingAll("'", "'\\''") + "'"
        guard let pipe = popen("psql -X -tAc \"\(query)\" \(quoted) 2>/dev/null", "r") else { return nil }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, pipe) }
            if n <= 0 { break }
            output.append(contentsOf: buffer[0..<n])
        }
        guard pclose(pipe) == 0 else { return nil }
        return Int(String(decoding: output, as: UTF8.self).filter { !$0.isWhitespace })
    }
}

private extension String {
    func replacingAll(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
