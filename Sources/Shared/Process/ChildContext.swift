import Glibc

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

extension ChildContext {
    /// The set-up every child does first on its own loop: SIGPIPE and SIGINT ignored (a Ctrl-C on
    /// the terminal is the master's to handle), SIGTERM and SIGHUP read from a signalfd watched by
    /// `signalHandler`, and the control channel to the master opened for `delegate`.
    public func openChildChannels(loop: EventLoop, signalHandler: EventHandler,
                                  delegate: MessageChannelDelegate) throws -> (signalFD: Int32, control: MessageChannel) {
        Signals.ignore(SIGPIPE)
        Signals.ignore(SIGINT)
        let signalFD = try Signals.openSignalFD([SIGTERM, SIGHUP])
        try loop.register(signalFD, .readable, signalHandler)
        let control = MessageChannel(fd: controlDescriptor, label: "control", loop: loop)
        control.delegate = delegate
        try control.start()
        return (signalFD, control)
    }
}
