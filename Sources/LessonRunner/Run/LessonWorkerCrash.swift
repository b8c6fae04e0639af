import Foundation
import LessonSource
import Localization
import Reporting
import Synchronization
import TensorCore

// What a dead worker leaves behind: how it ended, the tail of its standard error, and the frames
// of the Swift backtracer there, which name the library function that trapped.

/// How a child process ended.
struct ExitStatus: Hashable, Sendable {
    /// The raw `waitpid` status.
    var raw: Int32

    var exitedNormally: Bool { raw & 0x7f == 0 && (raw >> 8) & 0xff == 0 }
    var signal: Int32? { raw & 0x7f != 0 && raw & 0x7f != 0x7f ? raw & 0x7f : nil }
    var exitCode: Int32? { raw & 0x7f == 0 ? (raw >> 8) & 0xff : nil }

    /// ` in <function> at <file:line>: <runtime message>`, as far as they are known.
    static func details(runtimeMessage: String?, site: String?) -> String {
        (site.map { " in \($0)" } ?? "") + (runtimeMessage.map { ": \($0)" } ?? "")
    }

    /// What happened, with where and the runtime's message when they are known, in `language`.
    func explanation(runtimeMessage: String?, site: String? = nil, in language: Language = .en) -> String {
        let said = Self.details(runtimeMessage: runtimeMessage, site: site)
        if let signal {
            let name = Self.signalNames[signal].map { "SIG\($0)" } ?? "signal \(signal)"
            if signal == SIGKILL {
                return ReportWords.fill(ReportWords.processKilled, name, said, in: language)
            }
            let what = String(cString: strsignal(signal)).lowercased()
            return ReportWords.fill(ReportWords.processCrashed, " (\(name), \(what))" + said, in: language)
        }
        return ReportWords.fill(ReportWords.processExited, "\(exitCode ?? -1)", said, in: language)
    }

    static let signalNames: [Int32: String] = [
        SIGILL: "ILL", SIGTRAP: "TRAP", SIGABRT: "ABRT", SIGBUS: "BUS", SIGFPE: "FPE", SIGKILL: "KILL",
        SIGSEGV: "SEGV", SIGTERM: "TERM", SIGINT: "INT", SIGPIPE: "PIPE",
    ]
}

/// Reads a worker's standard error on a thread: passes each line on and keeps the last ones, to find
/// the runtime's message when the worker crashes.
final class ErrorTail: Sendable {
    private let lines = Mutex<[String]>([])
    private let done = DispatchSemaphore(value: 0)
    private let crashNoticed = Mutex<ContinuousClock.Instant?>(nil)

    /// When the worker's standard error first said it crashed (the backtracer's banner), if it has.
    var crashedSince: ContinuousClock.Instant? { crashNoticed.withLock { $0 } }

    init(descriptor: Int32, forward: @escaping @Sendable (String) -> Void) {
        Thread.detachNewThread { [self] in
            var pending = Data()
            var buffer = [UInt8](repeating: 0, count: 1 << 14)
            // The runtime's stack dump and the backtracer's report after a crash are kept, to find the
            // message and the function that trapped, but not passed on: the located error says it.
            var inStackDump = false
            var inBacktrace = false
            func take(_ line: Data) {
                let text = String(decoding: line, as: UTF8.self)
                lines.withLock {
                    $0.append(text)
                    if $0.count > 400 { $0.removeFirst($0.count - 400) }
                }
                if text.hasPrefix("*** Signal") || text.hasPrefix("*** Program crashed") {
                    inBacktrace = true
                    crashNoticed.withLock { if $0 == nil { $0 = .now } }
                } else if inBacktrace {
                    if text.hasPrefix("Backtrace took") { inBacktrace = false }
                } else if text.hasPrefix("Current stack trace:") {
                    inStackDump = true
                } else if inStackDump, text.first?.isNumber == true {
                } else if text.isEmpty {
                } else {
                    inStackDump = false
                    forward(text)
                }
            }
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                pending.append(contentsOf: buffer[0..<count])
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    take(Data(pending[pending.startIndex..<newline]))
                    pending = Data(pending[(newline + 1)...])
                }
            }
            if !pending.isEmpty { take(pending) }
            close(descriptor)
            done.signal()
        }
    }

    /// Waits (at most two seconds: a grandchild may still hold the pipe) for the end of the stream.
    func finish() { _ = done.wait(timeout: .now() + 2) }

    /// The runtime's last fatal message (`Fatal error: …`, `Precondition failed: …`), without the
    /// source path the runtime prefixes it with.
    var runtimeMessage: String? {
        let markers = [
            "Fatal error:", "Precondition failed:", "precondition failure", "Assertion failed:",
            "Unexpectedly found nil",
        ]
        return lines.withLock { lines in
            for line in lines.reversed() {
                for marker in markers {
                    guard let range = line.range(of: marker) else { continue }
                    return String(line[range.lowerBound...]).trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
    }

    /// Where the backtracer says the crashed thread was.
    ///
    /// Its innermost function of Khru's (not the runtime's) and the first source line in Khru's library
    /// (not the runner), e.g.
    /// `MSELossFlat.callAsFunction(_:_:) at Training/Learner.swift:385`.
    var crashSite: String? {
        lines.withLock { lines in
            guard let start = lines.lastIndex(where: { $0.hasPrefix("*** Program crashed") }) else {
                return nil
            }
            var function: String?
            var source: String?
            for line in lines[start...] {
                guard let frame = BacktraceFrame(line) else { continue }
                if function == nil, !frame.isRuntime { function = frame.function }
                if source == nil, let place = frame.librarySource { source = place }
                if function != nil && source != nil { break }
            }
            guard let function else { return nil }
            return function + (source.map { " at \($0)" } ?? "")
        }
    }
}

/// One frame line of the Swift backtracer's report:
/// `  3 [ra]   0x… AnyLearner.fit(_:lr:) + 1036 in khru at /…/Sources/Training/Learner.swift:205:13`.
struct BacktraceFrame {
    /// The function, without `specialized`.
    var function: String
    /// The frame's flags and image say it is the Swift runtime's or a thunk.
    var isRuntime: Bool
    /// `Module/File.swift:line` when the frame is in a library module of Khru (not the runner or the CLI).
    var librarySource: String?

    init?(_ line: String) {
        guard let address = line.range(of: " 0x"), line.prefix(4).contains(where: \.isNumber) else {
            return nil
        }
        let afterAddress = line[address.upperBound...].drop { $0.isHexDigit }.drop { $0 == " " }
        let end =
            afterAddress.range(of: " + ")?.lowerBound ?? afterAddress.range(of: " in ")?.lowerBound
            ?? afterAddress.endIndex
        var name = String(afterAddress[..<end])
        if name.hasPrefix("specialized ") { name.removeFirst("specialized ".count) }
        guard !name.isEmpty else { return nil }
        function = name
        let flags = line[..<address.lowerBound]
        isRuntime =
            flags.contains("[system]") || flags.contains("[thunk]") || line.contains(" in libswift")
            || name.hasPrefix("_assertionFailure") || name.hasPrefix("Swift.")
        librarySource = nil
        if let at = line.range(of: " at ", options: .backwards),
            let sources = line[at.upperBound...].range(of: "/Sources/")
        {
            let relative = line[sources.upperBound...]
            let module = relative.prefix { $0 != "/" }
            if !["LessonRunner", "khru", "Serving", "LessonSource", "Reporting"].contains(String(module)) {
                // Module/File.swift:line, without the column.
                let parts = relative.split(separator: ":")
                librarySource = parts.count >= 2 ? "\(parts[0]):\(parts[1])" : String(relative)
            }
        }
    }
}
