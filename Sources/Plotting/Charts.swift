import Foundation

/// Draws a canvas with the style's font and returns its PNG.
func makeChart(
    width: Int, height: Int, style: ChartStyle, _ draw: (inout Canvas, Font) throws(PlottingError) -> Void
) throws(PlottingError) -> Chart {
    let font = try Font(path: style.fontPath)
    var canvas = Canvas(width: width, height: height, scale: style.scale)
    try draw(&canvas, font)
    return Chart(png: try canvas.pngData(), width: width, height: height)
}

private func check(_ series: [Series]) throws(PlottingError) {
    for item in series where item.x.count != item.y.count {
        throw .invalidData(
            "series \(item.name ?? "") has \(item.x.count) x values but \(item.y.count) y values")
    }
}

/// A line chart of one or more series, with a legend for named series and optional highlighted points.
///
/// ```swift
/// let chart = try lineChart([Series(name: "train", x: steps, y: losses)], xLabel: "steps", yLabel: "loss")
/// ```
///
/// - Parameters:
///   - series: The lines; colours default to the tab10 cycle.
///   - title: Text above the plot.
///   - xLabel: The x-axis title (Thai works).
///   - yLabel: The y-axis title, written upwards.
///   - xScale: `.linear` or `.log` (ticks at powers of ten, e.g. `1e-4`).
///   - yScale: `.linear` or `.log`.
///   - marks: Highlighted points, labelled in the legend or beside the point.
///   - verticalRules: X positions of dotted vertical lines.
///   - width: Width in CSS pixels.
///   - height: Height in CSS pixels.
///   - style: Fonts, sizes, palette and pixel density.
/// - Returns: The chart's PNG (`width × scale` pixels wide).
/// - Throws: ``PlottingError`` for mismatched series or a missing font.
public func lineChart(
    _ series: [Series], title: String? = nil, xLabel: String? = nil, yLabel: String? = nil,
    xScale: AxisScale = .linear, yScale: AxisScale = .linear, marks: [PointMark] = [],
    verticalRules: [Double] = [], width: Int = 640, height: Int = 400, style: ChartStyle = .standard
) throws(PlottingError) -> Chart {
    try check(series)
    var panel = Panel(title: title, xLabel: xLabel, yLabel: yLabel)
    panel.xScale = xScale
    panel.yScale = yScale
    panel.lines = series
    panel.marks = marks
    panel.verticalRules = verticalRules
    return try singlePanelChart(panel, width: width, height: height, style: style)
}

/// A scatter chart; each series may carry a text label per point (movie titles in a PCA plot).
///
/// Labels go beside their points at the first spot clear of other points and labels; a label with no
/// free spot is left out rather than drawn over another.
///
/// - Parameters:
///   - series: The point sets (their `marker` defaults to a circle, `pointLabels` are optional).
///   - title: Text above the plot.
///   - xLabel: The x-axis title.
///   - yLabel: The y-axis title.
///   - width: Width in CSS pixels.
///   - height: Height in CSS pixels.
///   - style: Fonts, sizes, palette and pixel density.
/// - Returns: The chart's PNG.
/// - Throws: ``PlottingError`` for mismatched series or a missing font.
public func scatterChart(
    _ series: [Series], title: String? = nil, xLabel: String? = nil, yLabel: String? = nil,
    width: Int = 640, height: Int = 480, style: ChartStyle = .standard
) throws(PlottingError) -> Chart {
    try check(series)
    var panel = Panel(title: title, xLabel: xLabel, yLabel: yLabel)
    panel.points = series
    return try singlePanelChart(panel, width: width, height: height, style: style)
}

/// A chart whose one panel fills the whole picture.
private func singlePanelChart(
    _ panel: Panel, width: Int, height: Int, style: ChartStyle
) throws(PlottingError) -> Chart {
    try makeChart(width: width, height: height, style: style) { canvas, font in
        panel.render(
            in: Rect(x: 0, y: 0, width: Double(width), height: Double(height)), canvas: &canvas, font: font,
            style: style)
    }
}

/// A bar chart over named categories, vertical or horizontal.
///
/// Horizontal bars suit long labels (top movie biases): categories run top to bottom in the given order,
/// labels longer than 40% of the width are shortened with "…". Negative values grow left (or down) from a
/// zero line.
///
/// - Parameters:
///   - labels: One category name per bar.
///   - values: One value per bar.
///   - horizontal: `true` for horizontal bars.
///   - title: Text above the plot.
///   - valueLabel: The title of the value axis.
///   - categoryLabel: The title of the category axis.
///   - color: The bar colour (tab10 blue by default).
///   - showsValues: Writes each value at its bar's end (`valueDigits` decimals).
///   - valueDigits: Decimals of the written values.
///   - width: Width in CSS pixels.
///   - height: Height in CSS pixels.
///   - style: Fonts, sizes, palette and pixel density.
/// - Returns: The chart's PNG.
/// - Throws: ``PlottingError/invalidData(_:)`` when counts differ.
public func barChart(
    labels: [String], values: [Double], horizontal: Bool = false, title: ChartText? = nil,
    valueLabel: ChartText? = nil, categoryLabel: ChartText? = nil, color: Color? = nil,
    showsValues: Bool = false, valueDigits: Int = 2, width: Int = 640, height: Int = 400,
    style: ChartStyle = .standard
) throws(PlottingError) -> Chart {
    guard labels.count == values.count else {
        throw .invalidData("\(labels.count) labels but \(values.count) values")
    }
    return try Chart.drawnPerLanguage([title, valueLabel, categoryLabel]) { language throws(PlottingError) in
        try barChart(
            labels: labels, values: values, horizontal: horizontal, title: title?.text(in: language),
            valueLabel: valueLabel?.text(in: language), categoryLabel: categoryLabel?.text(in: language),
            color: color, showsValues: showsValues, valueDigits: valueDigits, width: width, height: height,
            style: style)
    }
}

/// A bar chart with its texts in one language.
private func barChart(
    labels: [String], values: [Double], horizontal: Bool, title: String?, valueLabel: String?,
    categoryLabel: String?, color: Color?, showsValues: Bool, valueDigits: Int, width: Int, height: Int,
    style: ChartStyle
) throws(PlottingError) -> Chart {
    try makeChart(width: width, height: height, style: style) { canvas, font in
        var panel = Panel()
        panel.title = title
        let barColor = color ?? style.color(0)
        panel.horizontalBars = horizontal
        if horizontal {
            let limit = Double(width) * 0.4
            let shown = labels.map {
                font.truncated($0, toWidth: limit, size: style.tickSize, scale: style.scale)
            }
            panel.yCategories = Array(shown.reversed())
            panel.bars = values.enumerated().map {
                BarItem(position: Double(values.count - 1 - $0.offset), value: $0.element, color: barColor)
            }
            panel.xLabel = valueLabel
            panel.yLabel = categoryLabel
        } else {
            panel.xCategories = labels
            panel.bars = values.enumerated().map {
                BarItem(position: Double($0.offset), value: $0.element, color: barColor)
            }
            panel.xLabel = categoryLabel
            panel.yLabel = valueLabel
        }
        if showsValues { panel.barValueLabels = values.map { fixedText($0, digits: valueDigits) } }
        panel.render(
            in: Rect(x: 0, y: 0, width: Double(width), height: Double(height)), canvas: &canvas, font: font,
            style: style)
    }
}

/// A heatmap with the value written in every cell (a confusion matrix, a correlation table).
///
/// Cells are coloured with matplotlib's `Blues`; numbers are white when above half the maximum, black
/// otherwise. X tick labels are turned 90°, as in fastai's confusion matrix.
///
/// - Parameters:
///   - values: Rows of equal length; `values[row][column]`.
///   - xTicks: One label per column.
///   - yTicks: One label per row.
///   - title: Text above the matrix.
///   - xLabel: The x-axis title.
///   - yLabel: The y-axis title.
///   - digits: Decimals of the numbers; `nil` writes integers when every value is whole, else 2 decimals.
///   - width: Width in CSS pixels.
///   - height: Height in CSS pixels.
///   - style: Fonts, sizes and pixel density.
/// - Returns: The chart's PNG.
/// - Throws: ``PlottingError/invalidData(_:)`` for ragged rows or label counts that differ.
public func heatmap(
    _ values: [[Double]], xTicks: [String], yTicks: [String], title: String? = nil, xLabel: String? = nil,
    yLabel: String? = nil, digits: Int? = nil, width: Int = 480, height: Int = 480,
    style: ChartStyle = .standard
) throws(PlottingError) -> Chart {
    let rows = values.count
    let columns = values.first?.count ?? 0
    guard rows > 0, columns > 0, values.allSatisfy({ $0.count == columns }) else {
        throw .invalidData("heatmap rows must be non-empty and of equal length")
    }
    guard xTicks.count == columns, yTicks.count == rows else {
        throw .invalidData(
            "\(xTicks.count) x ticks for \(columns) columns, \(yTicks.count) y ticks for \(rows) rows")
    }
    let whole = values.allSatisfy { $0.allSatisfy { $0 == $0.rounded() } }
    let decimals = digits ?? (whole ? 0 : 2)
    return try makeChart(width: width, height: height, style: style) { canvas, font in
        let s = style.scale
        let pad = 10.0
        let gap = 6.0
        let titleHeight = title.map { font.measure($0, size: style.titleSize, scale: s).height + 4 } ?? 0
        let labelHeight = font.measure("Hg", size: style.labelSize, scale: s).height
        let xTickHeight = xTicks.map { font.measure($0, size: style.tickSize, scale: s).width }.max() ?? 0
        let yTickWidth = yTicks.map { font.measure($0, size: style.tickSize, scale: s).width }.max() ?? 0
        let left = pad + (yLabel == nil ? 0 : labelHeight + gap) + yTickWidth + gap
        let top = pad + titleHeight
        let bottom = pad + (xLabel == nil ? 0 : labelHeight + gap) + xTickHeight + gap
        let availableWidth = Double(width) - left - pad
        let availableHeight = Double(height) - top - bottom
        let cell = max(
            min(availableWidth / Double(columns), availableHeight / Double(rows)).rounded(.down), 1)
        let gridWidth = cell * Double(columns)
        let gridHeight = cell * Double(rows)
        let x0 = (left + (availableWidth - gridWidth) / 2).rounded(.down)
        let y0 = (top + (availableHeight - gridHeight) / 2).rounded(.down)
        let finite = values.flatMap { $0 }.filter(\.isFinite)
        let maximum = finite.max() ?? 1
        let minimum = min(finite.min() ?? 0, 0)
        let span = maximum - minimum > 0 ? maximum - minimum : 1
        let textSize = min(style.tickSize, cell * 0.42)
        for row in 0..<rows {
            for column in 0..<columns {
                let value = values[row][column]
                let rect = Rect(
                    x: x0 + Double(column) * cell, y: y0 + Double(row) * cell, width: cell, height: cell)
                canvas.fillRect(rect, color: Color.blues((value - minimum) / span))
                let text = value.isFinite ? fixedText(value, digits: decimals) : "–"
                canvas.drawText(
                    text, at: rect.center, font: font, size: textSize,
                    color: value > maximum / 2 ? .white : .black,
                    horizontal: .center, vertical: .center)
            }
        }
        for (column, label) in xTicks.enumerated() {
            let x = x0 + (Double(column) + 0.5) * cell
            canvas.fillRect(Rect(x: x.rounded(.down), y: y0 + gridHeight, width: 1, height: 4), color: .axis)
            canvas.drawText(
                label, at: Point(x: x.rounded(.down) + 0.5, y: y0 + gridHeight + gap), font: font,
                size: style.tickSize,
                horizontal: .trailing, vertical: .center, rotated: true)
        }
        for (row, label) in yTicks.enumerated() {
            let y = y0 + (Double(row) + 0.5) * cell
            canvas.fillRect(Rect(x: x0 - 4, y: y.rounded(.down), width: 4, height: 1), color: .axis)
            canvas.drawText(
                label, at: Point(x: x0 - gap, y: y.rounded(.down) + 0.5), font: font, size: style.tickSize,
                horizontal: .trailing, vertical: .center)
        }
        canvas.strokeRect(Rect(x: x0, y: y0, width: gridWidth, height: gridHeight).insetBy(0.5), color: .axis)
        if let title {
            canvas.drawText(
                title, at: Point(x: x0 + gridWidth / 2, y: pad), font: font, size: style.titleSize,
                horizontal: .center, vertical: .top)
        }
        if let xLabel {
            canvas.drawText(
                xLabel, at: Point(x: x0 + gridWidth / 2, y: Double(height) - pad), font: font,
                size: style.labelSize,
                horizontal: .center, vertical: .bottom)
        }
        if let yLabel {
            canvas.drawText(
                yLabel, at: Point(x: pad, y: y0 + gridHeight / 2), font: font, size: style.labelSize,
                horizontal: .center, vertical: .top, rotated: true)
        }
    }
}
