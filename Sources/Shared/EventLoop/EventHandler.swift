/// Something registered with an `EventLoop` for one descriptor.
public protocol EventHandler: AnyObject {
    /// Called with the epoll bits (`IOEvents`) reported for the handler's descriptor.
    func handleEvents(_ events: IOEvents)
}

/// Work the loop runs once at the end of the turn in which it was requested, after every ready
/// descriptor was served. Connections use it to write everything queued during the turn in one
/// `writev`, so a client that receives ten broadcasts in one turn costs one syscall, not ten.
public protocol TurnEndHandler: AnyObject {
    func turnEnded()
}
