/// A finished chart: PNG bytes and the size to show it at.
public struct Chart: Sendable, Hashable {
    /// The PNG file's bytes, drawn at ``ChartStyle/scale`` device pixels per CSS pixel; the library's
    /// default texts in English.
    public let png: [UInt8]
    /// Display width in CSS pixels (the PNG is `width × scale` pixels wide).
    public let width: Int
    /// Display height in CSS pixels.
    public let height: Int
    /// The same chart drawn in other languages, when its texts include the library's defaults
    /// (``ChartTerm``); empty when every text was the caller's own.
    public internal(set) var translations: [ChartLanguage: Chart] = [:]

    init(png: [UInt8], width: Int, height: Int) {
        self.png = png
        self.width = width
        self.height = height
    }

    /// The chart as a lesson in `language` shows it: its translation, else the English drawing.
    public func localized(to language: ChartLanguage) -> Chart {
        var chart = translations[language] ?? self
        chart.translations = [:]
        return chart
    }
}

/// Fonts, sizes and colours shared by every chart.
public struct ChartStyle: Sendable, Hashable {
    /// The TrueType font; Loma covers Thai and Latin.
    public var fontPath: String = Font.lomaPath
    /// Device pixels per CSS pixel.
    public var scale: Int = 2
    /// Tick-label and legend font size (CSS pixels).
    public var tickSize: Double = 11
    /// Axis-label font size.
    public var labelSize: Double = 12.5
    /// Title font size.
    public var titleSize: Double = 14
    /// The colour cycle for series.
    public var palette: [Color] = Color.tab10

    /// The default style.
    public init() {}

    /// The default style.
    public static let standard = ChartStyle()

    /// The `index`-th palette colour, wrapping around.
    public func color(_ index: Int) -> Color {
        guard !palette.isEmpty else { return Color.cycle(index) }
        return palette[((index % palette.count) + palette.count) % palette.count]
    }
}

/// One data series of a line or scatter chart.
public struct Series: Sendable, Hashable {
    /// The legend entry; `nil` leaves the series out of the legend.
    public var name: String?
    /// X values.
    public var x: [Double]
    /// Y values, as many as `x`.
    public var y: [Double]
    /// The colour; `nil` takes the next palette colour.
    public var color: Color?
    /// Line width in CSS pixels.
    public var lineWidth: Double
    /// Dash pattern (on, off, … in CSS pixels); empty for solid.
    public var dash: [Double]
    /// A marker at every point (line charts) or the point shape (scatter charts).
    public var marker: Marker?
    /// Marker diameter in CSS pixels.
    public var markerSize: Double
    /// Optional text beside each point (scatter charts), such as movie titles.
    public var pointLabels: [String]

    /// A series; only `x` and `y` are required.
    public init(
        name: String? = nil, x: [Double], y: [Double], color: Color? = nil, lineWidth: Double = 1.5,
        dash: [Double] = [], marker: Marker? = nil, markerSize: Double = 6, pointLabels: [String] = []
    ) {
        self.name = name
        self.x = x
        self.y = y
        self.color = color
        self.lineWidth = lineWidth
        self.dash = dash
        self.marker = marker
        self.markerSize = markerSize
        self.pointLabels = pointLabels
    }

    /// A series with x = 0, 1, 2, and so on.
    public init(name: String? = nil, y: [Double], color: Color? = nil) {
        self.init(name: name, x: y.indices.map(Double.init), y: y, color: color)
    }
}

/// A highlighted point with a label, either in the legend or written beside it.
public struct PointMark: Sendable, Hashable {
    /// Data x.
    public var x: Double
    /// Data y.
    public var y: Double
    /// The text (legend entry or annotation).
    public var label: String?
    /// The colour; `nil` takes a palette colour.
    public var color: Color?
    /// The shape.
    public var marker: Marker
    /// Diameter in CSS pixels.
    public var size: Double
    /// `true` puts the label in the legend, `false` writes it beside the point.
    public var inLegend: Bool

    /// A highlighted point.
    public init(
        x: Double, y: Double, label: String? = nil, color: Color? = nil, marker: Marker = .circle,
        size: Double = 9, inLegend: Bool = true
    ) {
        self.x = x
        self.y = y
        self.label = label
        self.color = color
        self.marker = marker
        self.size = size
        self.inLegend = inLegend
    }
}

/// Points drawn over an image, in the image's pixel coordinates (x right, y down).
public struct PointSet: Sendable, Hashable {
    /// The legend entry.
    public var name: String
    /// Positions in image pixels (0…width, 0…height).
    public var points: [Point]
    /// The colour.
    public var color: Color
    /// The shape.
    public var marker: Marker

    /// A named set of points.
    public init(name: String, points: [Point], color: Color, marker: Marker = .circle) {
        self.name = name
        self.points = points
        self.color = color
        self.marker = marker
    }
}
