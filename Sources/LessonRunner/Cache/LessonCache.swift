import Foundation
import LessonSource
import Reporting
import TensorCore
import Training
import Vision

/// How a run uses the cache.
public struct CacheOptions {
    /// The store (its lock is held while it lives).
    public var store: RunCache
    /// Whether to ignore stored entries (every cell runs; entries are still written).
    public var force: Bool
    /// The cell to rerun (`--cell`); the cells before it come from the cache when they can.
    public var cell: String?
    /// Whether the cells after ``cell`` rerun too (`--downstream`).
    public var downstream: Bool

    /// Creates options.
    public init(store: RunCache, force: Bool = false, cell: String? = nil, downstream: Bool = false) {
        self.store = store
        self.force = force
        self.cell = cell
        self.downstream = downstream
    }
}

/// One lesson's use of the cache: keys, reuse, and the state cells from the cache need.
///
/// A cell from the cache does not run; its report is reused. The namespace it would have left is
/// rebuilt only when a later cell has to run: the reused cells' plans run again ("replay"), but each
/// training call inside them is replaced by restoring what the call left behind (weights, optimizer
/// state, recorder, data-loader epochs, random stream), so a replay costs the cheap parts of the cells
/// only. Every other value (data frames, tensors, data loaders as their recipe, closures, functions)
/// is rebuilt by its defining cell's plan under the cell's seed, so it is exactly what a fresh run
/// makes; a training call whose result cannot be saved (a learner with extra callbacks) simply runs.
final class LessonCache {
    let options: CacheOptions
    let lesson: Lesson
    private let fingerprints = FileFingerprints()
    /// The chained key of the last cell passed.
    private var chain = ""
    private var pending: [(cell: Cell, plan: CellPlan, entry: CellEntry)] = []
    private var files: Set<String> = []
    private var effects: [StepEffect] = []
    private var lessonDirectory: String

    init(options: CacheOptions, lesson: Lesson) {
        self.options = options
        self.lesson = lesson
        lessonDirectory = (lesson.path as NSString).deletingLastPathComponent
        // The parameters' values start the chain, so another value gives every cell another key.
        if let parameters = lesson.parametersCell {
            chain = CellKey.key(for: parameters, previous: "", seed: lesson.frontMatter.seed)
        }
    }

    private var store: RunCache { options.store }

    /// The key of `cell`, which comes next in the lesson.
    func key(for cell: Cell) -> String {
        CellKey.key(for: cell, previous: chain, seed: lesson.frontMatter.seed)
    }

    /// The stored entry for `cell` under `key` whose files are unchanged, unless the run ignores it.
    func entry(for cell: Cell, key: String) -> CellEntry? {
        guard !options.force, let entry = store.entry(for: key, cellID: cell.id) else { return nil }
        for (path, fingerprint) in entry.files where fingerprints.fingerprint(path) != fingerprint {
            return nil
        }
        return entry
    }

    /// Takes `entry` as `cell`'s result: returns its report (marked cached, with its original time)
    /// and queues the cell for replay if a later cell runs.
    func reuse(_ entry: CellEntry, cell: Cell, plan: CellPlan) -> CellReport {
        pending.append((cell, plan, entry))
        chain = CellKey.chained(entry.key, files: entry.files)
        var report = LocationRebase.absolute(entry.report, cell: cell, lesson: lesson.path)
        report.telemetry?.cached = true
        return report
    }

    /// Rebuilds the namespace of every reused cell not yet replayed, through `replay`, which runs a
    /// cell's plan with a step hook and says whether it ran as it did originally.
    func replayPending(_ replay: (Cell, CellPlan, @escaping StepHook) -> Bool) -> Bool {
        defer { pending.removeAll() }
        for (cell, plan, entry) in pending {
            var queue = entry.effects[...]
            let hook: StepHook = { [store] step, values, call in
                // A measured result is returned as stored; a training call's learner is put back as the
                // call left it; lrFind is both (it trains, puts the model back, and returns its curve).
                let codec = MeasuredSteps.codec(for: step)
                let learner = Self.isTraining(step) ? Self.learner(values.first) : nil
                guard codec != nil || learner != nil else { return try call() }
                guard let effect = queue.popFirst(), effect.step == Self.name(step) else { return try call() }
                var result = Value.void
                if let codec {
                    guard let bytes = effect.result.flatMap(store.blob),
                        let stored = try? codec.decode(Data(bytes), step)
                    else { return try call() }
                    result = stored
                }
                if let learner {
                    guard let weights = effect.weights.flatMap(store.blob),
                        let state = effect.state.flatMap(store.blob)
                    else { return try call() }
                    try learner.restore(from: try Checkpoint.decode(weights))
                    try learner.restore(try RunCache.decoder.decode(LearnerState.self, from: Data(state)))
                    Random.current.restore(position: effect.randomPosition)
                }
                return result
            }
            guard replay(cell, plan, hook) else { return false }
        }
        return true
    }

    /// The hook that records, while `cell` runs, the files its steps are given and what its training
    /// calls leave.
    func recordingHook() -> StepHook {
        files = []
        effects = []
        return { [weak self] step, values, call in
            guard let self else { return try call() }
            for value in values { self.noteFiles(in: value) }
            let result = try call()
            self.noteFiles(in: result)
            let codec = MeasuredSteps.codec(for: step)
            let learner = Self.isTraining(step) ? Self.learner(values.first) : nil
            guard codec != nil || learner != nil else { return result }
            var effect = StepEffect(step: Self.name(step), randomPosition: Random.current.position)
            if let codec, let bytes = try? codec.encode(result) {
                effect.result = self.store.storeBlob(Array(bytes))
            }
            if let learner, learner.cbs.isEmpty, let data = try? learner.checkpointData(),
                let state = try? RunCache.encoder.encode(learner.state)
            {
                effect.weights = self.store.storeBlob(Checkpoint.encode(data))
                effect.state = self.store.storeBlob(Array(state))
            }
            self.effects.append(effect)
            return result
        }
    }

    /// Records `cell`'s run under `key` (when `cacheable`) and moves the chain past it.
    func finish(cell: Cell, key: String, report: CellReport, definedNames: [String], cacheable: Bool) {
        // A cell may have written files; fingerprint them as they are now.
        fingerprints.forget()
        var read: [String: String] = [:]
        for path in files { read[path] = fingerprints.fingerprint(path) }
        chain = CellKey.chained(key, files: read)
        guard cacheable else { return }
        store.store(
            CellEntry(
                key: key, version: KhruVersion.current, machine: RunCache.machine, cellID: cell.id,
                report: LocationRebase.relative(report, cell: cell, lesson: lesson.path),
                definedNames: definedNames.sorted(), files: read, effects: effects))
    }

    private func noteFiles(in value: Value) {
        switch value {
        case .object(let object):
            if let path = object.payload as? Path { note(path.string) }
        case .string(let string) where !string.isEmpty && string.count < 4096:
            let resolved =
                string.hasPrefix("/") ? string : (lessonDirectory as NSString).appendingPathComponent(string)
            if FileManager.default.fileExists(atPath: resolved) { note(resolved) }
        case .array(let values), .tuple(let values), .labeledTuple(_, let values):
            for element in values.prefix(64) { noteFiles(in: element) }
        default: break
        }
    }

    private func note(_ path: String) { files.insert(path) }

    private static func isTraining(_ step: Step) -> Bool {
        step.owner == "Learner" && ["fit", "fitOneCycle", "fineTune", "lrFind"].contains(step.name)
    }

    private static func name(_ step: Step) -> String { "\(step.owner ?? "").\(step.name)" }

    private static func learner(_ value: Value?) -> AnyLearner? {
        guard case .object(let object)? = value else { return nil }
        return object.payload as? AnyLearner
    }
}

/// The steps whose results come from the clock, with how to store a result: a cell that calls one is
/// replayed with the stored result, never measured again (a table of timings and the checks on it would
/// otherwise disagree).
enum MeasuredSteps {
    /// Encodes a step's result value and decodes it back.
    struct Codec: Sendable {
        let encode: @Sendable (Value) throws -> Data
        let decode: @Sendable (Data, Step) throws -> Value

        /// A library value of type `T` (shown by the cell as that type).
        init<T: Codable>(_: T.Type) {
            encode = { value in
                guard case .object(let object) = value, let payload = object.payload as? T else {
                    throw StepError("not a \(T.self)")
                }
                return try RunCache.encoder.encode(payload)
            }
            decode = { data, step in
                .object(
                    LibraryObject(
                        type: step.resultType, payload: try RunCache.decoder.decode(T.self, from: data)))
            }
        }

        /// A tuple of numbers (`let (lrMin, lrSteep) = learn.lrFind(…)`).
        static let numbers = Codec(
            encode: { value in
                guard case .tuple(let elements) = value else { throw StepError("not a tuple") }
                return try RunCache.encoder.encode(
                    try elements.map { element -> Double in
                        guard case .double(let number) = element else { throw StepError("not a number") }
                        return number
                    })
            },
            decode: { data, _ in
                .tuple(try RunCache.decoder.decode([Double].self, from: data).map(Value.double))
            })

        private init(
            encode: @escaping @Sendable (Value) throws -> Data,
            decode: @escaping @Sendable (Data, Step) throws -> Value
        ) {
            self.encode = encode
            self.decode = decode
        }
    }

    /// The steps whose result comes from the clock (timings), by `Owner.name`: what a cell shows from them
    /// differs from run to run.
    static let clocked: Set<String> = ["ResNetArchitecture.profile"]

    /// Whether `step`'s result comes from the clock.
    static func isClocked(_ step: Step) -> Bool { clocked.contains("\(step.owner ?? "").\(step.name)") }

    /// By `Owner.name`.
    static let codecs: [String: Codec] = [
        "ResNetArchitecture.profile": Codec(ModelProfile.self), "Learner.lrFind": Codec(SuggestedLRs.self),
    ]

    /// How to store `step`'s result, if the step measures: a tuple of numbers as such (lrFind's
    /// destructured forms), else by the step's name.
    static func codec(for step: Step) -> Codec? {
        guard let codec = codecs["\(step.owner ?? "").\(step.name)"] else { return nil }
        if case .tuple(let types) = step.resultType, types.allSatisfy({ $0 == .double }) { return .numbers }
        return codec
    }
}

/// Wraps a step call: the step, its argument values, and the call.
typealias StepHook = (Step, [Value], () throws -> Value) throws -> Value
