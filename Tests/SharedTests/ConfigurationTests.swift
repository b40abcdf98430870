import Testing
@testable import Shared

@Suite struct EnvFileTests {
    @Test func parsesCommentsExportAndQuotes() throws {
        let text = """
        # a comment
        CHATROOM_PORT=5300
        export CHATROOM_HOST = 0.0.0.0
        CHATROOM_LOG_FILE="/tmp/a b.log"  # trailing comment
        SINGLE='lit\\n'
        DOUBLE="x\\ty"
        UNQUOTED=value # note

        """
        let entries = try EnvFile.parse(text, source: ".env")
        #expect(entries.map(\.key) == ["CHATROOM_PORT", "CHATROOM_HOST", "CHATROOM_LOG_FILE", "SINGLE", "DOUBLE", "UNQUOTED"])
        #expect(entries.map(\.value) == ["5300", "0.0.0.0", "/tmp/a b.log", "lit\\n", "x\ty", "value"])
    }

    @Test func rejectsMalformedLinesWithTheirLocation() {
        #expect(throws: ConfigError.self) { try EnvFile.parse("JUSTAWORD", source: "f") }
        do {
            _ = try EnvFile.parse("A=1\nB=\"open", source: "conf.env")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix("conf.env:2:"))
        }
        #expect(throws: ConfigError.self) { try EnvFile.parse("BAD KEY=1", source: "f") }
        #expect(throws: ConfigError.self) { try EnvFile.parse("A=\"x\" junk", source: "f") }
    }
}

@Suite struct ConfigLoaderTests {
    @Test func flagsBeatEnvironmentWhichBeatsDefaults() throws {
        let c = try ConfigLoader.load(envFile: nil, environment: ["CHATROOM_PORT": "6000", "CHATROOM_WORKERS": "3"],
                                      flags: [("--port", "7000")])
        #expect(c.port == 7000)
        #expect(c.workers == 3)
        #expect(c.host == "127.0.0.1")
    }

    @Test func badValuesGiveOneClearLine() {
        for (flag, value) in [("--port", "0"), ("--port", "abc"), ("--workers", "-1"), ("--log-level", "loud"),
                              ("--max-message-size", "12q"), ("--echo", "perhaps")] {
            do {
                _ = try ConfigLoader.load(envFile: nil, environment: [:], flags: [(flag, value)])
                Issue.record("\(flag) \(value) was accepted")
            } catch {
                #expect(!error.message.contains("\n"))
                #expect(error.message.contains(value) || error.message.contains(flag.dropFirst(2)))
            }
        }
    }

    @Test func unknownFlagIsRefused() {
        #expect(throws: ConfigError.self) {
            try ConfigLoader.load(envFile: nil, environment: [:], flags: [("--colour", "red")])
        }
    }

    @Test func sizesAcceptUnits() throws {
        let c = try ConfigLoader.load(envFile: nil, environment: ["CHATROOM_MAX_MESSAGE_SIZE": "2m"], flags: [])
        #expect(c.maxMessageSize == 2 * 1024 * 1024)
    }

    @Test func everyKeyHasAFlagAndHelp() {
        let flags = Set(ConfigKeys.all.map(\.flag))
        #expect(flags.count == ConfigKeys.all.count)
        for key in ConfigKeys.all {
            #expect(key.variable.hasPrefix("CHATROOM_") || key.variable == "DATABASE_URL")
            #expect(!key.help.isEmpty)
        }
    }
}
