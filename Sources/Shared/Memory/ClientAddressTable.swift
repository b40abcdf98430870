import CSharedMemory

/// Open connections per client address, across every worker (read side). The counts are taken and
/// given back by the connection table itself (`ConnectionTable.insert(…client:limit:)`): a count
/// belongs to the connection row that holds the client's socket, so it is released exactly when
/// that row is freed — closed, or reclaimed after its worker died — and moves with a row that is
/// transferred to another worker.
public struct ClientAddressTable {
    let region: SharedRegion

    init(region: SharedRegion) { self.region = region }

    /// Entries (distinct addresses it can hold at once): twice the connection capacity.
    public var capacity: Int { Int(cr_ip_capacity(region.pointer)) }

    /// Addresses with at least one open connection.
    public var addressCount: Int { Int(cr_ip_addresses(region.pointer)) }

    /// Open connections counted for `address`.
    public func connections(from address: ClientAddress) -> Int {
        address.bytes.withUnsafeBufferPointer { Int(cr_ip_connections(region.pointer, $0.baseAddress)) }
    }
}
