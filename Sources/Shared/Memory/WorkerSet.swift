/// A set of worker slots (0 ..< 256) in four words: the broadcast path asks for one per message, so
/// it must not allocate.
public struct WorkerSet: Sequence, Equatable, Hashable, Sendable, ExpressibleByArrayLiteral, CustomStringConvertible {
    static let wordCount = 4
    public static let capacity = wordCount * 64

    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init() {}

    public init(arrayLiteral elements: Int...) {
        for element in elements { insert(element) }
    }

    public var isEmpty: Bool { words == (0, 0, 0, 0) }
    public var count: Int {
        words.0.nonzeroBitCount + words.1.nonzeroBitCount + words.2.nonzeroBitCount + words.3.nonzeroBitCount
    }

    public func contains(_ worker: Int) -> Bool {
        guard worker >= 0, worker < Self.capacity else { return false }
        return word(worker / 64) & (1 << UInt64(worker % 64)) != 0
    }

    public mutating func insert(_ worker: Int) {
        precondition(worker >= 0 && worker < Self.capacity, "worker \(worker) out of range")
        withWords { $0[worker / 64] |= 1 << UInt64(worker % 64) }
    }

    public mutating func remove(_ worker: Int) {
        guard worker >= 0, worker < Self.capacity else { return }
        withWords { $0[worker / 64] &= ~(1 << UInt64(worker % 64)) }
    }

    public func makeIterator() -> Iterator { Iterator(set: self) }

    public struct Iterator: IteratorProtocol {
        let set: WorkerSet
        var word = 0
        var bits: UInt64

        init(set: WorkerSet) {
            self.set = set
            bits = set.word(0)
        }

        public mutating func next() -> Int? {
            while bits == 0 {
                word += 1
                guard word < WorkerSet.wordCount else { return nil }
                bits = set.word(word)
            }
            let bit = bits.trailingZeroBitCount
            bits &= bits - 1
            return word * 64 + bit
        }
    }

    public static func == (a: WorkerSet, b: WorkerSet) -> Bool { a.words == b.words }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    public var description: String { "[" + map(String.init).joined(separator: ", ") + "]" }

    private func word(_ i: Int) -> UInt64 {
        switch i {
        case 0: return words.0
        case 1: return words.1
        case 2: return words.2
        default: return words.3
        }
    }

    /// The four words as one buffer, for the C side that fills them.
    @discardableResult
    mutating func withWords<R>(_ body: (UnsafeMutablePointer<UInt64>) -> R) -> R {
        withUnsafeMutableBytes(of: &words) { body($0.baseAddress!.assumingMemoryBound(to: UInt64.self)) }
    }
}
