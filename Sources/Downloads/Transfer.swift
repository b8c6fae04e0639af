import Foundation
import Training

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One HTTP transfer of a file into a `.part`, resumed from the bytes already there (an HTTP `Range`
/// request), through Foundation's `URLSession` (libcurl underneath on Linux).
///
/// The calling thread waits, wakes four times a second to draw progress and to stop the transfer at
/// the deadline of ``ExternalCommand/deadline`` (a cell's `timeout=`).
enum Transfer {
    /// How one attempt ended.
    enum Outcome {
        /// The server sent the whole file; the `.part` holds `size` bytes.
        case complete(size: Int)
        /// No connection could be made: no route, no such host, connection refused.
        case unreachable(String)
        /// The server answered with a status other than 200/206 (416: the `.part` is longer than the file).
        case status(Int)
        /// The connection broke or stalled after it was made; `received` bytes arrived in this attempt.
        case broken(String, received: Int)
        /// The deadline passed.
        case deadline
        /// Writing the `.part` failed.
        case disk(String)
    }

    /// Fetches `url` into `part` from byte `offset` (the `.part`'s length), showing `progress`.
    static func attempt(
        _ url: URL, into part: Path, offset: Int, settings: DownloadSettings, progress: DownloadProgress
    ) -> Outcome {
        let handle: FileHandle
        do {
            if !FileManager.default.fileExists(atPath: part.string) {
                guard FileManager.default.createFile(atPath: part.string, contents: nil) else {
                    return .disk("cannot create \(part)")
                }
            }
            handle = try FileHandle(forWritingTo: part.url)
            try handle.truncate(atOffset: UInt64(offset))
            try handle.seekToEnd()
        } catch {
            return .disk("cannot open \(part): \(error.localizedDescription)")
        }
        defer { try? handle.close() }

        let receiver = Receiver(file: handle, offset: offset)
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = settings.idleTimeout
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: configuration, delegate: receiver, delegateQueue: queue)
        defer { session.finishTasksAndInvalidate() }
        var request = URLRequest(url: url)
        // The archive's own bytes: no transparent decompression of a .tgz served gzip-encoded.
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        request.setValue("khru", forHTTPHeaderField: "User-Agent")
        if offset > 0 { request.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
        let task = session.dataTask(with: request)
        task.resume()

        let deadline = ExternalCommand.deadline
        var stoppedAtDeadline = false
        while receiver.done.wait(timeout: .now() + .milliseconds(250)) == .timedOut {
            let state = receiver.snapshot()
            progress.update(onDisk: state.start + state.received, total: state.total)
            if let deadline, ContinuousClock.now >= deadline, !stoppedAtDeadline {
                stoppedAtDeadline = true
                task.cancel()
            }
        }
        let state = receiver.snapshot()
        progress.update(onDisk: state.start + state.received, total: state.total)
        if stoppedAtDeadline { return .deadline }
        if let failure = state.failure { return .disk(failure) }
        if let status = state.status, status != 200 && status != 206 { return .status(status) }
        if let badRange = state.badRange { return .broken(badRange, received: state.received) }
        if let error = state.error {
            let code = (error as? URLError)?.code
            let text = (error as NSError).localizedDescription
            let unreachable: [URLError.Code] = [
                .cannotFindHost, .cannotConnectToHost, .dnsLookupFailed, .notConnectedToInternet,
            ]
            if state.status == nil, let code, unreachable.contains(code) {
                return .unreachable(text)
            }
            // No answer at all before the timeout: a route that drops packets looks like this.
            if state.status == nil, code == .timedOut {
                return .unreachable("no answer in \(Int(settings.idleTimeout)) s (\(text))")
            }
            return .broken(text, received: state.received)
        }
        guard state.status != nil else { return .broken("no answer", received: 0) }
        return .complete(size: state.start + state.received)
    }
}

/// Receives one transfer's response and bytes on the session's queue, writing them to the `.part`.
private final class Receiver: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    struct State {
        var status: Int?
        /// Where the bytes written in this attempt start in the file.
        var start: Int
        var received = 0
        var total: Int?
        var error: Error?
        var failure: String?
        var badRange: String?
    }

    let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private let file: FileHandle
    private let offset: Int
    private var state: State

    init(file: FileHandle, offset: Int) {
        self.file = file
        self.offset = offset
        self.state = State(start: offset)
    }

    func snapshot() -> State { lock.withLock { state } }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let http = response as? HTTPURLResponse
        let status = http?.statusCode ?? 0
        var disposition = URLSession.ResponseDisposition.allow
        lock.withLock {
            state.status = status
            switch status {
            case 200:
                // The server sends the whole file (it ignored or was not asked a range): start over.
                do {
                    try file.truncate(atOffset: 0)
                    try file.seek(toOffset: 0)
                    state.start = 0
                    state.total =
                        response.expectedContentLength > 0 ? Int(response.expectedContentLength) : nil
                } catch {
                    state.failure = "cannot rewind the .part: \(error.localizedDescription)"
                    disposition = .cancel
                }
            case 206:
                let range = http?.value(forHTTPHeaderField: "Content-Range") ?? ""
                if let (first, total) = Self.parseContentRange(range), first == offset {
                    state.total = total
                } else {
                    state.badRange =
                        "the server resumed with 'Content-Range: \(range)', not at byte \(offset)"
                    disposition = .cancel
                }
            default:
                disposition = .cancel
            }
        }
        completionHandler(disposition)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let failed: Bool = lock.withLock {
            guard state.failure == nil else { return true }
            do {
                try file.write(contentsOf: data)
                state.received += data.count
                return false
            } catch {
                state.failure = "cannot write the .part: \(error.localizedDescription)"
                return true
            }
        }
        if failed { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.withLock { state.error = error }
        done.signal()
    }

    /// `bytes FIRST-LAST/TOTAL` → (FIRST, TOTAL); TOTAL may be `*` (unknown).
    static func parseContentRange(_ text: String) -> (Int, Int?)? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes ") else { return nil }
        let rest = trimmed.dropFirst("bytes ".count)
        let parts = rest.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let dash = parts[0].firstIndex(of: "-"),
            let first = Int(parts[0][..<dash])
        else { return nil }
        return (first, Int(parts[1]))
    }
}
