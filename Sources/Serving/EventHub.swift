import Foundation
import Synchronization

/// Sends every ``WorkshopEvent`` to every open page, and tells a page that connects what is going on
/// now (the lesson being built, its running cell, the epochs so far, problems still standing).
///
/// Safe to use from any thread: the runner's thread publishes, the server's tasks subscribe.
public final class EventHub: Sendable {
    private struct State {
        var subscribers: [UUID: AsyncStream<WorkshopEvent>.Continuation] = [:]
        var status = WorkshopEvent.status(building: false, lesson: nil, report: nil)
        /// The events of the build in progress, the last batch only.
        var current: [WorkshopEvent] = []
        /// Per report: the problems of its lesson's last build, until a build has none.
        var problems: [String: WorkshopEvent] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// Creates a hub with no subscribers.
    public init() {}

    /// The number of open pages.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// A stream of the events from now on, preceded by the current state; it ends when the hub closes.
    public func subscribe() -> AsyncStream<WorkshopEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(
            of: WorkshopEvent.self, bufferingPolicy: .bufferingNewest(1024))
        let open = state.withLock { state in
            guard !state.closed else { return false }
            continuation.yield(state.status)
            for event in state.problems.keys.sorted().compactMap({ state.problems[$0] }) {
                continuation.yield(event)
            }
            for event in state.current { continuation.yield(event) }
            state.subscribers[id] = continuation
            return true
        }
        // Outside the lock: finishing calls the termination handler, which takes the lock.
        guard open else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Sends `event` to every subscriber and keeps what a page connecting later needs to know.
    public func publish(_ event: WorkshopEvent) {
        state.withLock { state in
            guard !state.closed else { return }
            switch event {
            case .status(let building, _, _):
                state.status = event
                if building { state.current = [] }
            case .batch:
                state.current.removeAll { if case .batch = $0 { true } else { false } }
                state.current.append(event)
            case .cellStarted, .cellFinished, .epoch, .note:
                state.current.append(event)
            case .problems(let report, _, let messages, _):
                state.problems[report] = messages.isEmpty ? nil : event
                if !messages.isEmpty { state.current.append(event) }
            case .reload:
                state.current = []
            case .ping:
                break
            }
            if case .problems(_, _, let messages, _) = event, messages.isEmpty { return }
            for continuation in state.subscribers.values { continuation.yield(event) }
        }
    }

    /// Ends every subscriber's stream, now and for later subscribers (the server is stopping).
    public func close() {
        let continuations = state.withLock { state in
            state.closed = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}
