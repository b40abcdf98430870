/// The Prometheus text exposition format (version 0.0.4): families with `# HELP` and `# TYPE`,
/// then their samples, one per line.
public struct PrometheusText {
    public enum Kind: String { case counter, gauge, histogram }

    public typealias Labels = [(name: String, value: String)]

    public private(set) var text = ""

    public init() {}

    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public mutating func family(_ name: String, _ kind: Kind, _ help: String) {
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    public mutating func sample(_ name: String, _ labels: Labels = [], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.name)=\"\(Self.escapeLabel($0.value))\"" }.joined(separator: ",") + "}"
        }
        text += " " + Self.format(value) + "\n"
    }

    public mutating func sample(_ name: String, _ labels: Labels = [], _ value: UInt64) {
        sample(name, labels, Double(value))
    }

    public mutating func sample(_ name: String, _ labels: Labels = [], _ value: Int) {
        sample(name, labels, Double(value))
    }

    /// A whole histogram family: `counts` per bucket (not cumulative), one per bound then +Inf.
    public mutating func histogram(_ name: String, _ help: String, bounds: [Double], counts: [UInt64], sum: Double) {
        precondition(counts.count == bounds.count + 1, "one count per bound and one for +Inf")
        family(name, .histogram, help)
        let cumulative = MetricHistogram.cumulative(counts)
        for (index, bound) in bounds.enumerated() { sample(name + "_bucket", [("le", Self.format(bound))], cumulative[index]) }
        sample(name + "_bucket", [("le", "+Inf")], cumulative[bounds.count])
        sample(name + "_sum", [], sum)
        sample(name + "_count", [], cumulative[bounds.count])
    }

    /// Integers without a decimal point; others in the shortest form that reads back the same.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func escapeLabel(_ value: String) -> String { escape(value, quotes: true) }

    static func escapeHelp(_ value: String) -> String { escape(value, quotes: false) }

    /// Backslash and newline always; the double quote inside label values.
    private static func escape(_ value: String, quotes: Bool) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\"" where quotes: out += "\\\""
            default: out.append(character)
            }
        }
        return out
    }
}
