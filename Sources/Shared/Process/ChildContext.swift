/// What a forked child needs from the master: its role, the settings, its descriptors and the
/// shared memory.
public struct ChildContext {
    public let role: ProcessRole
    public let configuration: Configuration
    public let topology: ProcessTopology
    public let region: SharedRegion

    public init(role: ProcessRole, configuration: Configuration, topology: ProcessTopology, region: SharedRegion) {
        self.role = role
        self.configuration = configuration
        self.topology = topology
        self.region = region
    }

    /// The control channel end of this child.
    public var controlDescriptor: Int32 {
        switch role {
        case .worker(let slot): return topology.workerControl[slot].child
        case .taskWorker(let slot): return topology.taskControl[slot].child
        }
    }
}
