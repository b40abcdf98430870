/// The worker's open connections, indexed by descriptor, for the once-a-second sweep and shutdown.
final class ConnectionRegistry {
    private var byDescriptor: [Connection?] = []
    private(set) var count = 0

    func add(_ connection: Connection) {
        let fd = Int(connection.fd)
        if fd >= byDescriptor.count {
            byDescriptor.append(contentsOf: repeatElement(nil, count: max(fd + 1 - byDescriptor.count, 1024)))
        }
        if byDescriptor[fd] == nil { count += 1 }
        byDescriptor[fd] = connection
    }

    func remove(_ connection: Connection) {
        let fd = Int(connection.fd)
        guard fd < byDescriptor.count, byDescriptor[fd] === connection else { return }
        byDescriptor[fd] = nil
        count -= 1
    }

    /// Visits every connection; `body` may close the one it is given.
    func forEach(_ body: (Connection) -> Void) {
        var index = 0
        while index < byDescriptor.count {
            if let connection = byDescriptor[index] { body(connection) }
            index += 1
        }
    }
}
