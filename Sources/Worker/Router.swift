import Shared

/// Where each request goes: health, the WebSocket endpoints, then static files.
final class Router {
    private unowned let worker: ReactorWorker
    private let staticFiles: StaticFileServer
    let echo: EchoEndpoint?
    private let storageFiles: StaticFileServer

    init(worker: ReactorWorker) throws {
        self.worker = worker
        staticFiles = StaticFileServer(directory: worker.configuration.staticDir)
        echo = worker.configuration.echo ? EchoEndpoint() : nil
        storageFiles = StaticFileServer(directory: worker.configuration.storageDir, urlPrefix: "/storage")
    }

    func route(_ exchange: HTTPExchange) {
        let path = exchange.head.path
        if let engineIO = worker.engineIO.server(forPath: path) { return engineIO.handle(exchange) }
        switch path {
        case "/health":
            guard exchange.head.method == .get || exchange.head.method == .head else {
                return exchange.respondError(.methodNotAllowed, "use GET for /health", headers: ["Allow": "GET, HEAD"])
            }
            var json: [UInt8] = Array("{\"status\":\"ok\",\"worker\":\(worker.slot)}".utf8)
            if worker.stopping { json = Array("{\"status\":\"stopping\",\"worker\":\(worker.slot)}".utf8) }
            exchange.respondJSON(.ok, json)
        case "/metrics" where worker.configuration.metrics:
            guard exchange.head.method == .get || exchange.head.method == .head else {
                return exchange.respondError(.methodNotAllowed, "use GET for /metrics", headers: ["Allow": "GET, HEAD"])
            }
            let snapshot = MetricsSnapshot(region: worker.context.region, roomCount: worker.configuration.rooms.count)
            let text = MetricsExposition.render(snapshot, roomNames: worker.configuration.rooms)
            exchange.respond(.ok, contentType: PrometheusText.contentType, body: Array(text.utf8))
        case "/ws", "/ws/":
            exchange.upgradeToWebSocket(worker.broadcastHub)
        case "/echo", "/echo/":
            guard let echo else { return staticFiles.serve(exchange) }
            exchange.upgradeToWebSocket(echo)
        case _ where path.hasPrefix("/api/"):
            worker.api.route(exchange)
        case _ where path.hasPrefix("/storage/"):
            storageFiles.serve(exchange)
        default:
            staticFiles.serve(exchange)
        }
    }
}
