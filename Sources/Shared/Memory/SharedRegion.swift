import CSharedMemory
import Glibc

/// One mapping of the shared tables. The master creates it before forking, so every child inherits
/// the mapping; the CLI opens it by name (read-only) to report status.
///
/// The views (`connections`, `rooms`, `processes`) keep the region alive; using one after `close()`
/// traps instead of touching unmapped memory.
public final class SharedRegion {
    /// The POSIX shared memory name, or nil for an anonymous region.
    public let name: String?
    public let layout: SharedLayout
    public let size: Int
    public let isWritable: Bool
    private var base: UnsafeMutableRawPointer?

    private init(name: String?, base: UnsafeMutableRawPointer, size: Int, layout: SharedLayout, writable: Bool) {
        self.name = name
        self.base = base
        self.size = size
        self.layout = layout
        isWritable = writable
    }

    deinit { close() }

    /// Creates and formats a named region. A leftover object of the same name (from a master that
    /// crashed) is unlinked and creation retried once: the caller holds the pid-file lock the name
    /// derives from, so no live server can own it.
    public static func create(name: String, layout: SharedLayout, masterPid: Int32, host: String, port: UInt16,
                              startedAtMs: UInt64? = nil) throws(SharedMemoryError) -> SharedRegion {
        try validate(name: name)
        var fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
        if fd < 0 && errno == EEXIST {
            _ = shm_unlink(name)
            fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
        }
        guard fd >= 0 else { throw .system(call: "shm_open(\(name))", code: errno) }
        defer { Glibc.close(fd) }
        let size = layout.regionSize
        // ftruncate zero-fills, which cr_region_init relies on.
        guard ftruncate(fd, off_t(size)) == 0 else {
            let code = errno
            _ = shm_unlink(name)
            throw .system(call: "ftruncate(\(name), \(size))", code: code)
        }
        let base: UnsafeMutableRawPointer
        do {
            base = try map(fd: fd, size: size, writable: true, name: name)
        } catch {
            _ = shm_unlink(name)
            throw error
        }
        return format(name: name, base: base, size: size, layout: layout, masterPid: masterPid, host: host,
                      port: port, startedAtMs: startedAtMs)
    }

    /// A region with no name, shared only with children forked after this call (tests, or a server
    /// that needs no `status`).
    public static func createAnonymous(layout: SharedLayout, masterPid: Int32, host: String = "", port: UInt16 = 0,
                                       startedAtMs: UInt64? = nil) throws(SharedMemoryError) -> SharedRegion {
        let size = layout.regionSize
        let raw = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)
        guard let raw, raw != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw .system(call: "mmap(anonymous, \(size))", code: errno)
        }
        return format(name: nil, base: raw, size: size, layout: layout, masterPid: masterPid, host: host,
                      port: port, startedAtMs: startedAtMs)
    }

    /// Maps an existing region. `writable: false` maps it read-only, which is all the CLI needs and
    /// guarantees it cannot disturb a running server.
    public static func open(name: String, writable: Bool = true) throws(SharedMemoryError) -> SharedRegion {
        try validate(name: name)
        let fd = shm_open(name, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0)
        guard fd >= 0 else { throw .system(call: "shm_open(\(name))", code: errno) }
        defer { Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system(call: "fstat(\(name))", code: errno) }
        let size = Int(info.st_size)
        // Too small even for a header: a master between shm_open and ftruncate, or not ours at all.
        guard size >= 4096 else { throw .invalidRegion(name: name) }
        let base = try map(fd: fd, size: size, writable: writable, name: name)
        guard cr_region_validate(base, size) == 0 else {
            munmap(base, size)
            throw .invalidRegion(name: name)
        }
        var layout = cr_layout()
        cr_region_layout(base, &layout)
        return SharedRegion(name: name, base: base, size: size, layout: SharedLayout(validated: layout),
                            writable: writable)
    }

    /// Removes the name (mappings stay valid until unmapped). False if it did not exist.
    @discardableResult
    public static func unlink(name: String) -> Bool {
        shm_unlink(name) == 0
    }

    /// Removes this region's name, if it has one.
    @discardableResult
    public func unlink() -> Bool {
        guard let name else { return false }
        return Self.unlink(name: name)
    }

    /// Unmaps the region. Idempotent; views used afterwards trap.
    public func close() {
        guard let base else { return }
        munmap(base, size)
        self.base = nil
    }

    public var isOpen: Bool { base != nil }

    public var masterPid: Int32 { cr_region_master_pid(pointer) }
    public var startedAtMs: UInt64 { cr_region_started_at_ms(pointer) }
    public var port: UInt16 { cr_region_port(pointer) }
    public var host: String {
        var buffer = [CChar](repeating: 0, count: Int(CR_HOST_CAPACITY))
        cr_region_host(pointer, &buffer, buffer.count)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    public var connections: ConnectionTable { ConnectionTable(region: self) }
    public var rooms: RoomTable { RoomTable(region: self) }
    public var clientAddresses: ClientAddressTable { ClientAddressTable(region: self) }
    public var processes: ProcessTable { ProcessTable(region: self) }

    /// For reads; traps once closed.
    @inline(__always)
    var pointer: UnsafeMutableRawPointer {
        guard let base else { preconditionFailure("shared region used after close()") }
        return base
    }

    /// For writes; also traps on a read-only mapping, where the store would be a SIGSEGV.
    @inline(__always)
    var mutablePointer: UnsafeMutableRawPointer {
        precondition(isWritable, "write to a read-only shared region")
        return pointer
    }

    private static func validate(name: String) throws(SharedMemoryError) {
        let bytes = Array(name.utf8)
        guard bytes.count >= 2, bytes.count <= 255, bytes[0] == UInt8(ascii: "/"),
              !bytes.dropFirst().contains(UInt8(ascii: "/")), !bytes.contains(0) else {
            throw .invalidName(name)
        }
    }

    private static func map(fd: Int32, size: Int, writable: Bool, name: String) throws(SharedMemoryError) -> UnsafeMutableRawPointer {
        let protection = writable ? PROT_READ | PROT_WRITE : PROT_READ
        let raw = mmap(nil, size, protection, MAP_SHARED, fd, 0)
        guard let raw, raw != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw .system(call: "mmap(\(name), \(size))", code: errno)
        }
        return raw
    }

    private static func format(name: String?, base: UnsafeMutableRawPointer, size: Int, layout: SharedLayout,
                               masterPid: Int32, host: String, port: UInt16, startedAtMs: UInt64?) -> SharedRegion {
        var cLayout = layout.cLayout
        let now = startedAtMs ?? wallClockMilliseconds()
        host.withCString { cr_region_init(base, &cLayout, masterPid, now, $0, port) }
        return SharedRegion(name: name, base: base, size: size, layout: layout, writable: true)
    }

    private static func wallClockMilliseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
    }
}
