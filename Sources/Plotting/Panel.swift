import Foundation

/// One bar of a bar chart.
struct BarItem {
    let position: Double
    let value: Double
    let color: Color
}

/// Everything one set of axes shows; ``render(in:canvas:font:style:)`` lays it out and draws it.
struct Panel {
    var title: String?
    var xLabel: String?
    var yLabel: String?
    var xScale: AxisScale = .linear
    var yScale: AxisScale = .linear
    var xCategories: [String]?
    var yCategories: [String]?
    var lines: [Series] = []
    var points: [Series] = []
    var bars: [BarItem] = []
    var horizontalBars = false
    var barValueLabels: [String] = []
    var marks: [PointMark] = []
    var verticalRules: [Double] = []
    var showsLegend = true

    private struct Axis {
        var lower: Double
        var upper: Double
        var scale: AxisScale

        func unit(_ value: Double) -> Double {
            switch scale {
            case .linear: return (value - lower) / (upper - lower)
            case .log: return (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
            }
        }
    }

    private struct Layout {
        var plot: Rect
        var xTicks: Ticks
        var yTicks: Ticks
        var rotateX: Bool
    }

    private struct LegendEntry {
        let label: String
        let color: Color
        let marker: Marker?
        let line: Bool
        let dash: [Double]
    }

    // MARK: - Ranges

    private func dataRange(horizontal: Bool) -> Axis {
        let scale = horizontal ? xScale : yScale
        if let categories = horizontal ? xCategories : yCategories {
            return Axis(lower: -0.5, upper: Double(max(categories.count, 1)) - 0.5, scale: .linear)
        }
        var values: [Double] = []
        for series in lines + points { values += horizontal ? series.x : series.y }
        values += marks.map { horizontal ? $0.x : $0.y }
        if horizontal { values += verticalRules }
        values = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
        let barAxis = !bars.isEmpty && (horizontal == horizontalBars)
        if barAxis {
            let barValues = bars.map(\.value).filter(\.isFinite)
            values += barValues + [0]
        }
        guard var lo = values.min(), var hi = values.max() else {
            return Axis(lower: scale == .log ? 1 : 0, upper: scale == .log ? 10 : 1, scale: scale)
        }
        if scale == .log {
            var a = log10(lo)
            var b = log10(hi)
            if b - a < 1e-12 {
                a -= 0.5
                b += 0.5
            }
            let pad = (b - a) * 0.05
            return Axis(lower: pow(10, a - pad), upper: pow(10, b + pad), scale: .log)
        }
        if hi - lo < 1e-300 {
            let pad = lo == 0 ? 0.5 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        // Written bar values need room beyond the bar ends.
        let pad = (hi - lo) * (barAxis && !barValueLabels.isEmpty ? 0.15 : 0.05)
        let stickyLow = barAxis && lo == 0
        let stickyHigh = barAxis && hi == 0
        return Axis(lower: stickyLow ? 0 : lo - pad, upper: stickyHigh ? 0 : hi + pad, scale: .linear)
    }

    // MARK: - Ticks

    private func numericTicks(_ axis: Axis, count: Int) -> Ticks {
        let raw =
            axis.scale == .log
            ? Ticks.log(axis.lower, axis.upper, count: count)
            : Ticks.linear(axis.lower, axis.upper, count: count)
        let tolerance = (axis.upper - axis.lower) * 1e-9
        var kept = Ticks(values: [], labels: [], minor: raw.minor)
        for (value, label) in zip(raw.values, raw.labels)
        where value >= axis.lower - tolerance && value <= axis.upper + tolerance {
            kept.values.append(value)
            kept.labels.append(label)
        }
        return kept
    }

    private func categoryTicks(_ categories: [String], every step: Int) -> Ticks {
        var ticks = Ticks(values: [], labels: [])
        for (index, label) in categories.enumerated() where index % step == 0 {
            ticks.values.append(Double(index))
            ticks.labels.append(label)
        }
        return ticks
    }

    /// Whether labels centred at `positions` with `extents` keep `gap` between neighbours.
    private func fits(_ positions: [Double], _ extents: [Double], gap: Double) -> Bool {
        let order = positions.indices.sorted { positions[$0] < positions[$1] }
        for (a, b) in zip(order, order.dropFirst()) {
            if positions[b] - extents[b] / 2 - (positions[a] + extents[a] / 2) < gap { return false }
        }
        return true
    }

    private func chooseXTicks(_ axis: Axis, plot: Rect, font: Font, style: ChartStyle) -> (Ticks, Bool) {
        let s = style.scale
        if let categories = xCategories {
            let widths = categories.map { font.measure($0, size: style.tickSize, scale: s).width }
            let positions = categories.indices.map { plot.x + axis.unit(Double($0)) * plot.width }
            if fits(positions, widths, gap: 6) { return (categoryTicks(categories, every: 1), false) }
            let lineHeight = font.measure("Hg", size: style.tickSize, scale: s).height
            var step = 1
            while step < categories.count {
                let kept = categories.indices.filter { $0 % step == 0 }
                if fits(kept.map { positions[$0] }, kept.map { _ in lineHeight * 0.8 }, gap: 2) { break }
                step += 1
            }
            return (categoryTicks(categories, every: step), true)
        }
        var count = min(max(Int(plot.width / 45), 2), 11)
        while true {
            let ticks = numericTicks(axis, count: count)
            let widths = ticks.labels.map { font.measure($0, size: style.tickSize, scale: s).width }
            let positions = ticks.values.map { plot.x + axis.unit($0) * plot.width }
            if count <= 2 || fits(positions, widths, gap: 12) { return (ticks, false) }
            count -= 1
        }
    }

    private func chooseYTicks(_ axis: Axis, plot: Rect, font: Font, style: ChartStyle) -> Ticks {
        let lineHeight = font.measure("8", size: style.tickSize, scale: style.scale).capHeight
        if let categories = yCategories {
            let positions = categories.indices.map { plot.maxY - axis.unit(Double($0)) * plot.height }
            var step = 1
            while step < categories.count {
                let kept = categories.indices.filter { $0 % step == 0 }
                if fits(kept.map { positions[$0] }, kept.map { _ in lineHeight * 2 }, gap: 2) { break }
                step += 1
            }
            return categoryTicks(categories, every: step)
        }
        var count = min(max(Int(plot.height / 40), 2), 10)
        while true {
            let ticks = numericTicks(axis, count: count)
            let positions = ticks.values.map { plot.maxY - axis.unit($0) * plot.height }
            if count <= 2 || fits(positions, positions.map { _ in lineHeight }, gap: lineHeight * 1.5) {
                return ticks
            }
            count -= 1
        }
    }

    // MARK: - Layout

    private static let pad = 10.0
    private static let tickLength = 4.0
    private static let tickGap = 3.0

    private func layout(in frame: Rect, font: Font, style: ChartStyle, x: Axis, y: Axis) -> Layout {
        let s = style.scale
        let tick = font.measure("0", size: style.tickSize, scale: s)
        let titleHeight = title.map { font.measure($0, size: style.titleSize, scale: s).height + 4 } ?? 0
        let xLabelHeight = xLabel.map { font.measure($0, size: style.labelSize, scale: s).height + 2 } ?? 0
        let yLabelWidth = yLabel.map { font.measure($0, size: style.labelSize, scale: s).height + 2 } ?? 0
        var left = Self.pad + yLabelWidth + 40
        var right = Self.pad + 8
        var top = Self.pad + titleHeight + tick.capHeight
        var bottom = Self.pad + xLabelHeight + tick.height + Self.tickLength + Self.tickGap
        var result = Layout(
            plot: frame, xTicks: Ticks(values: [], labels: []), yTicks: Ticks(values: [], labels: []),
            rotateX: false)
        for _ in 0..<3 {
            let plot = Rect(
                x: (frame.x + left).rounded(), y: (frame.y + top).rounded(),
                width: (frame.width - left - right).rounded(), height: (frame.height - top - bottom).rounded()
            )
            let yTicks = chooseYTicks(y, plot: plot, font: font, style: style)
            let (xTicks, rotate) = chooseXTicks(x, plot: plot, font: font, style: style)
            result = Layout(plot: plot, xTicks: xTicks, yTicks: yTicks, rotateX: rotate)
            let yWidths = yTicks.labels.map { font.measure($0, size: style.tickSize, scale: s).width }
            let xWidths = xTicks.labels.map { font.measure($0, size: style.tickSize, scale: s).width }
            left = Self.pad + yLabelWidth + (yWidths.max() ?? 0) + Self.tickGap + Self.tickLength
            let xTickHeight = rotate ? (xWidths.max() ?? 0) : tick.height
            bottom = Self.pad + xLabelHeight + xTickHeight + Self.tickGap + Self.tickLength
            top = Self.pad + titleHeight + (yCategories == nil ? tick.capHeight : 0)
            right = Self.pad + 4
            if !rotate {
                for (value, width) in zip(xTicks.values, xWidths) {
                    let position = x.unit(value) * plot.width
                    right = max(right, width / 2 - (plot.width - position) + 2)
                    left = max(left, width / 2 - position + 2)
                }
            }
        }
        return result
    }

    // MARK: - Drawing

    /// Lays out and draws the panel inside `frame`.
    func render(in frame: Rect, canvas: inout Canvas, font: Font, style: ChartStyle) {
        let xAxis = dataRange(horizontal: true)
        let yAxis = dataRange(horizontal: false)
        let layout = self.layout(in: frame, font: font, style: style, x: xAxis, y: yAxis)
        let plot = layout.plot
        func px(_ v: Double) -> Double { plot.x + xAxis.unit(v) * plot.width }
        func py(_ v: Double) -> Double { plot.maxY - yAxis.unit(v) * plot.height }

        // Grid (snapped to whole CSS pixels so it stays crisp at 1×).
        let savedClip = canvas.clip
        if xCategories == nil {
            for value in layout.xTicks.values {
                let x = px(value).rounded(.down)
                canvas.fillRect(Rect(x: x, y: plot.y, width: 1, height: plot.height), color: .grid)
            }
        }
        if yCategories == nil {
            for value in layout.yTicks.values {
                let y = py(value).rounded(.down)
                canvas.fillRect(Rect(x: plot.x, y: y, width: plot.width, height: 1), color: .grid)
            }
        }

        canvas.clip = plot
        // Vertical rules (e.g. epoch ends).
        for value in verticalRules where value.isFinite {
            let x = px(value)
            canvas.strokeLine(
                from: Point(x: x, y: plot.y), to: Point(x: x, y: plot.maxY), color: Color(hex: 0x7F7F7F),
                lineWidth: 1, dash: [2, 3])
        }
        // Bars.
        let slot =
            horizontalBars
            ? plot.height / (yAxis.upper - yAxis.lower) : plot.width / (xAxis.upper - xAxis.lower)
        for bar in bars where bar.value.isFinite {
            if horizontalBars {
                let y0 = py(bar.position) - slot * 0.4
                let x0 = px(min(0, bar.value))
                let x1 = px(max(0, bar.value))
                canvas.fillRect(Rect(x: x0, y: y0, width: x1 - x0, height: slot * 0.8), color: bar.color)
            } else {
                let x0 = px(bar.position) - slot * 0.4
                let y0 = py(max(0, bar.value))
                let y1 = py(min(0, bar.value))
                canvas.fillRect(Rect(x: x0, y: y0, width: slot * 0.8, height: y1 - y0), color: bar.color)
            }
        }
        // Zero line for bars with negative values.
        if !bars.isEmpty, bars.contains(where: { $0.value < 0 }) {
            if horizontalBars {
                canvas.fillRect(
                    Rect(x: px(0).rounded(.down), y: plot.y, width: 1, height: plot.height), color: .axis)
            } else {
                canvas.fillRect(
                    Rect(x: plot.x, y: py(0).rounded(.down), width: plot.width, height: 1), color: .axis)
            }
        }
        // Lines.
        var legend: [LegendEntry] = []
        var occupied: [Rect] = []
        for (index, series) in lines.enumerated() {
            let color = series.color ?? style.color(index)
            let vertices = zip(series.x, series.y).map { a, b in
                valid(a, xAxis.scale) && valid(b, yAxis.scale)
                    ? Point(x: px(a), y: py(b)) : Point(x: .nan, y: .nan)
            }
            canvas.strokePolyline(vertices, color: color, lineWidth: series.lineWidth, dash: series.dash)
            if let marker = series.marker {
                for vertex in vertices where vertex.x.isFinite {
                    canvas.drawMarker(marker, at: vertex, size: series.markerSize, color: color)
                }
            }
            if let name = series.name {
                legend.append(
                    LegendEntry(
                        label: name, color: color, marker: series.marker, line: true, dash: series.dash))
            }
        }
        // Scatter points.
        var labelRequests: [(Point, Double, String, Color)] = []
        for (index, series) in points.enumerated() {
            let color = series.color ?? style.color(lines.count + index)
            let marker = series.marker ?? .circle
            for (offset, (a, b)) in zip(series.x, series.y).enumerated()
            where valid(a, xAxis.scale) && valid(b, yAxis.scale) {
                let point = Point(x: px(a), y: py(b))
                canvas.drawMarker(marker, at: point, size: series.markerSize, color: color.opacity(0.85))
                let r = series.markerSize / 2
                occupied.append(Rect(x: point.x - r, y: point.y - r, width: 2 * r, height: 2 * r))
                if offset < series.pointLabels.count, !series.pointLabels[offset].isEmpty {
                    labelRequests.append((point, r, series.pointLabels[offset], Color.text))
                }
            }
            if let name = series.name {
                legend.append(LegendEntry(label: name, color: color, marker: marker, line: false, dash: []))
            }
        }
        // Marks.
        for (index, mark) in marks.enumerated() where valid(mark.x, xAxis.scale) && valid(mark.y, yAxis.scale)
        {
            let color = mark.color ?? style.color(index + 1)
            let point = Point(x: px(mark.x), y: py(mark.y))
            canvas.drawMarker(mark.marker, at: point, size: mark.size, color: color, edge: .white)
            let r = mark.size / 2
            occupied.append(Rect(x: point.x - r, y: point.y - r, width: 2 * r, height: 2 * r))
            if let label = mark.label {
                if mark.inLegend {
                    legend.append(
                        LegendEntry(label: label, color: color, marker: mark.marker, line: false, dash: []))
                } else {
                    labelRequests.append((point, r, label, color))
                }
            }
        }
        canvas.clip = savedClip
        placeLabels(labelRequests, occupied: occupied, plot: plot, canvas: &canvas, font: font, style: style)

        // Bar value labels.
        if !barValueLabels.isEmpty {
            canvas.clip = frame
            for (bar, text) in zip(bars, barValueLabels) where bar.value.isFinite {
                if horizontalBars {
                    let x = px(bar.value) + (bar.value >= 0 ? 3 : -3)
                    canvas.drawText(
                        text, at: Point(x: x, y: py(bar.position)), font: font, size: style.tickSize * 0.9,
                        horizontal: bar.value >= 0 ? .leading : .trailing, vertical: .center)
                } else {
                    let y = py(bar.value) + (bar.value >= 0 ? -3 : 3)
                    canvas.drawText(
                        text, at: Point(x: px(bar.position), y: y), font: font, size: style.tickSize * 0.9,
                        horizontal: .center, vertical: bar.value >= 0 ? .bottom : .top)
                }
            }
            canvas.clip = savedClip
        }

        // Spines (left and bottom), ticks and tick labels.
        canvas.fillRect(Rect(x: plot.x - 1, y: plot.y, width: 1, height: plot.height + 1), color: .axis)
        canvas.fillRect(Rect(x: plot.x - 1, y: plot.maxY, width: plot.width + 1, height: 1), color: .axis)
        for value in layout.xTicks.minor {
            let x = px(value).rounded(.down)
            canvas.fillRect(Rect(x: x, y: plot.maxY + 1, width: 1, height: Self.tickLength / 2), color: .axis)
        }
        for value in layout.yTicks.minor {
            let y = py(value).rounded(.down)
            canvas.fillRect(
                Rect(x: plot.x - 1 - Self.tickLength / 2, y: y, width: Self.tickLength / 2, height: 1),
                color: .axis)
        }
        for (value, label) in zip(layout.xTicks.values, layout.xTicks.labels) {
            let x = px(value).rounded(.down)
            canvas.fillRect(Rect(x: x, y: plot.maxY + 1, width: 1, height: Self.tickLength), color: .axis)
            let anchor = Point(x: x + 0.5, y: plot.maxY + 1 + Self.tickLength + Self.tickGap)
            if layout.rotateX {
                canvas.drawText(
                    label, at: anchor, font: font, size: style.tickSize, horizontal: .trailing,
                    vertical: .center,
                    rotated: true)
            } else {
                canvas.drawText(
                    label, at: anchor, font: font, size: style.tickSize, horizontal: .center, vertical: .top)
            }
        }
        for (value, label) in zip(layout.yTicks.values, layout.yTicks.labels) {
            let y = py(value).rounded(.down)
            canvas.fillRect(
                Rect(x: plot.x - 1 - Self.tickLength, y: y, width: Self.tickLength, height: 1), color: .axis)
            canvas.drawText(
                label, at: Point(x: plot.x - 1 - Self.tickLength - Self.tickGap, y: y + 0.5), font: font,
                size: style.tickSize, horizontal: .trailing, vertical: .center)
        }

        // Axis labels and title.
        if let xLabel {
            canvas.drawText(
                xLabel, at: Point(x: plot.center.x, y: frame.maxY - Self.pad), font: font,
                size: style.labelSize,
                horizontal: .center, vertical: .bottom)
        }
        if let yLabel {
            canvas.drawText(
                yLabel, at: Point(x: frame.x + Self.pad, y: plot.center.y), font: font, size: style.labelSize,
                horizontal: .center, vertical: .top, rotated: true)
        }
        if let title {
            canvas.drawText(
                title, at: Point(x: plot.center.x, y: frame.y + Self.pad), font: font, size: style.titleSize,
                horizontal: .center, vertical: .top)
        }
        if showsLegend, !legend.isEmpty {
            drawLegend(
                legend, plot: plot, canvas: &canvas, font: font, style: style,
                avoid: dataPoints(px: px, py: py))
        }
    }

    private func valid(_ value: Double, _ scale: AxisScale) -> Bool {
        value.isFinite && (scale == .linear || value > 0)
    }

    /// Screen positions of the data (line vertices, points, marks), for legend placement.
    private func dataPoints(px: (Double) -> Double, py: (Double) -> Double) -> [Point] {
        var result: [Point] = []
        for series in lines + points {
            var previous: Point?
            for (a, b) in zip(series.x, series.y) where a.isFinite && b.isFinite {
                let point = Point(x: px(a), y: py(b))
                if let previous {
                    let steps = min(Int(abs(point.x - previous.x) + abs(point.y - previous.y)) / 4, 200)
                    if steps > 1 {
                        for k in 1..<steps {
                            let t = Double(k) / Double(steps)
                            result.append(
                                Point(
                                    x: previous.x + (point.x - previous.x) * t,
                                    y: previous.y + (point.y - previous.y) * t))
                        }
                    }
                }
                result.append(point)
                previous = point
            }
        }
        for mark in marks { result.append(Point(x: px(mark.x), y: py(mark.y))) }
        for bar in bars {
            if horizontalBars {
                result.append(Point(x: px(bar.value), y: py(bar.position)))
            } else {
                let top = py(bar.value)
                let x = px(bar.position)
                result.append(Point(x: x, y: top))
                result.append(Point(x: x, y: (top + py(0)) / 2))
            }
        }
        return result
    }

    private func drawLegend(
        _ entries: [LegendEntry], plot: Rect, canvas: inout Canvas, font: Font, style: ChartStyle,
        avoid: [Point]
    ) {
        let s = style.scale
        let size = style.tickSize
        let rowHeight = font.measure("Hg", size: size, scale: s).height
        let sample = 22.0
        let textWidth = entries.map { font.measure($0.label, size: size, scale: s).width }.max() ?? 0
        let width = 8 + sample + 6 + textWidth + 8
        let height = 6 + rowHeight * Double(entries.count) + 4
        let inset = 8.0
        let candidates = [
            Rect(x: plot.maxX - inset - width, y: plot.y + inset, width: width, height: height),
            Rect(x: plot.x + inset, y: plot.y + inset, width: width, height: height),
            Rect(x: plot.x + inset, y: plot.maxY - inset - height, width: width, height: height),
            Rect(x: plot.maxX - inset - width, y: plot.maxY - inset - height, width: width, height: height),
            Rect(x: plot.maxX - inset - width, y: plot.center.y - height / 2, width: width, height: height),
            Rect(x: plot.x + inset, y: plot.center.y - height / 2, width: width, height: height),
            Rect(x: plot.center.x - width / 2, y: plot.y + inset, width: width, height: height),
            Rect(x: plot.center.x - width / 2, y: plot.maxY - inset - height, width: width, height: height),
        ]
        var best = candidates[0]
        var bestScore = Int.max
        for candidate in candidates {
            let score = avoid.filter { candidate.contains($0) }.count
            if score < bestScore {
                best = candidate
                bestScore = score
            }
        }
        canvas.fillRect(best, color: Color.white.opacity(0.85))
        canvas.strokeRect(best.insetBy(-0.5), color: Color(hex: 0xCCCCCC), lineWidth: 1)
        for (index, entry) in entries.enumerated() {
            let top = best.y + 6 + rowHeight * Double(index)
            let baselineY = top + rowHeight / 2
            let sampleX = best.x + 8
            if entry.line {
                canvas.strokeLine(
                    from: Point(x: sampleX, y: baselineY), to: Point(x: sampleX + sample, y: baselineY),
                    color: entry.color, lineWidth: 2, dash: entry.dash)
            }
            if let marker = entry.marker {
                canvas.drawMarker(
                    marker, at: Point(x: sampleX + sample / 2, y: baselineY), size: 8, color: entry.color,
                    edge: entry.line ? nil : .white)
            }
            canvas.drawText(
                entry.label, at: Point(x: sampleX + sample + 6, y: baselineY), font: font, size: size,
                horizontal: .leading, vertical: .center)
        }
    }

    /// Writes each label beside its point at the first free spot (right, left, above, below, diagonals)
    /// that stays inside the plot and clear of points and earlier labels; labels with no free spot are
    /// left out.
    private func placeLabels(
        _ requests: [(Point, Double, String, Color)], occupied: [Rect], plot: Rect, canvas: inout Canvas,
        font: Font, style: ChartStyle
    ) {
        let size = style.tickSize * 0.9
        let boxes = requests.map { point, radius, text, _ in
            let metrics = font.measure(text, size: size, scale: style.scale)
            // Three pixels of air at each end keep neighbouring labels from reading as one.
            return LabelPlacement.Request(
                point: point, radius: radius, width: metrics.width + 6, height: metrics.capHeight * 1.9)
        }
        let placed = LabelPlacement.place(boxes, occupied: occupied, within: plot)
        for ((_, _, text, color), (box, placement)) in zip(requests, zip(boxes, placed)) {
            guard let placement else { continue }
            if placement.needsLeader {
                canvas.strokeLine(
                    from: box.point, to: placement.leaderEnd(from: box.point), color: Color.axis.opacity(0.6),
                    lineWidth: 0.75)
            }
            canvas.drawText(
                text, at: Point(x: placement.rect.x + 3, y: placement.rect.y + placement.rect.height / 2),
                font: font,
                size: size, color: color, horizontal: .leading, vertical: .center)
        }
    }
}

/// Where the labels of a scatter's points go.
///
/// Each label goes beside its point if there is room, else further out on rings around it with a leader
/// line, never over another label or point and always inside the plot area. Labels are placed in the order given, so earlier points win the nearest places.
enum LabelPlacement {
    /// A label to place: its point, the point's marker radius and the label's size, in CSS pixels.
    struct Request {
        var point: Point
        var radius: Double
        var width: Double
        var height: Double
    }

    /// A placed label.
    struct Placement: Equatable {
        /// The label's box.
        var rect: Rect
        /// Whether the label sits away from its point, so a line should join them.
        var needsLeader: Bool

        /// The point of the label's box nearest `point`, where a leader line ends.
        func leaderEnd(from point: Point) -> Point {
            Point(x: min(max(point.x, rect.x), rect.maxX), y: min(max(point.y, rect.y), rect.maxY))
        }
    }

    /// How many rings of candidate places beyond the label's own neighbourhood are tried.
    static let rings = 20

    /// Places every label it can; `nil` where no candidate place is free.
    ///
    /// Passes: first every label beside its point, then the ones left on the rings further out, so a
    /// crowded corner takes leader lines without pushing its neighbours' labels away from their points.
    static func place(_ requests: [Request], occupied: [Rect], within plot: Rect) -> [Placement?] {
        var taken: [Rect] = []
        var leaders: [(Point, Point)] = []
        var result = [Placement?](repeating: nil, count: requests.count)
        // Pass 0 beside the point; pass 1 on the rings, the leader clear of every label and point; pass 2
        // lets the leader pass over other points (never over a label).
        for pass in 0..<3 {
            let nearOnly = pass == 0
            for (index, request) in requests.enumerated() where result[index] == nil {
                let own = Rect(
                    x: request.point.x - request.radius, y: request.point.y - request.radius,
                    width: 2 * request.radius, height: 2 * request.radius)
                for (rect, leader) in candidates(for: request) where leader != nearOnly && plot.contains(rect)
                {
                    let free =
                        !taken.contains { $0.intersects(rect) }
                        && !occupied.contains { $0 != own && $0.intersects(rect.insetBy(1)) }
                        && !leaders.contains { segment($0.0, $0.1, crosses: rect) }
                    guard free else { continue }
                    let placement = Placement(rect: rect, needsLeader: leader)
                    let end = placement.leaderEnd(from: request.point)
                    if leader {
                        let blocked =
                            taken.contains { segment(request.point, end, crosses: $0) }
                            || (pass < 2
                                && occupied.contains { $0 != own && segment(request.point, end, crosses: $0) })
                        guard !blocked else { continue }
                        leaders.append((request.point, end))
                    }
                    taken.append(rect)
                    result[index] = placement
                    break
                }
            }
        }
        return result
    }

    /// The candidate boxes for one label, nearest first: the eight places touching the point, then
    /// twenty-four directions on each ring further out (those want a leader line).
    static func candidates(for request: Request) -> [(Rect, Bool)] {
        let (p, w, h) = (request.point, request.width, request.height)
        let gap = request.radius - 1  // plus the label box's own 3 px of air
        var result: [(Rect, Bool)] = [
            (Rect(x: p.x + gap, y: p.y - h / 2, width: w, height: h), false),
            (Rect(x: p.x - gap - w, y: p.y - h / 2, width: w, height: h), false),
            (Rect(x: p.x - w / 2, y: p.y - gap - h, width: w, height: h), false),
            (Rect(x: p.x - w / 2, y: p.y + gap, width: w, height: h), false),
            (Rect(x: p.x + gap * 0.7, y: p.y - gap * 0.7 - h, width: w, height: h), false),
            (Rect(x: p.x + gap * 0.7, y: p.y + gap * 0.7, width: w, height: h), false),
            (Rect(x: p.x - gap * 0.7 - w, y: p.y - gap * 0.7 - h, width: w, height: h), false),
            (Rect(x: p.x - gap * 0.7 - w, y: p.y + gap * 0.7, width: w, height: h), false),
        ]
        for ring in 1...rings {
            let distance = gap + Double(ring) * h * 1.1
            for step in 0..<24 {
                let angle = Double(step) * .pi / 12
                let (dx, dy) = (cos(angle), sin(angle))
                // The box's nearest edge sits `distance` from the point in that direction.
                let y = p.y + dy * distance - h / 2 + dy * h / 2
                // The leader meets the box at its near end first, then its middle, then its far end.
                let near = dx >= 0 ? p.x + dx * distance : p.x + dx * distance - w
                let far = dx >= 0 ? p.x + dx * distance - w : p.x + dx * distance
                for x in [near, p.x + dx * distance - w / 2, far] {
                    result.append((Rect(x: x, y: y, width: w, height: h), true))
                }
            }
        }
        return result
    }

    /// Whether the segment from `a` to `b` passes through `rect` (sampled finely enough for labels).
    static func segment(_ a: Point, _ b: Point, crosses rect: Rect) -> Bool {
        let length = hypot(b.x - a.x, b.y - a.y)
        let steps = max(Int(length / 2), 1)
        return (0...steps).contains { step in
            let t = Double(step) / Double(steps)
            return rect.insetBy(-0.5).contains(Point(x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t))
        }
    }
}
