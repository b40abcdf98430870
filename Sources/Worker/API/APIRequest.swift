import Shared

/// A request to `/api/…` with its fields read from wherever the tutorial's client puts them: the
/// query, a JSON body, a urlencoded body, or multipart form data (files included).
struct APIRequest {
    let exchange: HTTPExchange
    private(set) var fields: JSONObject = JSONObject()
    private(set) var files: [String: (filename: String?, bytes: [UInt8])] = [:]
    /// Why the body could not be read, if it could not.
    private(set) var bodyError: String?

    init(_ exchange: HTTPExchange) {
        self.exchange = exchange
        guard !exchange.body.isEmpty else { return }
        let type = exchange.head.headers.first("Content-Type").flatMap(ContentTypeHeader.parse)
        if type?.hasMediaType("multipart/form-data") == true {
            readMultipart(boundary: type?.boundary)
        } else if type?.hasMediaType("application/x-www-form-urlencoded") == true {
            for pair in exchange.body.withUnsafeBytes({ QueryString.parse($0) }) { fields[pair.name] = .string(pair.value) }
        } else {
            // JSON (axios sends application/json; some clients send text/plain).
            guard let value = try? JSONParser.parse(exchange.body), let object = value.objectValue else {
                bodyError = "the body must be a JSON object"
                return
            }
            fields = object
        }
    }

    private mutating func readMultipart(boundary: String?) {
        guard let boundary else {
            bodyError = "multipart body without a boundary"
            return
        }
        let parsed = exchange.body.withUnsafeBytes { MultipartFormData.parse(body: $0, boundary: boundary) }
        switch parsed {
        case .failure(let error):
            bodyError = error.reason
        case .success(let parts):
            exchange.body.withUnsafeBytes { body in
                for part in parts {
                    if part.filename != nil || part.contentType?.hasPrefix("image/") == true || part.name == "file" {
                        files[part.name] = (part.filename, part.bytes(in: body))
                    } else if let text = part.text(in: body) {
                        fields[part.name] = .string(text)
                    }
                }
            }
        }
    }

    /// A field as text, from the query first, then the body.
    func string(_ name: String) -> String? {
        if let value = exchange.query.first(name) { return value }
        switch fields[name] {
        case .string(let value)?: return value
        case .int(let value)?: return String(value)
        default: return nil
        }
    }

    /// The API token: query `api_token`, body field `api_token`, then `Authorization: Bearer`.
    /// `false`, `null` and empty values are no token (PROTOCOL.md §3.1, F25).
    var token: String? {
        var candidate = exchange.query.first("api_token") ?? fields["api_token"]?.stringValue
        if candidate == nil, let authorization = exchange.head.headers.first("Authorization"),
           authorization.lowercased().hasPrefix("bearer ") {
            candidate = String(authorization.dropFirst(7)).trimmingSpaces
        }
        guard let candidate, TokenCache.isPlausible(candidate) else { return nil }
        return candidate
    }
}
