// A libFuzzer target over everything a lesson goes through: parse, check, interpret, render.
// Built only by `make fuzz` (with -sanitize=fuzzer -DFUZZING); an ordinary build makes a stub that
// says how to build the real one.

#if FUZZING
    import Foundation
    import LessonRunner
    import LessonSource
    import Reporting
    import TensorCore

    /// Set up once: a small memory budget, every dataset pointed at an empty folder, the registry.
    private final class Harness: @unchecked Sendable {
        static let shared = Harness()

        let registry = Registry.standard()
        let folder: String

        private init() {
            folder = NSTemporaryDirectory() + "khru-fuzz-\(getpid())"
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            setenv("KHRU_DATA", folder + "/data", 1)
            MemoryBudget.bytes = 64 << 20
        }

        /// Each cell gets at most a quarter of a second, so a loop the fuzzer writes ends.
        func capped(_ lesson: Lesson) -> Lesson {
            var lesson = lesson
            lesson.blocks = lesson.blocks.map { block in
                guard case .cell(var cell) = block else { return block }
                cell.attributes.timeout = min(cell.attributes.timeout ?? 0.25, 0.25)
                return .cell(cell)
            }
            return lesson
        }

        func run(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let text = String(validating: bytes, as: UTF8.self) else { return }
            let path = folder + "/lessons/en/01-fuzz.md"
            let (lesson, diagnostics) = LessonParser.parse(text, path: path)
            _ = LessonChecks.check([lesson], registry: registry)
            guard !diagnostics.contains(where: { $0.severity == .error }) else { return }
            var executor = LessonExecutor(registry: registry)
            executor.packageRoot = folder
            let report = executor.run(capped(lesson)).report
            _ = ReportRenderer.html(report)
            _ = ReportRenderer.manifest(report)
        }
    }

    /// libFuzzer's entry point: one input, any bytes.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func khruFuzzOne(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
        Harness.shared.run(UnsafeBufferPointer(start: data, count: count))
        return 0
    }

    /// libFuzzer's driver (in libclang_rt.fuzzer, which -sanitize=fuzzer links).
    @_silgen_name("LLVMFuzzerRunDriver")
    private func runDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ test: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
    ) -> CInt

    /// SwiftPM links an executable's `main` to `<target>_main`; with no `@main` here, this is it, and it
    /// hands over to libFuzzer (whose own `main` is then not linked).
    @_cdecl("khru_fuzz_main")
    public func khruFuzzMain(
        _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    ) -> CInt {
        var count = argc
        var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
        return runDriver(&count, &arguments) { data, size in khruFuzzOne(data, size) }
    }
#else
    import Foundation

    /// The ordinary build: the structured fuzzer (`khru-fuzz programs`), and a pointer to `make fuzz`.
    @main enum KhruFuzz {
        static func main() {
            let arguments = Array(CommandLine.arguments.dropFirst())
            guard arguments.first == "programs" else {
                print(
                    "khru-fuzz programs [--khru PATH] [--seconds N] [--seed N] [--cells N] [--out DIR] [--keep yes]: "
                        + "generated cell programs through khru test (make fuzz-programs)\n"
                        + "The libFuzzer target over lesson text is built and run by: make fuzz")
                exit(64)
            }
            var options: [String: String] = [:]
            var rest = arguments.dropFirst()
            while let key = rest.popFirst() {
                guard key.hasPrefix("--"), let value = rest.popFirst() else {
                    print("khru-fuzz: expected --option value, not \(key)")
                    exit(64)
                }
                options[String(key.dropFirst(2))] = value
            }
            var campaign = ProgramCampaign(
                khru: options["khru"] ?? ".build/debug/khru",
                folder: options["out"] ?? ".build/fuzz-programs",
                seconds: Double(options["seconds"] ?? "") ?? 60,
                seed: UInt64(options["seed"] ?? "") ?? 1,
                cells: Int(options["cells"] ?? "") ?? 12, keep: options["keep"] == "yes")
            exit(campaign.run() ? 0 : 1)
        }
    }
#endif
