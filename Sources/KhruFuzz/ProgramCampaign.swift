#if !FUZZING
    import Foundation

    /// Runs generated programs through `khru test` until time is up, keeping every program that ends
    /// in anything but exit 0 or 1 (a signal, a hang past the limit) under `crashes/`.
    struct ProgramCampaign {
        let khru: String
        let folder: String
        let seconds: Double
        let seed: UInt64
        let cells: Int
        /// Whether every program and its `khru test` output stay in `work/` (to read what they reach).
        var keep = false

        /// Runs the campaign and prints its tally; `false` when a program crashed.
        mutating func run() -> Bool {
            let work = folder + "/work"
            let crashes = folder + "/crashes"
            for path in [work, crashes] {
                try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            }
            var generator = ProgramGenerator(seed: seed)
            let start = Date()
            var (programs, located, crashed) = (0, 0, 0)
            while Date().timeIntervalSince(start) < seconds {
                let name = "p\(seed)-\(programs).md"
                let lesson = generator.lesson(cells: cells)
                let path = work + "/" + name
                guard (try? lesson.write(toFile: path, atomically: true, encoding: .utf8)) != nil else {
                    break
                }
                let outcome = Self.test(khru: khru, lesson: name, in: work)
                programs += 1
                located += outcome.output.components(separatedBy: ": error: ").count - 1
                if outcome.crashed {
                    crashed += 1
                    try? lesson.write(toFile: crashes + "/" + name, atomically: true, encoding: .utf8)
                    try? outcome.error.write(
                        toFile: crashes + "/" + name + ".stderr", atomically: true, encoding: .utf8)
                    print("CRASH \(name): \(outcome.status)")
                }
                if keep {
                    try? outcome.output.write(toFile: path + ".out", atomically: true, encoding: .utf8)
                } else {
                    try? FileManager.default.removeItem(atPath: path)
                }
                try? FileManager.default.removeItem(atPath: work + "/output")
            }
            print(
                "\(programs) programs of \(cells) cells in \(Int(Date().timeIntervalSince(start))) s: "
                    + "\(located) located errors, \(crashed) crashes (seed \(seed))")
            print("library calls generated (name: count):")
            for (call, count) in generator.calls.sorted(by: { $0.key < $1.key }) {
                print("  \(call): \(count)")
            }
            return crashed == 0
        }

        /// `khru test lesson` in `folder`, stopped after two minutes.
        static func test(
            khru: String, lesson: String, in folder: String
        ) -> (
            crashed: Bool, status: String, output: String, error: String
        ) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: khru)
            process.arguments = ["test", lesson, "--output", "output"]
            process.currentDirectoryURL = URL(fileURLWithPath: folder)
            var environment = ProcessInfo.processInfo.environment
            environment["SWIFT_BACKTRACE"] = "enable=no"
            environment["OPENBLAS_NUM_THREADS"] = "1"
            process.environment = environment
            let output = Pipe()
            let error = Pipe()
            process.standardOutput = output
            process.standardError = error
            do { try process.run() } catch { return (true, "could not start: \(error)", "", "") }
            let timer = DispatchWorkItem { process.terminate() }
            DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: timer)
            let outputData = output.fileHandleForReading.readDataToEndOfFile()
            let errorData = error.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            timer.cancel()
            let text = String(decoding: outputData, as: UTF8.self)
            let errors = String(decoding: errorData, as: UTF8.self)
            let status = process.terminationStatus
            let signalled = process.terminationReason == .uncaughtSignal
            let crashed = signalled || (status != 0 && status != 1)
            return (crashed, signalled ? "signal \(status)" : "exit \(status)", text, errors)
        }
    }
#endif
