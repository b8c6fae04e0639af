import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal HTTP/1.1 client over a loopback socket, so a test can send a path exactly as written
/// (`/../../etc/passwd` unnormalised) and read an event stream as it arrives.
enum HTTPProbe {
    /// One request's answer.
    struct Answer {
        var status: Int
        var headers: String
        var body: String
    }

    /// A connected socket to 127.0.0.1:`port`, with `timeout` on reads.
    static func connect(port: Int, timeout: Double = 5) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ProbeError("socket: \(errno)") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(socket)
            throw ProbeError("connect to port \(port): \(errno)")
        }
        return socket
    }

    static func send(_ socket: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if n <= 0 { return }
            sent += n
        }
    }

    /// `GET rawPath` (sent as it is), read to the end (the request asks the server to close).
    static func get(port: Int, _ rawPath: String, headers: [String] = []) throws -> Answer {
        let socket = try connect(port: port)
        defer { close(socket) }
        let extra = headers.map { $0 + "\r\n" }.joined()
        send(
            socket, "GET \(rawPath) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\(extra)Connection: close\r\n\r\n")
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw ProbeError("no HTTP answer to \(rawPath)") }
        let head = String(text[..<split.lowerBound])
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        var body = String(text[split.upperBound...])
        if head.lowercased().contains("transfer-encoding: chunked") { body = dechunk(body) }
        return Answer(status: status, headers: head, body: body)
    }

    private static func dechunk(_ text: String) -> String {
        var rest = Substring(text)
        var out = ""
        while let line = rest.range(of: "\r\n") {
            guard let size = Int(rest[..<line.lowerBound], radix: 16), size > 0 else { break }
            let start = line.upperBound
            let bytes = Array(rest[start...].utf8)
            out += String(decoding: bytes.prefix(size), as: UTF8.self)
            rest = Substring(String(decoding: bytes.dropFirst(size + 2), as: UTF8.self))
        }
        return out
    }
}

struct ProbeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A page's event stream (`/_khru/events`), read on a thread; every event with the time it came.
final class EventStream: @unchecked Sendable {
    struct Event {
        var name: String
        var json: [String: Any]
        var time: ContinuousClock.Instant
    }

    private let lock = NSLock()
    private var events: [Event] = []
    private let socket: Int32
    private var closed = false

    init(port: Int) throws {
        socket = try HTTPProbe.connect(port: port, timeout: 1)
        HTTPProbe.send(
            socket,
            "GET /_khru/events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n\r\n")
        Thread.detachNewThread { [self] in read() }
    }

    deinit { close() }

    func close() {
        lock.withLock {
            if !closed { shutdown(socket, Int32(SHUT_RDWR)) }
            closed = true
        }
    }

    private func read() {
        var pending = ""
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !lock.withLock({ closed }) {
            let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                break
            }
            pending += String(decoding: buffer[0..<n], as: UTF8.self)
            // Chunk-size lines of the chunked body are not "event:"/"data:" lines; they are skipped.
            while let end = pending.range(of: "\n\n") {
                let block = String(pending[..<end.lowerBound])
                pending = String(pending[end.upperBound...])
                var name: String?
                var data: String?
                // `\r\n` is one Character, so split on every kind of newline.
                for line in block.split(whereSeparator: \.isNewline) {
                    if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                    if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
                }
                guard let name, let data,
                    let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]
                else { continue }
                lock.withLock { events.append(Event(name: name, json: object, time: .now)) }
            }
        }
        Glibc.close(socket)
    }

    /// The events so far.
    var all: [Event] { lock.withLock { events } }

    /// Waits up to `timeout` for an event after the first `after` ones that `matches`; returns it.
    func wait(
        after: Int = 0, timeout: Duration = .seconds(30), _ matches: (Event) -> Bool
    ) -> Event? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let event = all.dropFirst(after).first(where: matches) { return event }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }
}
