import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The HTTP half of `khru serve`: the output folder's files, with the live-reload script added to
/// every HTML page sent, and the event stream at ``LiveReload/eventsPath``.
///
/// Only `GET` and `HEAD` are answered. A path outside the folder (by `..`, by its percent-encoded
/// forms, or through a symbolic link), a hidden file (the cache, the lock) or a missing file is a 404.
public struct WorkshopServer: Sendable {
    /// The files served.
    public let files: StaticFiles
    /// The events sent to pages.
    public let hub: EventHub

    /// Serves the files under `output` and the events of `hub`.
    ///
    /// - Throws: ``StaticFilesError`` when the folder does not exist.
    public init(output: String, hub: EventHub) throws(StaticFilesError) {
        files = try StaticFiles(directory: output)
        self.hub = hub
    }

    /// Serves on `host`:`port` until SIGINT or SIGTERM, then closes every event stream and returns.
    ///
    /// - Parameters:
    ///   - host: The address to bind (`127.0.0.1` keeps the reports to this machine).
    ///   - port: The port; `0` picks a free one.
    ///   - onRunning: Called with the address once the server listens, e.g. `http://127.0.0.1:8000/`.
    /// - Throws: When the address cannot be bound.
    public func run(host: String, port: Int, onRunning: @escaping @Sendable (String) -> Void) async throws {
        var logger = Logger(label: "khru.serve")
        logger.logLevel = .error
        let app = Application(
            responder: WorkshopResponder(files: files, hub: hub),
            configuration: .init(address: .hostname(host, port: port), serverName: "khru"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                let shown = host.contains(":") ? "[\(host)]" : host
                onRunning("http://\(shown):\(bound)/")
            },
            logger: logger)
        // Services stop in reverse order: the event streams end first, so the server has no
        // never-ending response to wait for.
        let group = ServiceGroup(
            configuration: .init(
                services: [app, EventStreamCloser(hub: hub)], gracefulShutdownSignals: [.sigint, .sigterm],
                logger: logger))
        try await group.run()
    }
}

/// Ends every event stream when the service group shuts down.
private struct EventStreamCloser: Service {
    let hub: EventHub

    func run() async throws {
        try? await gracefulShutdown()
        hub.close()
    }
}

/// Answers one request: a file, the event stream, or 404.
struct WorkshopResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let files: StaticFiles
    let hub: EventHub

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            return Self.text(.methodNotAllowed, "only GET and HEAD\n")
        }
        let path = request.uri.path
        if path == LiveReload.eventsPath { return events() }
        guard let file = files.file(for: path), let data = FileManager.default.contents(atPath: file) else {
            return Self.text(.notFound, "not found\n")
        }
        let type = StaticFiles.contentType(of: file)
        var bytes = data
        if type.hasPrefix("text/html") {
            bytes = Data(LiveReload.inject(into: String(decoding: data, as: UTF8.self)).utf8)
        }
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        headers[.contentLength] = String(bytes.count)
        let body =
            request.method == .head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The event stream: the current state, then every event until the page leaves or the server stops.
    private func events() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let stream = hub.subscribe()
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
            for await event in stream {
                try await writer.write(ByteBuffer(string: event.serverSentText))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    private static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
