/// What a run reports while it goes: for the terminal (`khru run`) and for open pages (`khru serve`).
///
/// One hook carries all of it: ``LessonExecutor/progress`` receives every event, and steps send
/// theirs through ``StepContext/progress(_:)-(RunProgress)``. Progress never reaches the report.
public enum RunProgress: Hashable, Sendable, Codable, CustomStringConvertible {
    /// A cell starts running (cells reused from the cache do not).
    case cellStarted(cellID: String)
    /// A cell that ran has finished; `passed` is whether it ended as its attributes ask.
    case cellFinished(cellID: String, passed: Bool, seconds: Double)
    /// A note from the runner or a step ("preparing ml-100k").
    case note(String)
    /// Training progress within an epoch (sent at most a few times a second).
    case batch(cellID: String, TrainingProgress)
    /// A finished epoch's row of the epoch table, as the report will show it.
    case epoch(cellID: String, header: [String], row: [String])

    /// A line for the terminal.
    public var description: String {
        switch self {
        case .cellStarted(let cellID): "cell \(cellID)"
        case .cellFinished(let cellID, let passed, let seconds):
            "cell \(cellID) \(passed ? "done" : "failed") in \(Value.format(seconds)) s"
        case .note(let text): text
        case .batch(let cellID, let progress): "cell \(cellID): \(progress)"
        case .epoch(let cellID, let header, let row):
            "cell \(cellID): " + zip(header, row).map { "\($0) \($1)" }.joined(separator: "  ")
        }
    }

    /// Whether the terminal shows it: the learner draws its own progress bar and epoch table there.
    public var isForTerminal: Bool {
        switch self {
        case .cellStarted, .note: true
        case .cellFinished, .batch, .epoch: false
        }
    }
}

/// Where a training call is: epoch, phase and batch.
public struct TrainingProgress: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The epoch, from 0.
    public var epoch: Int
    /// The epochs of this fit.
    public var epochs: Int
    /// The batch just finished, from 1.
    public var batch: Int
    /// The batches of this phase.
    public var batches: Int
    /// Whether the phase is training (else validation).
    public var training: Bool

    /// Creates a progress value.
    public init(epoch: Int, epochs: Int, batch: Int, batches: Int, training: Bool) {
        self.epoch = epoch
        self.epochs = epochs
        self.batch = batch
        self.batches = batches
        self.training = training
    }

    public var description: String {
        "epoch \(epoch + 1)/\(epochs) \(training ? "train" : "valid") \(batch)/\(batches)"
    }
}
