import Foundation

/// A download's progress on standard error: a bar redrawn in place on a terminal (bytes, percent,
/// rate, time left), or a line at every tenth otherwise (a log, or a lesson's worker whose standard error
/// its parent forwards line by line).
///
/// Used from the thread that runs the download only.
final class DownloadProgress {
    private let label: String
    private let style: DownloadSettings.ProgressStyle
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private let startBytes: Int
    /// Recent (time, bytes) samples: the rate is measured over the last few seconds.
    private var samples: [(ContinuousClock.Instant, Int)] = []
    private var lastDraw: ContinuousClock.Instant?
    private var lastTenth = -1
    private var lastLine: ContinuousClock.Instant
    private var current = 0
    private var total: Int?
    private var drewBar = false

    /// Progress of `label` (the file name), starting with `onDisk` bytes already there.
    init(label: String, onDisk: Int, total: Int?, settings: DownloadSettings) {
        self.label = label
        switch settings.progress {
        case .automatic: style = isatty(2) == 1 ? .automatic : .lines
        case let other: style = other
        }
        started = clock.now
        lastLine = started
        startBytes = onDisk
        current = onDisk
        self.total = total
        if let total, total > 0 { lastTenth = onDisk * 10 / total }
    }

    /// Writes one line (a start, a retry, a result), keeping the bar below it.
    func log(_ line: String) {
        guard style != .silent else { return }
        Self.write((drewBar ? "\r\u{1B}[K" : "") + line + "\n")
        drewBar = false
    }

    /// The file now holds `onDisk` bytes of `total` (nil: unknown).
    func update(onDisk: Int, total: Int?) {
        let now = clock.now
        current = onDisk
        if let total { self.total = total }
        samples.append((now, onDisk))
        samples.removeAll { now - $0.0 > .seconds(5) }
        switch style {
        case .automatic:
            if lastDraw.map({ now - $0 >= .milliseconds(200) }) ?? true {
                lastDraw = now
                drawBar(now: now)
            }
        case .lines:
            if let total = self.total, total > 0 {
                let tenth = onDisk * 10 / total
                if tenth > lastTenth && tenth < 10 {
                    lastTenth = tenth
                    lastLine = now
                    Self.write("\(label): \(summary(now: now))\n")
                }
            } else if now - lastLine >= .seconds(10) {
                lastLine = now
                Self.write("\(label): \(summary(now: now))\n")
            }
        case .silent:
            break
        }
    }

    /// Ends the bar with the outcome.
    func finish(_ line: String) {
        if style == .automatic && drewBar {
            drawBar(now: clock.now)
            Self.write("\n")
            drewBar = false
        }
        log(line)
    }

    /// `812.0 MB in 1:24 (9.6 MB/s)` for the bytes this run fetched.
    func totals() -> String {
        let seconds = Self.seconds(clock.now - started)
        let fetched = current - startBytes
        let rate = seconds > 0 ? Double(fetched) / seconds : 0
        return "\(ByteCount.text(fetched)) in \(Self.clockText(seconds)) (\(ByteCount.text(Int(rate)))/s)"
    }

    /// Bytes per second over the last few seconds.
    private func rate(now: ContinuousClock.Instant) -> Double? {
        guard let first = samples.first, let last = samples.last else { return nil }
        let seconds = Self.seconds(last.0 - first.0)
        guard seconds >= 0.2 else { return nil }
        return Double(last.1 - first.1) / seconds
    }

    /// `41% 331.2 MB of 811.7 MB, 9.6 MB/s, 0:50 left`.
    private func summary(now: ContinuousClock.Instant) -> String {
        var parts: [String] = []
        if let total, total > 0 {
            parts.append("\(current * 100 / total)% \(ByteCount.text(current)) of \(ByteCount.text(total))")
        } else {
            parts.append(ByteCount.text(current))
        }
        if let rate = rate(now: now) {
            parts.append("\(ByteCount.text(Int(rate)))/s")
            if let total, rate > 0 { parts.append("\(Self.clockText(Double(total - current) / rate)) left") }
        }
        return parts.joined(separator: ", ")
    }

    private func drawBar(now: ContinuousClock.Instant) {
        var right = ByteCount.text(current)
        if let total { right += " / " + ByteCount.text(total) }
        if let rate = rate(now: now) {
            right += "  \(ByteCount.text(Int(rate)))/s"
            if let total, rate > 0 { right += "  \(Self.clockText(Double(total - current) / rate)) left" }
        } else {
            right += "  --/s"
        }
        let columns = Self.terminalColumns()
        var line: String
        if let total, total > 0 {
            let fraction = min(Double(current) / Double(total), 1)
            let percent = String(format: "%3d%%", Int(fraction * 100))
            let width = max(10, min(40, columns - label.count - right.count - 12))
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            line = "\(label) \(percent) \(bar) \(right)"
        } else {
            line = "\(label) \(right)"
        }
        if line.count >= columns { line = String(line.prefix(max(columns - 1, 1))) }
        Self.write("\r\u{1B}[K" + line)
        drewBar = true
    }

    private static func terminalColumns() -> Int {
        var size = winsize()
        if ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    private static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }

    /// `0:50`, `12:03`, `1:02:03`.
    static func clockText(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let whole = Int(min(seconds, 359_999).rounded())
        let (hours, minutes, rest) = (whole / 3600, whole / 60 % 60, whole % 60)
        return hours > 0
            ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
