/// Why a request could not be accepted: the status to answer with (then close) and a reason
/// for the log and the response body.
public struct HTTPParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public let status: HTTPStatus
    public let reason: String

    public init(_ status: HTTPStatus, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    static func badRequest(_ reason: String) -> HTTPParseError { HTTPParseError(.badRequest, reason) }

    public var description: String { "\(status.code) \(reason)" }
}
