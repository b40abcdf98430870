import CShim

/// epoll event bits.
public struct IOEvents: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let readable = IOEvents(rawValue: EPOLLIN.rawValue)
    public static let writable = IOEvents(rawValue: EPOLLOUT.rawValue)
    public static let error = IOEvents(rawValue: EPOLLERR.rawValue)
    public static let hangup = IOEvents(rawValue: EPOLLHUP.rawValue)
    public static let peerClosed = IOEvents(rawValue: EPOLLRDHUP.rawValue)
    public static let edgeTriggered = IOEvents(rawValue: EPOLLET.rawValue)
    /// Wake only one of the processes waiting on a shared listening socket.
    public static let exclusive = IOEvents(rawValue: EPOLLEXCLUSIVE.rawValue)
}
