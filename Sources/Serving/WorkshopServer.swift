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
///
/// With a data mirror folder (`khru serve --data`), `/<name>` is also that folder's file `<name>`,
/// streamed with byte ranges (`Range: bytes=N-`), so `KHRU_DATA_MIRROR=http://host:port/` points other
/// machines' downloads here and a broken one resumes.
public struct WorkshopServer: Sendable {
    /// The files served.
    public let files: StaticFiles
    /// The classroom mirror's archives, if served.
    public let mirror: StaticFiles?
    /// The events sent to pages.
    public let hub: EventHub

    /// Serves the files under `output`, the archives in `mirror` (if given), and the events of `hub`.
    ///
    /// - Throws: ``StaticFilesError`` when a folder does not exist.
    public init(output: String, hub: EventHub, mirror: String? = nil) throws(StaticFilesError) {
        files = try StaticFiles(directory: output)
        if let mirror {
            self.mirror = try StaticFiles(directory: mirror)
        } else {
            self.mirror = nil
        }
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
            responder: WorkshopResponder(files: files, mirror: mirror, hub: hub),
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
    var mirror: StaticFiles?
    let hub: EventHub

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            return Self.text(.methodNotAllowed, "only GET and HEAD\n")
        }
        let path = request.uri.path
        if path == LiveReload.eventsPath { return events() }
        if let mirror, path.dropFirst().firstIndex(of: "/") == nil, let file = mirror.file(for: path) {
            return try await archive(file, request: request, context: context)
        }
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

    /// A mirror's archive, whole (200) or from the byte a `Range: bytes=N-` asks (206), streamed from disk.
    private func archive(_ file: String, request: Request, context: Context) async throws -> Response {
        let size = ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0
        var headers = HTTPFields()
        headers[.contentType] = "application/octet-stream"
        headers[.acceptRanges] = "bytes"
        var first = 0
        var status = HTTPResponse.Status.ok
        if let range = request.headers[.range] {
            guard let start = Self.rangeStart(range), start < size else {
                headers[.contentRange] = "bytes */\(size)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            }
            first = start
            status = .partialContent
            headers[.contentRange] = "bytes \(start)-\(size - 1)/\(size)"
        }
        headers[.contentLength] = String(size - first)
        if request.method == .head || size == 0 { return Response(status: status, headers: headers) }
        let body = try await FileIO().loadFile(path: file, range: first...(size - 1), context: context)
        return Response(status: status, headers: headers, body: body)
    }

    /// `bytes=N-` or `bytes=N-M` → N (a suffix range `bytes=-M` and several ranges are not offered).
    static func rangeStart(_ header: String) -> Int? {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.hasPrefix("bytes="), !text.contains(","), let dash = text.firstIndex(of: "-") else {
            return nil
        }
        return Int(text[text.index(text.startIndex, offsetBy: 6)..<dash])
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
