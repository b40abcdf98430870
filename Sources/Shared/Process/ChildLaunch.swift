/// What the master tells a child it forks and then execs (so that a reload runs the binary now
/// installed, not the master's image): its role, the descriptor numbers it inherits, the shared
/// memory's name and every setting. Carried in one environment variable, since exec keeps the
/// environment and the descriptors but nothing else.
public struct ChildLaunch: Equatable {
    public static let environmentVariable = "CHATROOM_CHILD"
    /// The hidden verb the exec'd binary is started with.
    public static let verb = "__child"
    /// The first byte of the record: the format of everything processes send each other (this
    /// record, MessageChannel datagrams, peer, task, control and hand-over messages). Bump it with
    /// any change to them: a reload then refuses the new binary (exit 78, the master keeps its own
    /// image) instead of mixing processes that cannot read each other; such a release needs
    /// `restart`. (Records before this byte existed start with 0 or 1, the role.)
    public static let wireFormat: UInt8 = 0xA1

    public var role: ProcessRole
    /// Non-zero for a worker started by a reload: it first adopts the connections its predecessor
    /// hands over, until the end record with this id.
    public var handOverID: UInt64
    public var regionName: String
    public var listener: Int32
    public var workerControl: [ProcessTopology.Pair]
    public var taskControl: [ProcessTopology.Pair]
    public var mesh: [[Int32]]
    public var taskLinks: [[ProcessTopology.Pair]]
    public var handOver: [ProcessTopology.Pair]
    /// `(variable, value)` of every setting (see `ConfigKeys.settings`).
    public var settings: [ConfigKeys.Setting]

    public init(role: ProcessRole, handOverID: UInt64, regionName: String, topology: ProcessTopology,
                configuration: Configuration) {
        self.role = role
        self.handOverID = handOverID
        self.regionName = regionName
        listener = topology.listener
        workerControl = topology.workerControl
        taskControl = topology.taskControl
        mesh = topology.mesh
        taskLinks = topology.taskLinks.map { $0.map { ProcessTopology.Pair(master: $0.worker, child: $0.task) } }
        handOver = topology.handOver
        settings = ConfigKeys.settings(of: configuration)
    }

    public var topology: ProcessTopology {
        ProcessTopology(listener: listener, workerControl: workerControl, taskControl: taskControl, mesh: mesh,
                        taskLinks: taskLinks.map { $0.map { (worker: $0.master, task: $0.child) } }, handOver: handOver)
    }

    public func configuration() throws(ConfigError) -> Configuration {
        try ConfigKeys.configuration(from: settings)
    }

    // MARK: encoding (hex of a binary record: environment values must be plain text)

    public func encoded() -> String {
        var w = ByteWriter()
        w.u8(Self.wireFormat)
        role.write(to: &w)
        w.u64(handOverID)
        w.string(regionName)
        w.u32(UInt32(bitPattern: listener))
        Self.write(workerControl, &w)
        Self.write(taskControl, &w)
        w.u32(UInt32(mesh.count))
        for row in mesh { w.u32(UInt32(row.count)); for fd in row { w.u32(UInt32(bitPattern: fd)) } }
        w.u32(UInt32(taskLinks.count))
        for row in taskLinks { Self.write(row, &w) }
        Self.write(handOver, &w)
        w.u32(UInt32(settings.count))
        for setting in settings { w.string(setting.variable); w.string(setting.value) }
        return Hex.encode(w.bytes)
    }

    public init?(decoding text: String) {
        guard let bytes = Hex.decode(text) else { return nil }
        let decoded: ChildLaunch? = bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw)
            guard r.u8() == Self.wireFormat, let role = ProcessRole(reading: &r), let handOverID = r.u64(),
                  let regionName = r.string(), let listener = r.u32() else { return nil }
            guard let workerControl = Self.readPairs(&r), let taskControl = Self.readPairs(&r),
                  let meshCount = r.u32(), meshCount <= 1024 else { return nil }
            var mesh: [[Int32]] = []
            for _ in 0..<meshCount {
                guard let n = r.u32(), n <= 1024 else { return nil }
                var row: [Int32] = []
                for _ in 0..<n {
                    guard let fd = r.u32() else { return nil }
                    row.append(Int32(bitPattern: fd))
                }
                mesh.append(row)
            }
            guard let linkRows = r.u32(), linkRows <= 1024 else { return nil }
            var taskLinks: [[ProcessTopology.Pair]] = []
            for _ in 0..<linkRows {
                guard let row = Self.readPairs(&r) else { return nil }
                taskLinks.append(row)
            }
            guard let handOver = Self.readPairs(&r), let settingCount = r.u32(), settingCount <= 4096 else { return nil }
            var settings: [ConfigKeys.Setting] = []
            for _ in 0..<settingCount {
                guard let variable = r.string(), let value = r.string() else { return nil }
                settings.append(ConfigKeys.Setting(variable: variable, value: value))
            }
            guard r.rest().isEmpty else { return nil }
            return ChildLaunch(role: role, handOverID: handOverID, regionName: regionName, listener: Int32(bitPattern: listener),
                               workerControl: workerControl, taskControl: taskControl, mesh: mesh, taskLinks: taskLinks,
                               handOver: handOver, settings: settings)
        }
        guard let decoded else { return nil }
        self = decoded
    }

    private init(role: ProcessRole, handOverID: UInt64, regionName: String, listener: Int32,
                 workerControl: [ProcessTopology.Pair], taskControl: [ProcessTopology.Pair], mesh: [[Int32]],
                 taskLinks: [[ProcessTopology.Pair]], handOver: [ProcessTopology.Pair], settings: [ConfigKeys.Setting]) {
        self.role = role
        self.handOverID = handOverID
        self.regionName = regionName
        self.listener = listener
        self.workerControl = workerControl
        self.taskControl = taskControl
        self.mesh = mesh
        self.taskLinks = taskLinks
        self.handOver = handOver
        self.settings = settings
    }

    private static func write(_ pairs: [ProcessTopology.Pair], _ w: inout ByteWriter) {
        w.u32(UInt32(pairs.count))
        for pair in pairs { w.u32(UInt32(bitPattern: pair.master)); w.u32(UInt32(bitPattern: pair.child)) }
    }

    private static func readPairs(_ r: inout ByteReader) -> [ProcessTopology.Pair]? {
        guard let count = r.u32(), count <= 1024 else { return nil }
        var pairs: [ProcessTopology.Pair] = []
        for _ in 0..<count {
            guard let a = r.u32(), let b = r.u32() else { return nil }
            pairs.append(ProcessTopology.Pair(master: Int32(bitPattern: a), child: Int32(bitPattern: b)))
        }
        return pairs
    }
}
