import Glibc

/// What a forked child needs from the master: its role, the settings, its descriptors and the
/// shared memory.
public struct ChildContext {
    public let role: ProcessRole
    public let configuration: Configuration
    public let topology: ProcessTopology
    public let region: SharedRegion
    /// Non-zero: a worker started by a reload, which adopts its predecessor's connections first.
    public let handOverID: UInt64

    public init(role: ProcessRole, configuration: Configuration, topology: ProcessTopology, region: SharedRegion,
                handOverID: UInt64 = 0) {
        self.role = role
        self.configuration = configuration
        self.topology = topology
        self.region = region
        self.handOverID = handOverID
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
    /// With `startControl` false the control channel is opened but not read yet (a worker adopting
    /// connections reads it only once its predecessor has stopped reading it).
    public func openChildChannels(loop: EventLoop, signalHandler: EventHandler, delegate: MessageChannelDelegate,
                                  startControl: Bool = true) throws -> (signalFD: Int32, control: MessageChannel) {
        Signals.ignore(SIGPIPE)
        Signals.ignore(SIGINT)
        let signalFD = try Signals.openSignalFD([SIGTERM, SIGHUP])
        try loop.register(signalFD, .readable, signalHandler)
        let control = MessageChannel(fd: controlDescriptor, label: "control", loop: loop)
        control.delegate = delegate
        if startControl { try control.start() }
        return (signalFD, control)
    }
}
