import Foundation

/// The built `khru` binary (`swift build` puts it beside the test bundle in `.build/debug`).
enum KhruProcess {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/khru")

    /// Starts khru with `arguments` in `directory`, with `environment` added to this process's;
    /// standard output and error go to the pipes returned.
    static func start(
        _ arguments: [String], in directory: URL?, environment: [String: String] = [:]
    ) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        return (process, output, error)
    }

    /// Waits for a started khru; its exit status, standard output and standard error.
    static func finish(_ started: (Process, Pipe, Pipe)) -> (status: Int32, output: String, error: String) {
        let (process, output, error) = started
        let errorData = ErrorReader(error)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), errorData.text())
    }

    /// Runs khru with `arguments` in `directory` to the end.
    static func run(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
    ) throws -> (
        status: Int32, output: String, error: String
    ) {
        finish(try start(arguments, in: directory, environment: environment))
    }
}

/// Drains a pipe on a background thread, so a chatty standard error cannot block the process.
private final class ErrorReader: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func text() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}
