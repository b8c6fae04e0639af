import Foundation

/// What a workshop server tells open pages, as one Server-Sent Event each.
///
/// Every event names the report it is about by its path from the output folder (`/en/05-x.html`),
/// so a page reacts only to its own lesson; `reload` lists every page that changed (the index too).
public enum WorkshopEvent: Hashable, Sendable {
    /// The server is `building` a lesson or `idle`.
    case status(building: Bool, lesson: String?, report: String?)
    /// A cell started running.
    case cellStarted(report: String, cellID: String)
    /// A cell that ran has finished.
    case cellFinished(report: String, cellID: String, passed: Bool, seconds: Double)
    /// Training progress inside the running cell.
    case batch(
        report: String, cellID: String, epoch: Int, epochs: Int, batch: Int, batches: Int, training: Bool)
    /// An epoch row of the running cell's training.
    case epoch(report: String, cellID: String, header: [String], row: [String])
    /// A note from the run ("preparing ml-100k").
    case note(report: String, text: String)
    /// Problems found in a lesson, each `file:line:col: error: …`; `blocking` when the lesson could not
    /// be parsed, so no report was written.
    case problems(report: String, lesson: String, messages: [String], blocking: Bool)
    /// Reports were rewritten: pages showing one of `reports` reload. `ran` cells ran, `cached` came
    /// from the cache.
    case reload(reports: [String], lesson: String, ran: Int, cached: Int, failed: Int, seconds: Double)
    /// Keeps the connection open and finds the pages that left.
    case ping

    /// The event's name (the SSE `event:` field).
    public var name: String {
        switch self {
        case .status: "status"
        case .cellStarted: "cell-started"
        case .cellFinished: "cell-finished"
        case .batch: "batch"
        case .epoch: "epoch"
        case .note: "note"
        case .problems: "problems"
        case .reload: "reload"
        case .ping: "ping"
        }
    }

    /// The event's data as a JSON object.
    public var fields: [String: any Sendable] {
        switch self {
        case .status(let building, let lesson, let report):
            ["building": building, "lesson": lesson ?? "", "report": report ?? ""]
        case .cellStarted(let report, let cellID): ["report": report, "cell": cellID]
        case .cellFinished(let report, let cellID, let passed, let seconds):
            ["report": report, "cell": cellID, "passed": passed, "seconds": seconds]
        case .batch(let report, let cellID, let epoch, let epochs, let batch, let batches, let training):
            [
                "report": report, "cell": cellID, "epoch": epoch, "epochs": epochs, "batch": batch,
                "batches": batches, "phase": training ? "train" : "valid",
            ]
        case .epoch(let report, let cellID, let header, let row):
            ["report": report, "cell": cellID, "header": header, "row": row]
        case .note(let report, let text): ["report": report, "text": text]
        case .problems(let report, let lesson, let messages, let blocking):
            ["report": report, "lesson": lesson, "messages": messages, "blocking": blocking]
        case .reload(let reports, let lesson, let ran, let cached, let failed, let seconds):
            [
                "reports": reports, "lesson": lesson, "ran": ran, "cached": cached, "failed": failed,
                "seconds": seconds,
            ]
        case .ping: [:]
        }
    }

    /// The report the event is about, if one.
    public var report: String? {
        switch self {
        case .status(_, _, let report): report
        case .cellStarted(let report, _), .cellFinished(let report, _, _, _),
            .batch(let report, _, _, _, _, _, _),
            .epoch(let report, _, _, _), .note(let report, _), .problems(let report, _, _, _):
            report
        case .reload, .ping: nil
        }
    }

    /// The event as Server-Sent Events text: `event: NAME`, one `data:` line of JSON, a blank line.
    public var serverSentText: String {
        let object = fields.mapValues { $0 as Any }
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        // JSONSerialization escapes newlines inside strings, so the data is one line.
        return "event: \(name)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
    }
}
