// swift-tools-version:6.0
import PackageDescription

// One executable, `chatroom`, that plays every role by forking itself (see README "Layout").
// No package dependencies: system C libraries only (libpq, libcrypt), reached through
// the small C targets beside the Swift ones.
let package = Package(
    name: "ChatRoom",
    products: [
        .executable(name: "chatroom", targets: ["chatroom"]),
        .executable(name: "chatroom-bench", targets: ["chatroom-bench"]),
    ],
    targets: [
        // Syscall glue Swift's Glibc module lacks: epoll, signalfd, accept4, SCM_RIGHTS, prctl.
        .target(name: "CShim", path: "Sources/CShim", cSettings: [.define("_GNU_SOURCE")]),
        // The fixed-capacity tables in shared memory, built on C11 atomics.
        .target(name: "CSharedMemory", path: "Sources/CSharedMemory"),
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCrypt", path: "Sources/CCrypt", pkgConfig: "libcrypt",
                       providers: [.apt(["libcrypt-dev"])]),

        // Pure protocol code (HTTP, WebSocket, JSON, Engine.IO), the event loop, IPC, config, logging.
        .target(name: "Shared", dependencies: ["CShim", "CSharedMemory"], path: "Sources/Shared"),
        // Reactor worker: one epoll loop per process serving HTTP, WebSocket and the chat protocol.
        .target(name: "Worker", dependencies: ["Shared"], path: "Sources/Worker"),
        // Task worker: jobs from reactor workers, written to PostgreSQL in batches.
        .target(name: "TaskWorker", dependencies: ["Shared", "CPostgres", "CCrypt"], path: "Sources/TaskWorker",
                exclude: ["Storage/JOBS.md"]),
        // The executable: CLI, master process, daemonizing; forks the roles above.
        .executableTarget(name: "chatroom", dependencies: ["Shared", "Worker", "TaskWorker"],
                          path: "Sources/Master"),
        // Load client: a single-process epoll WebSocket/Socket.IO benchmark (loopback only).
        .executableTarget(name: "chatroom-bench", dependencies: ["Shared", "CShim"], path: "Sources/Bench"),

        .testTarget(name: "SharedTests", dependencies: ["Shared"], path: "Tests/SharedTests"),
        .testTarget(name: "StorageTests", dependencies: ["TaskWorker", "Shared"], path: "Tests/StorageTests"),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "Shared"], path: "Tests/WorkerTests"),
        .testTarget(name: "BenchTests", dependencies: ["chatroom-bench"], path: "Tests/BenchTests"),
    ]
)
