import Glibc

/// Merges the sources in rising precedence: defaults, the `.env` file, `CHATROOM_*` environment
/// variables, then command-line flags.
public enum ConfigLoader {
    /// `flags` are (flag, value) pairs already split by the CLI; `envFile` nil means `.env` in the
    /// current directory when it exists.
    public static func load(envFile: String?, environment: [String: String], flags: [(String, String)],
                            base: Configuration = Configuration()) throws(ConfigError) -> Configuration {
        var configuration = base
        let fileEntries = try readEnvFile(envFile)
        for (key, value) in fileEntries {
            guard let setting = ConfigKeys.byVariable(key) else {
                if key.hasPrefix("CHATROOM_") {
                    throw ConfigError("\(envFile ?? ".env"): unknown setting \(key)")
                }
                continue  // the file may be shared with other programs
            }
            if environment[key] != nil { continue }
            try setting.apply(&configuration, value)
        }
        for setting in ConfigKeys.all {
            if let value = environment[setting.variable] {
                try setting.apply(&configuration, value)
            }
        }
        for (flag, value) in flags {
            guard let setting = ConfigKeys.byFlag(flag) else { throw ConfigError("unknown option \(flag)") }
            try setting.apply(&configuration, value)
        }
        return configuration
    }

    static func readEnvFile(_ path: String?) throws(ConfigError) -> [(key: String, value: String)] {
        let candidate = path ?? ".env"
        guard let bytes = FileDescriptor.readFile(candidate) else {
            if path != nil { throw ConfigError("cannot read env file \(candidate): \(Errno.describe(errno))") }
            return []
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError("env file \(candidate) is not valid UTF-8")
        }
        return try EnvFile.parse(text, source: candidate)
    }

    /// The process environment as a dictionary.
    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        guard var pointer = cshimEnviron() else { return result }
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}
