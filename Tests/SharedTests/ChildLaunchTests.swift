import Testing
@testable import Shared

@Suite struct ChildLaunchTests {
    @Test func theLaunchRecordCarriesRoleDescriptorsAndSettings() throws {
        var configuration = Configuration()
        configuration.port = 6001
        configuration.workers = 3
        configuration.taskWorkers = 2
        configuration.rooms = ["lobby", "dev"]
        configuration.databaseURL = "postgresql:///chat?host=/run/pg"
        configuration.logFile = "/var/log/chatroom.log"
        configuration.echo = true
        let topology = ProcessTopology(
            listener: 3,
            workerControl: [.init(master: 4, child: 5), .init(master: 6, child: 7), .init(master: 8, child: 9)],
            taskControl: [.init(master: 10, child: 11), .init(master: 12, child: 13)],
            mesh: [[-1, 14, 15], [16, -1, 17], [18, 19, -1]],
            taskLinks: [[(20, 21), (22, 23)], [(24, 25), (26, 27)], [(28, 29), (30, 31)]],
            handOver: [.init(master: 32, child: 33), .init(master: 34, child: 35), .init(master: 36, child: 37)])
        let launch = ChildLaunch(role: .worker(2), handOverID: 77, regionName: "/chatroom-abc", topology: topology,
                                 configuration: configuration)
        let decoded = try #require(ChildLaunch(decoding: launch.encoded()))
        #expect(decoded == launch)
        #expect(decoded.role == .worker(2))
        #expect(decoded.handOverID == 77)
        let rebuilt = decoded.topology
        #expect(rebuilt.descriptors(for: .worker(2)) == topology.descriptors(for: .worker(2)))
        #expect(rebuilt.descriptors(for: .taskWorker(1)) == topology.descriptors(for: .taskWorker(1)))
        let restored = try decoded.configuration()
        #expect(ConfigKeys.settings(of: restored) == ConfigKeys.settings(of: configuration))
        #expect(restored.port == 6001 && restored.rooms == ["lobby", "dev"] && restored.echo)
        #expect(restored.databaseURL == configuration.databaseURL && restored.logFile == configuration.logFile)
    }

    @Test func damagedRecordsAreRefused() {
        #expect(ChildLaunch(decoding: "zz") == nil)
        #expect(ChildLaunch(decoding: "") == nil)
        let topology = ProcessTopology(listener: 3, workerControl: [.init(master: 4, child: 5)], taskControl: [],
                                       mesh: [[-1]], taskLinks: [[]], handOver: [.init(master: 6, child: 7)])
        let text = ChildLaunch(role: .taskWorker(0), handOverID: 0, regionName: "/r", topology: topology,
                               configuration: Configuration()).encoded()
        #expect(ChildLaunch(decoding: String(text.dropLast(2))) == nil)
        #expect(ChildLaunch(decoding: text + "00") == nil)
    }

    @Test func aRecordOfAnotherWireFormatIsRefused() {
        let topology = ProcessTopology(listener: 3, workerControl: [.init(master: 4, child: 5)], taskControl: [],
                                       mesh: [[-1]], taskLinks: [[]], handOver: [.init(master: 6, child: 7)])
        let text = ChildLaunch(role: .worker(0), handOverID: 0, regionName: "/r", topology: topology,
                               configuration: Configuration()).encoded()
        #expect(text.hasPrefix(Hex.encode([ChildLaunch.wireFormat])))
        #expect(ChildLaunch(decoding: text) != nil)
        // A master from before the format byte (its record starts with the role) or of a newer format.
        #expect(ChildLaunch(decoding: String(text.dropFirst(2))) == nil)
        #expect(ChildLaunch(decoding: Hex.encode([ChildLaunch.wireFormat &+ 1]) + text.dropFirst(2)) == nil)
    }

    @Test func everySettingRoundTrips() throws {
        let defaults = Configuration()
        let settings = ConfigKeys.settings(of: defaults)
        // Unset optional settings are left out (by default: the log file and the database URL);
        // everything else is there.
        #expect(settings.count >= ConfigKeys.all.count - 2)
        #expect(Set(ConfigKeys.all.map(\.variable)).subtracting(settings.map(\.variable)) == ["CHATROOM_LOG_FILE", "DATABASE_URL"])
        #expect(ConfigKeys.settings(of: try ConfigKeys.configuration(from: settings)) == settings)
        #expect(throws: ConfigError.self) { try ConfigKeys.configuration(from: [.init(variable: "CHATROOM_NOPE", value: "1")]) }
    }
}
