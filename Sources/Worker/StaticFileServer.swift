import Glibc
import Shared

/// Files from the configured directory: lexical checks by `StaticPath`, then realpath so a symlink
/// cannot lead out of the directory; MIME type from the extension; `If-Modified-Since`; sendfile.
final class StaticFileServer {
    private let directory: String
    private var root: String?
    /// The URL path the directory is served under ("" for the site root, "/storage" for uploads).
    private let urlPrefix: String

    init(directory: String, urlPrefix: String = "") {
        self.directory = directory
        self.urlPrefix = urlPrefix
        root = StaticFileServer.realPath(directory)
        if root == nil && urlPrefix.isEmpty {
            Log.warn("static directory not found; only the API is served", ["dir": directory])
        }
    }

    func serve(_ exchange: HTTPExchange) {
        guard exchange.head.method == .get || exchange.head.method == .head else {
            return exchange.respondError(.methodNotAllowed, "method \(exchange.head.method) not allowed here",
                                         headers: ["Allow": "GET, HEAD"])
        }
        // The directory may appear later (uploads create it).
        if root == nil { root = StaticFileServer.realPath(directory) }
        guard let root, exchange.head.path.hasPrefix(urlPrefix + "/") else {
            exchange.respondError(.notFound, "not found")
            return
        }
        switch StaticPath.resolve(rawPath: String(exchange.head.path.dropFirst(urlPrefix.count))) {
        case .forbidden(let reason):
            exchange.respondError(.forbidden, "forbidden: \(reason)")
        case .notFound:
            exchange.respondError(.notFound, "not found")
        case .file(let relative):
            serveFile(root + "/" + relative, exchange: exchange, root: root)
        }
    }

    private func serveFile(_ candidate: String, exchange: HTTPExchange, root: String) {
        guard let resolved = StaticFileServer.realPath(candidate) else {
            exchange.respondError(.notFound, "not found")
            return
        }
        guard resolved.hasPrefix(root + "/") else {
            exchange.respondError(.forbidden, "forbidden: outside the static directory")
            return
        }
        let fd = open(resolved, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            exchange.respondError(errno == EACCES ? .forbidden : .notFound, "not found")
            return
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            Glibc.close(fd)
            exchange.respondError(.internalServerError, "cannot read file")
            return
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            Glibc.close(fd)
            // A directory without a trailing slash: send the browser to the slash form.
            var headers = HTTPHeaders()
            headers.add(name: "Location", value: exchange.head.path + "/")
            exchange.respond(.movedPermanently, contentType: "text/plain; charset=utf-8",
                             body: Array("moved\n".utf8), headers: headers)
            return
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            Glibc.close(fd)
            exchange.respondError(.forbidden, "forbidden: not a regular file")
            return
        }
        let modified = Int64(info.st_mtim.tv_sec)
        var head = HTTPResponseHead(status: .ok)
        head.headers.add(name: "Content-Type", value: MIMETypes.contentType(forPath: resolved))
        head.headers.add(name: "Last-Modified", value: TimeFormat.imfFixdate(epochSeconds: modified))
        head.headers.add(name: "Cache-Control", value: "no-cache")
        if let since = exchange.head.headers.first("If-Modified-Since"),
           let sinceSeconds = TimeFormat.parseIMFFixdate(since), modified <= sinceSeconds {
            Glibc.close(fd)
            var headers = HTTPHeaders()
            headers.add(name: "Last-Modified", value: TimeFormat.imfFixdate(epochSeconds: modified))
            exchange.respond(.notModified, headers: headers)
            return
        }
        exchange.respondFile(head: head, fd: fd, length: Int64(info.st_size))
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
