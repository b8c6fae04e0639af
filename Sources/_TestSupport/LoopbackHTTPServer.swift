import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A small HTTP/1.1 file server on 127.0.0.1 for tests that download: `GET` and `HEAD` of the files
/// it is given, byte ranges (`Range: bytes=N-`), and, on request, a connection cut half-way through
/// a file, as a flaky network would.
///
/// One connection at a time, each closed after its answer. Tests never reach the real network.
public final class LoopbackHTTPServer: @unchecked Sendable {
    /// One request as received.
    public struct Request: Sendable, Hashable {
        /// The request path (`/x.tgz`).
        public var path: String
        /// The `Range` header, if any.
        public var range: String?

        /// A request for `path` with the `Range` header `range`.
        public init(path: String, range: String?) {
            self.path = path
            self.range = range
        }
    }

    /// The port it listens on.
    public let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var files: [String: [UInt8]]
    private var cuts: [String: Int] = [:]
    private var stalls: [String: Int] = [:]
    private var ignoresRanges = false
    private var received: [Request] = []
    private var stopped = false

    /// Starts serving `files` (URL path such as `/x.tgz` → bytes) on a free loopback port.
    ///
    /// - Throws: when no socket can be bound.
    public init(files: [String: [UInt8]]) throws {
        self.files = files
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ServerError("socket: errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(socket, 16) == 0 else {
            close(socket)
            throw ServerError("bind/listen on 127.0.0.1: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = socket
        Thread.detachNewThread { [self] in serve() }
    }

    deinit { stop() }

    /// `http://127.0.0.1:<port>/`.
    public var baseURL: String { "http://127.0.0.1:\(port)/" }

    /// The requests answered so far, in order.
    public var requests: [Request] { lock.withLock { received } }

    /// Sets (or replaces) the file at `path`.
    public func setFile(_ path: String, _ bytes: [UInt8]) { lock.withLock { files[path] = bytes } }

    /// The next full answer for `path` sends its headers (with the whole length) but only `bytes`
    /// bytes of the body, then closes the connection.
    public func cutNextResponse(to path: String, after bytes: Int) { lock.withLock { cuts[path] = bytes } }

    /// The next full answer for `path` sends its headers and `bytes` bytes of the body, then sends
    /// nothing more for ten seconds (a stalled network) before closing.
    public func stallNextResponse(to path: String, after bytes: Int) {
        lock.withLock { stalls[path] = bytes }
    }

    /// Whether `Range` headers are ignored (every answer a whole `200`), as some plain servers do.
    public func setIgnoresRanges(_ value: Bool) { lock.withLock { ignoresRanges = value } }

    /// Stops listening.
    public func stop() {
        let wasRunning = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        if wasRunning {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
        }
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var head = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !head.ends(with: Array("\r\n\r\n".utf8)) {
            let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, 1, 0) }
            if n <= 0 { return }
            head.append(buffer[0])
            if head.count > 65536 { return }
        }
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = lines.first?.split(separator: " ") ?? []
        guard requestLine.count >= 2 else { return }
        let method = String(requestLine[0])
        let path = String(requestLine[1])
        var range: String?
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "range" {
                range = parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        let (file, cut, stall, honoursRange): ([UInt8]?, Int?, Int?, Bool) = lock.withLock {
            received.append(Request(path: path, range: range))
            return (
                files[path], cuts.removeValue(forKey: path), stalls.removeValue(forKey: path), !ignoresRanges
            )
        }
        guard let file, method == "GET" || method == "HEAD" else {
            send(
                connection,
                Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
            return
        }
        var start = 0
        var status = "200 OK"
        var extra = ""
        if honoursRange, let range, range.hasPrefix("bytes="), let dash = range.firstIndex(of: "-"),
            let first = Int(range[range.index(range.startIndex, offsetBy: 6)..<dash])
        {
            guard first < file.count else {
                send(
                    connection,
                    Array(
                        ("HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */\(file.count)\r\n"
                            + "Content-Length: 0\r\nConnection: close\r\n\r\n").utf8))
                return
            }
            start = first
            status = "206 Partial Content"
            extra = "Content-Range: bytes \(first)-\(file.count - 1)/\(file.count)\r\n"
        }
        let body = Array(file[start...])
        let header =
            "HTTP/1.1 \(status)\r\nContent-Type: application/octet-stream\r\nAccept-Ranges: bytes\r\n"
            + extra + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        send(connection, Array(header.utf8))
        guard method == "GET" else { return }
        if let stall {
            send(connection, Array(body.prefix(stall)))
            Thread.sleep(forTimeInterval: 10)
            return
        }
        send(connection, cut.map { Array(body.prefix($0)) } ?? body)
    }

    private func send(_ connection: Int32, _ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes {
                Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if n <= 0 { return }
            sent += n
        }
    }

    /// A server that could not start.
    public struct ServerError: Error, CustomStringConvertible {
        /// What failed.
        public var description: String
        init(_ description: String) { self.description = description }
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
