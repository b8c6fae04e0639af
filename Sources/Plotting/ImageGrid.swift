/// The grid fastai's `show_batch` uses for `n` items: `nrows = Int(√n)`, `ncols = ⌈n / nrows⌉`.
public func gridShape(count: Int) -> (rows: Int, columns: Int) {
    guard count > 0 else { return (0, 0) }
    let rows = max(Int(Double(count).squareRoot()), 1)
    return (rows, (count + rows - 1) / rows)
}

/// Splits `text` at spaces into lines no wider than `width`, at most `maxLines` (the last one shortened
/// with "…" if needed); explicit `\n` breaks are kept.
func wrap(_ text: String, width: Double, maxLines: Int, font: Font, size: Double, scale: Int) -> String {
    var lines: [String] = []
    for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
        var current = ""
        for word in paragraph.split(separator: " ") {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if current.isEmpty || font.measure(candidate, size: size, scale: scale).width <= width {
                current = candidate
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        lines.append(current)
    }
    if lines.count > maxLines {
        lines = Array(lines.prefix(maxLines))
        lines[maxLines - 1] += " …"
    }
    return lines.map { font.truncated($0, toWidth: width, size: size, scale: scale) }.joined(separator: "\n")
}

/// Draws images in a grid with an optional title per image, per-image points and a shared legend.
private func renderGrid(
    _ images: [PlotImage], titles: [String], titleColors: [Color], points: [[PointSet]], rows: Int?,
    columns: Int?, cellSize: Double, suptitle: String?, style: ChartStyle
) throws(PlottingError) -> Chart {
    guard !images.isEmpty else { throw .invalidData("no images to show") }
    let shape = gridShape(count: images.count)
    let columnCount = max(columns ?? (rows.map { (images.count + $0 - 1) / $0 } ?? shape.columns), 1)
    let rowCount = max(rows ?? (images.count + columnCount - 1) / columnCount, 1)
    let font = try Font(path: style.fontPath)
    let s = style.scale
    let gap = 12.0
    let titleSize = style.tickSize + 0.5
    let maxTitleLines =
        titles.map { wrap($0, width: cellSize, maxLines: 3, font: font, size: titleSize, scale: s) }
        .map { $0.split(separator: "\n", omittingEmptySubsequences: false).count }.max() ?? 0
    let lineHeight = font.measure("Hg", size: titleSize, scale: s).height
    let titleHeight = titles.isEmpty ? 0 : Double(maxTitleLines) * lineHeight
    let suptitleHeight = suptitle.map { font.measure($0, size: style.titleSize, scale: s).height + 6 } ?? 0
    // Rows are as tall as the tallest fitted image, so landscape pictures sit right under their titles.
    let imageHeight =
        images.map { min(Double($0.height) / Double(max($0.width, 1)), 1) * cellSize }.max() ?? cellSize
    let legendEntries = uniqueLegend(points)
    let legendHeight = legendEntries.isEmpty ? 0 : lineHeight + 6
    let width = Int((Double(columnCount) * (cellSize + gap) + gap).rounded(.up))
    let height = Int(
        (gap + suptitleHeight + legendHeight + Double(rowCount) * (titleHeight + imageHeight + gap)).rounded(
            .up))
    var canvas = Canvas(width: width, height: height, scale: s)
    if let suptitle {
        canvas.drawText(
            suptitle, at: Point(x: Double(width) / 2, y: gap / 2), font: font, size: style.titleSize,
            horizontal: .center, vertical: .top)
    }
    if !legendEntries.isEmpty {
        var entryWidths: [Double] = []
        for entry in legendEntries {
            entryWidths.append(font.measure(entry.name, size: style.tickSize, scale: s).width + 22)
        }
        var x = (Double(width) - entryWidths.reduce(0, +) - 12 * Double(entryWidths.count - 1)) / 2
        let y = gap / 2 + suptitleHeight + lineHeight / 2
        for (entry, entryWidth) in zip(legendEntries, entryWidths) {
            canvas.drawMarker(
                entry.marker, at: Point(x: x + 6, y: y), size: 9, color: entry.color, edge: .white)
            canvas.drawText(
                entry.name, at: Point(x: x + 16, y: y), font: font, size: style.tickSize,
                horizontal: .leading,
                vertical: .center)
            x += entryWidth + 12
        }
    }
    for (index, image) in images.enumerated() {
        let row = index / columnCount
        let column = index % columnCount
        let cellX = gap + Double(column) * (cellSize + gap)
        let cellY = gap + suptitleHeight + legendHeight + Double(row) * (titleHeight + imageHeight + gap)
        if index < titles.count {
            let text = wrap(
                titles[index], width: cellSize, maxLines: 3, font: font, size: titleSize, scale: s)
            canvas.drawText(
                text, at: Point(x: cellX + cellSize / 2, y: cellY + titleHeight), font: font, size: titleSize,
                color: index < titleColors.count ? titleColors[index] : .text, horizontal: .center,
                vertical: .bottom)
        }
        let aspect = Double(image.width) / Double(max(image.height, 1))
        let drawWidth = aspect >= 1 ? cellSize : cellSize * aspect
        let drawHeight = aspect >= 1 ? cellSize / aspect : cellSize
        let frame = Rect(
            x: (cellX + (cellSize - drawWidth) / 2).rounded(), y: (cellY + titleHeight + 2).rounded(),
            width: drawWidth.rounded(), height: drawHeight.rounded())
        canvas.drawImage(image, in: frame)
        if index < points.count {
            canvas.clip = frame
            for set in points[index] {
                for point in set.points where point.x.isFinite && point.y.isFinite {
                    let center = Point(
                        x: frame.x + point.x / Double(image.width) * frame.width,
                        y: frame.y + point.y / Double(image.height) * frame.height)
                    canvas.drawMarker(set.marker, at: center, size: 10, color: set.color, edge: .white)
                }
            }
            canvas.clip = nil
        }
    }
    return Chart(png: try canvas.pngData(), width: width, height: height)
}

private func uniqueLegend(_ points: [[PointSet]]) -> [PointSet] {
    var seen: [String] = []
    var result: [PointSet] = []
    for set in points.joined() where !seen.contains(set.name) {
        seen.append(set.name)
        result.append(set)
    }
    return result
}

/// Images in a grid, each with an optional title in its own colour (such as green when right, red when wrong).
///
/// - Parameters:
///   - images: Grey or RGB pictures of any size; each is fitted into a square cell, keeping its aspect.
///   - titles: A title per image (wrapped at spaces, up to three lines); may be empty.
///   - titleColors: A colour per title; missing ones are dark grey.
///   - rows: Number of rows; by default fastai's `Int(√n)`.
///   - columns: Number of columns; by default `⌈n / rows⌉`.
///   - cellSize: The side of each image cell in CSS pixels.
///   - suptitle: Text above the whole grid.
///   - style: Fonts, sizes and pixel density.
/// - Returns: The grid's PNG.
/// - Throws: ``PlottingError`` when there are no images or the font is missing.
public func imageGrid(
    _ images: [PlotImage], titles: [String] = [], titleColors: [Color] = [], rows: Int? = nil,
    columns: Int? = nil, cellSize: Double = 128, suptitle: String? = nil, style: ChartStyle = .standard
) throws(PlottingError) -> Chart {
    try renderGrid(
        images, titles: titles, titleColors: titleColors, points: [], rows: rows, columns: columns,
        cellSize: cellSize, suptitle: suptitle, style: style)
}

/// One image with named point sets drawn over it and a legend above it.
///
/// - Parameters:
///   - image: The picture.
///   - pointSets: Points in the image's pixel coordinates (x right, y down).
///   - title: Text above the image.
///   - size: The image's side in CSS pixels.
///   - style: Fonts, sizes and pixel density.
/// - Returns: The chart's PNG.
/// - Throws: ``PlottingError`` when the font is missing.
public func imageWithPoints(
    _ image: PlotImage, pointSets: [PointSet], title: String? = nil, size: Double = 320,
    style: ChartStyle = .standard
) throws(PlottingError) -> Chart {
    try renderGrid(
        [image], titles: title.map { [$0] } ?? [], titleColors: [], points: [pointSets], rows: 1, columns: 1,
        cellSize: size, suptitle: nil, style: style)
}

/// Several images, each with its own point sets, in a grid with one shared legend.
///
/// - Parameters:
///   - images: The pictures.
///   - pointSets: Per image, the point sets to draw (same names across images share a legend entry).
///   - titles: Optional titles.
///   - columns: Columns of the grid; by default fastai's `show_batch` shape.
///   - cellSize: The side of each image cell in CSS pixels.
///   - style: Fonts, sizes and pixel density.
/// - Returns: The grid's PNG.
/// - Throws: ``PlottingError`` when there are no images or the font is missing.
public func imageGridWithPoints(
    _ images: [PlotImage], pointSets: [[PointSet]], titles: [String] = [], columns: Int? = nil,
    cellSize: Double = 160, style: ChartStyle = .standard
) throws(PlottingError) -> Chart {
    try renderGrid(
        images, titles: titles, titleColors: [], points: pointSets, rows: nil, columns: columns,
        cellSize: cellSize, suptitle: nil, style: style)
}
