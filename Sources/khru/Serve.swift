import ArgumentParser
import Foundation
import LessonRunner
import Serving

extension Khru {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve reports live; rerun and reload on every save.",
            discussion: """
                Workshop mode. Builds every lesson, serves <output> (reports and index) on \
                http://127.0.0.1:8000/, watches the lessons and the files their include= cells show, and on \
                every save reruns from the first changed cell (a prose edit runs nothing), rewrites the \
                report and reloads the pages showing it, keeping their scroll position. While a cell runs, \
                its page shows the cell and its training progress; problems show at once with their \
                positions. The files written stay static; the live script is added only to pages served. \
                Each build runs in its own process: a cell that crashes it shows its message in the page \
                and the server stays up. One server per output folder (<output>/.serve.lock). Ctrl-C \
                stops it.
                """)

        @Argument(help: "Lesson files or folders (searched recursively for *.md).")
        var paths: [String] = ["lessons"]
        @Option(help: "The port to listen on (0 picks a free one).") var port = 8000
        @Option(help: "The address to listen on; anything but loopback lets the network reach the reports.")
        var host = "127.0.0.1"
        @Option(help: "The folder reports are written under and served from.") var output = "output"
        @Option(
            help: ArgumentHelp(
                "A classroom data mirror to serve at the root too (made by `khru data mirror`).",
                discussion:
                    "Other machines then download from it with KHRU_DATA_MIRROR=http://<host>:<port>/.",
                valueName: "folder"))
        var data: String?
        @Option(
            help: "The most the cache under <output>/.cache keeps, in MiB (least recently used go first).")
        var cacheLimit = RunCache.defaultSizeLimit >> 20
        @OptionGroup var parameters: ParameterArguments
        @OptionGroup var limits: RunLimits

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
            try parameters.validate(against: try LessonPaths(paths: paths).files())
            var isFolder: ObjCBool = false
            if let data,
                !(FileManager.default.fileExists(atPath: data, isDirectory: &isFolder) && isFolder.boolValue)
            {
                throw ValidationError(
                    "--data \(data): no such folder (make it with `khru data mirror \(data)`)")
            }
        }

        /// Why the server could not listen, in a user's words: a busy port names the next one to try.
        static func bindFailure(_ error: Error, host: String, port: Int) -> String {
            let text = String(describing: error)
            if text.contains("Address already in use") || text.contains("errno: 98") {
                return "port \(port) is in use on \(host); try --port \(port == 65535 ? 8001 : port + 1)"
            }
            if text.contains("Permission denied") || text.contains("errno: 13") {
                return "port \(port) needs root on \(host); try --port 8000"
            }
            if text.contains("Cannot assign requested address") || text.contains("errno: 99") {
                return "\(host) is not an address of this machine; try --host 127.0.0.1"
            }
            return "cannot serve on \(host):\(port): \(text)"
        }

        func run() async throws {
            let lock: ServeLock
            do {
                lock = try ServeLock(outputDirectory: output)
            } catch {
                eprint(error.description)
                throw ExitCode.failure
            }
            defer { lock.release() }
            if !["127.0.0.1", "localhost", "::1"].contains(host) {
                eprint(
                    "warning: listening on \(host): anyone who can reach this machine (the class network) can "
                        + "open these reports; use --host 127.0.0.1 to keep them to this machine")
            }
            let hub = EventHub()
            let server = try WorkshopServer(output: output, hub: hub, mirror: data)
            let workshop = Workshop(
                paths: paths, output: output, cacheLimit: cacheLimit << 20, hub: hub,
                worker: limits.inProcess ? nil : LessonWorker(), defaultTimeout: limits.timeout,
                parameters: try parameters.overrides(),
                log: { line in
                    print(line)
                    fflush(nil)
                })
            let host = self.host
            do {
                try await server.run(host: host, port: port) { url in
                    lock.record(url: url)
                    print("serving \(url) (Ctrl-C stops)")
                    if let data = self.data {
                        print("serving the data mirror \(data) at \(url) (KHRU_DATA_MIRROR=\(url))")
                    }
                    fflush(nil)
                    Thread.detachNewThread { workshop.run() }
                }
            } catch {
                eprint("error: " + Self.bindFailure(error, host: host, port: port))
                throw ExitCode.failure
            }
            workshop.stop()
            if let cell = workshop.runningCell {
                eprint(
                    "stopped; cell '\(cell)' was still running and is abandoned (the cache keeps finished cells)"
                )
            } else {
                eprint("stopped")
            }
        }
    }
}

extension LessonPaths {
    init(paths: [String]) {
        self.init()
        self.paths = paths
    }
}
