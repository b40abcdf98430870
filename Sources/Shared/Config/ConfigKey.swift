/// One setting: its name in `.env` files and the environment, its command-line flag, and how a
/// text value is checked and applied.
public struct ConfigKey: Sendable {
    public let variable: String
    public let flag: String
    public let valueName: String
    public let help: String
    let apply: @Sendable (inout Configuration, String) throws(ConfigError) -> Void
    let current: @Sendable (Configuration) -> String

    init(_ variable: String, flag: String, value: String, help: String,
         get current: @escaping @Sendable (Configuration) -> String,
         set apply: @escaping @Sendable (inout Configuration, String) throws(ConfigError) -> Void) {
        self.variable = variable
        self.flag = flag
        self.valueName = value
        self.help = help
        self.apply = apply
        self.current = current
    }

    public func defaultValue(_ configuration: Configuration = Configuration()) -> String {
        current(configuration)
    }
}

/// Value parsers shared by the keys; each error names the source so the one line is enough.
enum ConfigValue {
    static func integer(_ text: String, _ range: ClosedRange<Int>, _ name: String) throws(ConfigError) -> Int {
        guard let value = Int(text.trimmingSpaces), range.contains(value) else {
            throw ConfigError("invalid value for \(name): '\(text)' (expected an integer in \(range.lowerBound)...\(range.upperBound))")
        }
        return value
    }

    /// Sizes accept suffixes k, m, g (powers of 1024): `8m`, `512k`.
    static func size(_ text: String, _ range: ClosedRange<Int>, _ name: String) throws(ConfigError) -> Int {
        let trimmed = text.trimmingSpaces.lowercased()
        var digits = trimmed
        var multiplier = 1
        if let last = trimmed.last, "kmg".contains(last) {
            digits = String(trimmed.dropLast())
            multiplier = last == "k" ? 1024 : last == "m" ? 1024 * 1024 : 1024 * 1024 * 1024
        }
        guard let value = Int(digits), value >= 0, value <= Int.max / multiplier,
              range.contains(value * multiplier) else {
            throw ConfigError("invalid value for \(name): '\(text)' (expected a size in bytes, e.g. 65536, 512k, 8m, between \(range.lowerBound) and \(range.upperBound))")
        }
        return value * multiplier
    }

    static func seconds(_ text: String, _ range: ClosedRange<Int>, _ name: String) throws(ConfigError) -> Int64 {
        var trimmed = text.trimmingSpaces
        if trimmed.hasSuffix("s") { trimmed.removeLast() }
        guard let value = Int(trimmed), range.contains(value) else {
            throw ConfigError("invalid value for \(name): '\(text)' (expected seconds in \(range.lowerBound)...\(range.upperBound))")
        }
        return Int64(value)
    }

    static func boolean(_ text: String, _ name: String) throws(ConfigError) -> Bool {
        switch text.trimmingSpaces.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off", "": return false
        default: throw ConfigError("invalid value for \(name): '\(text)' (expected true or false)")
        }
    }

    static func nonEmpty(_ text: String, _ name: String) throws(ConfigError) -> String {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else { throw ConfigError("invalid value for \(name): empty") }
        return trimmed
    }
}
