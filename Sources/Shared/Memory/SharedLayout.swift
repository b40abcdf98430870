import CSharedMemory

/// Capacities of a shared region, fixed when the master creates it. Room ids are 1 ..< roomCapacity
/// (0 means "no room"), so a server with rooms numbered 1...n needs roomCapacity n + 1.
public struct SharedLayout: Equatable, Sendable, CustomStringConvertible {
    public static let maxConnections = Int(CR_MAX_CONNECTIONS)
    public static let maxWorkerSlots = Int(CR_MAX_WORKER_SLOTS)
    public static let maxRooms = Int(CR_MAX_ROOMS)

    public let connectionCapacity: Int
    public let workerSlots: Int
    public let taskWorkerSlots: Int
    public let roomCapacity: Int

    public init(connectionCapacity: Int, workerSlots: Int, taskWorkerSlots: Int, roomCapacity: Int) throws(SharedMemoryError) {
        guard (1...Self.maxConnections).contains(connectionCapacity) else {
            throw .invalidLayout("connection capacity \(connectionCapacity) not in 1...\(Self.maxConnections)")
        }
        guard (1...Self.maxWorkerSlots).contains(workerSlots) else {
            throw .invalidLayout("worker slots \(workerSlots) not in 1...\(Self.maxWorkerSlots)")
        }
        guard (0...Self.maxWorkerSlots).contains(taskWorkerSlots) else {
            throw .invalidLayout("task worker slots \(taskWorkerSlots) not in 0...\(Self.maxWorkerSlots)")
        }
        // Room 0 is "none", so a capacity of 1 would leave no usable room: surely a configuration slip.
        guard (2...Self.maxRooms).contains(roomCapacity) else {
            throw .invalidLayout("room capacity \(roomCapacity) not in 2...\(Self.maxRooms)")
        }
        self.connectionCapacity = connectionCapacity
        self.workerSlots = workerSlots
        self.taskWorkerSlots = taskWorkerSlots
        self.roomCapacity = roomCapacity
    }

    /// From a region that cr_region_validate accepted, so already within the C limits.
    init(validated layout: cr_layout) {
        connectionCapacity = Int(layout.connection_capacity)
        workerSlots = Int(layout.worker_slots)
        taskWorkerSlots = Int(layout.task_worker_slots)
        roomCapacity = Int(layout.room_capacity)
    }

    var cLayout: cr_layout {
        cr_layout(connection_capacity: UInt32(connectionCapacity), worker_slots: UInt32(workerSlots),
                  task_worker_slots: UInt32(taskWorkerSlots), room_capacity: UInt32(roomCapacity))
    }

    /// Bytes the region occupies (a multiple of 4 KiB).
    public var regionSize: Int {
        var layout = cLayout
        return cr_region_size(&layout)
    }

    public var description: String {
        "\(connectionCapacity) connections, \(workerSlots) workers, \(taskWorkerSlots) task workers, \(roomCapacity) rooms"
    }
}
