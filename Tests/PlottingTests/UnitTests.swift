import Foundation
import Testing
import _TestSupport

@testable import Plotting

@Suite struct TickTests {
    @Test func niceStepsAreOneTwoFive() {
        #expect(Ticks.niceStep(0.13) == 0.2)
        #expect(Ticks.niceStep(0.3) == 0.5)
        #expect(Ticks.niceStep(7) == 10)
        #expect(Ticks.niceStep(1) == 1)
        #expect(isClose(Ticks.niceStep(1.5e-4), 2e-4))
        #expect(Ticks.niceStep(45) == 50)
    }

    @Test func linearTicksCoverRangeWithCleanLabels() {
        let ticks = Ticks.linear(0, 1, count: 5)
        #expect(ticks.values == [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        #expect(ticks.labels == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let wide = Ticks.linear(-3.7, 12.2, count: 4)
        #expect(wide.values == [0, 5, 10])
        #expect(wide.labels == ["0", "5", "10"])
        let negative = Ticks.linear(-1.2, 0.3, count: 3)
        #expect(negative.labels == ["-1.0", "-0.5", "0.0"])
    }

    @Test func smallStepsUseCompactScientificLabels() {
        let ticks = Ticks.linear(0, 1e-3, count: 2)
        #expect(ticks.values.count == 3)
        #expect(ticks.labels == ["0", "5e-4", "1e-3"])
        let big = Ticks.linear(0, 3e6, count: 3)
        #expect(big.labels == ["0", "1e6", "2e6", "3e6"])
    }

    @Test func logTicksAreDecades() {
        let ticks = Ticks.log(1e-7, 10, count: 10)
        #expect(ticks.labels == ["1e-7", "1e-6", "1e-5", "1e-4", "1e-3", "1e-2", "1e-1", "1e0", "1e1"])
        expectClose(ticks.values, (-7...1).map { pow(10, Double($0)) }, relative: 1e-12)
        #expect(ticks.minor.contains { isClose($0, 2e-7) })
        let crowded = Ticks.log(1e-7, 10, count: 4)
        #expect(crowded.labels == ["1e-7", "1e-4", "1e-1"])
        #expect(crowded.minor.isEmpty)
    }

    @Test func logTicksInsideOneDecadeUseTwoAndFive() {
        let ticks = Ticks.log(0.15, 3, count: 8)
        #expect(ticks.labels == ["0.2", "0.5", "1", "2"])
        let plain = Ticks.log(0.01, 100, count: 8)
        #expect(plain.labels == ["0.01", "0.1", "1", "10", "100"])
    }
}

@Suite struct TextTests {
    @Test func measuringScalesWithTextAndSize() throws {
        let font = try Font()
        let short = font.measure("loss", size: 12)
        let long = font.measure("loss loss", size: 12)
        #expect(short.width > 10 && short.width < 40)
        #expect(long.width > 2 * short.width)
        let big = font.measure("loss", size: 24)
        #expect(abs(big.width - 2 * short.width) <= 1.5)
        let twoLines = font.measure("a\nb", size: 12)
        #expect(isClose(twoLines.height, 2 * font.measure("a", size: 12).height))
    }

    @Test func thaiMarksTakeNoWidth() throws {
        let font = try Font()
        let base = font.measure("ก", size: 20).width
        #expect(font.measure("กี่", size: 20).width == base)
        #expect(font.measure("ปั้", size: 20).width == font.measure("ป", size: 20).width)
        #expect(font.measure("Misérables", size: 12).width > font.measure("Mis", size: 12).width)
    }

    @Test func thaiShapingPicksPresentationForms() {
        let all: (UInt32) -> Bool = { _ in true }
        // Tone mark alone goes low; above an upper vowel it stays high.
        #expect(ThaiShaping.shape([0x0E01, 0x0E48], hasGlyph: all) == [0x0E01, 0xF70A])
        #expect(ThaiShaping.shape([0x0E01, 0x0E35, 0x0E48], hasGlyph: all) == [0x0E01, 0x0E35, 0x0E48])
        // Tall consonant: marks shift left.
        #expect(ThaiShaping.shape([0x0E1B, 0x0E34, 0x0E48], hasGlyph: all) == [0x0E1B, 0xF701, 0xF713])
        #expect(ThaiShaping.shape([0x0E1B, 0x0E48], hasGlyph: all) == [0x0E1B, 0xF705])
        // SARA AM after a tone: NIKHAHIT + SARA AA, tone stays high (น้ำ).
        #expect(
            ThaiShaping.shape([0x0E19, 0x0E49, 0x0E33], hasGlyph: all) == [0x0E19, 0x0E49, 0x0E4D, 0x0E32])
        #expect(ThaiShaping.shape([0x0E01, 0x0E33], hasGlyph: all) == [0x0E01, 0x0E33])
        // Descenders: ญ loses its tail, ฎ pushes the lower vowel down.
        #expect(ThaiShaping.shape([0x0E0D, 0x0E39], hasGlyph: all) == [0xF70F, 0x0E39])
        #expect(ThaiShaping.shape([0x0E0E, 0x0E38], hasGlyph: all) == [0x0E0E, 0xF718])
        // Without presentation forms, the text is unchanged.
        #expect(ThaiShaping.shape([0x0E01, 0x0E48], hasGlyph: { $0 < 0xF700 }) == [0x0E01, 0x0E48])
    }

    @Test func missingFontIsAClearError() {
        #expect(throws: PlottingError.fontNotFound(path: "/nonexistent/font.ttf")) {
            try Font(path: "/nonexistent/font.ttf")
        }
        var style = ChartStyle()
        style.fontPath = "/nonexistent/font.ttf"
        #expect(throws: PlottingError.self) { try lineChart([Series(y: [1, 2])], style: style) }
        #expect(PlottingError.fontNotFound(path: "/x.ttf").description.contains("/x.ttf"))
    }

    @Test func truncationAddsEllipsisAndFits() throws {
        let font = try Font()
        let text = "Very Long Title That Goes On And On (1999)"
        let short = font.truncated(text, toWidth: 80, size: 11)
        #expect(short.hasSuffix("…"))
        #expect(font.measure(short, size: 11).width <= 80)
        #expect(font.truncated("Fargo", toWidth: 80, size: 11) == "Fargo")
    }
}

@Suite struct CanvasAndPNGTests {
    private func bigEndian(_ bytes: [UInt8], at offset: Int) -> Int {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
    }

    @Test func pngHasSignatureAndHiDPISize() throws {
        let chart = try lineChart([Series(y: [1, 3, 2])], width: 640, height: 400)
        #expect(Array(chart.png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(String(decoding: chart.png[12..<16], as: UTF8.self) == "IHDR")
        #expect(bigEndian(chart.png, at: 16) == 1280)
        #expect(bigEndian(chart.png, at: 20) == 800)
        #expect(chart.png[24] == 8)  // bit depth
        #expect(chart.png[25] == 2)  // colour type RGB (opaque)
        #expect(Array(chart.png.suffix(8).prefix(4)) == Array("IEND".utf8))
    }

    @Test func sameInputGivesSameBytes() throws {
        let series = [
            Series(name: "a", x: [1, 2, 3], y: [3, 1, 2]), Series(name: "ข", x: [1, 2, 3], y: [1, 2, 3]),
        ]
        let first = try lineChart(series, title: "ทดสอบ")
        let second = try lineChart(series, title: "ทดสอบ")
        #expect(first.png == second.png)
        let other = try lineChart(series, title: "ทดสอบ!")
        #expect(first.png != other.png)
    }

    @Test func translucentCanvasEncodesRGBA() throws {
        var canvas = Canvas(width: 4, height: 3, scale: 1, background: Color.white.opacity(0))
        canvas.fillRect(Rect(x: 0, y: 0, width: 2, height: 3), color: .red)
        let png = try canvas.pngData()
        #expect(png[25] == 6)
        #expect(bigEndian(png, at: 16) == 4 && bigEndian(png, at: 20) == 3)
    }

    @Test func fillRectCoversExactPixelsWithPartialEdges() {
        var canvas = Canvas(width: 10, height: 10, scale: 2)
        canvas.fillRect(Rect(x: 1, y: 1, width: 2.25, height: 1), color: .black)
        #expect(canvas.color(column: 2, row: 2) == .black)
        #expect(canvas.color(column: 5, row: 3) == .black)
        #expect(canvas.color(column: 1, row: 2) == .white)
        // 2.25 CSS px = 4.5 device px: the 7th device column is half covered.
        #expect(canvas.color(column: 6, row: 2).red == 128)
        #expect(canvas.color(column: 2, row: 4) == .white)
    }

    @Test func antiAliasedLineHasFullCentreAndSoftEdges() {
        var canvas = Canvas(width: 20, height: 20, scale: 1)
        canvas.strokeLine(from: Point(x: 2, y: 10), to: Point(x: 18, y: 10), color: .black, lineWidth: 2)
        #expect(canvas.color(column: 10, row: 9) == .black)
        #expect(canvas.color(column: 10, row: 10) == .black)
        #expect(canvas.color(column: 10, row: 12) == .white)
        var diagonal = Canvas(width: 20, height: 20, scale: 1)
        diagonal.strokeLine(from: Point(x: 0, y: 0), to: Point(x: 20, y: 20), color: .black, lineWidth: 1)
        let edge = diagonal.color(column: 10, row: 11).red
        #expect(edge > 0 && edge < 255)
    }

    @Test func rotatedTextRunsUpwards() throws {
        let font = try Font()
        var canvas = Canvas(width: 60, height: 100, scale: 1)
        canvas.drawText(
            "Loss value", at: Point(x: 30, y: 50), font: font, size: 12, horizontal: .center,
            vertical: .center,
            rotated: true)
        var rows: [Int] = []
        var columns: [Int] = []
        for row in 0..<100 {
            for column in 0..<60 where canvas.color(column: column, row: row) != .white {
                rows.append(row)
                columns.append(column)
            }
        }
        let height = (rows.max() ?? 0) - (rows.min() ?? 0)
        let width = (columns.max() ?? 0) - (columns.min() ?? 0)
        #expect(height > 40 && width < 16)
    }

    @Test func gridShapeFollowsFastai() {
        #expect(gridShape(count: 9) == (3, 3))
        #expect(gridShape(count: 6) == (2, 3))
        #expect(gridShape(count: 5) == (2, 3))
        #expect(gridShape(count: 1) == (1, 1))
        #expect(gridShape(count: 10) == (3, 4))
    }

    @Test func imagesConvertFloatAndPlanarPixels() {
        let grey = PlotImage(grey: [0, 0.5, 1, 2], width: 2, height: 2)
        #expect(grey.samples == [0, 128, 255, 255])
        let planar = PlotImage(planarRGB: [1, 0, 0, 1, 0, 0], width: 2, height: 1)
        #expect(planar.samples == [255, 0, 0, 0, 255, 0])
        #expect(
            PlotImage(rgb: [0, 127.5, 255], width: 1, height: 1, range: 0...255).samples == [0, 128, 255])
    }

    @Test func chartsRejectInconsistentData() {
        #expect(throws: PlottingError.self) { try lineChart([Series(x: [1, 2], y: [1])]) }
        #expect(throws: PlottingError.self) { try barChart(labels: ["a"], values: [1, 2]) }
        #expect(throws: PlottingError.self) { try plotConfusionMatrix([[1, 2]], classes: ["a", "b"]) }
        #expect(throws: PlottingError.self) { try imageGrid([]) }
    }

    @Test func bluesColormapEndsMatchMatplotlib() {
        #expect(Color.blues(0) == Color(hex: 0xF7FBFF))
        #expect(Color.blues(1) == Color(hex: 0x08306B))
    }
}

@Suite struct ChartLanguageTests {
    @Test func defaultTextsAreDrawnInEveryLanguageAndOwnWordsOnce() throws {
        let steps = (0..<50).map(Double.init)
        let losses = steps.map { 1 / (1 + $0) }
        let byDefault = try plotLoss(trainSteps: steps, trainLosses: losses)
        #expect(byDefault.translations.keys.sorted { $0.rawValue < $1.rawValue } == [.th])
        let thai = try #require(byDefault.translations[.th])
        #expect(thai.png != byDefault.png && thai.width == byDefault.width && thai.height == byDefault.height)
        #expect(byDefault.localized(to: .th) == thai && byDefault.localized(to: .th).translations.isEmpty)
        #expect(byDefault.localized(to: .en).png == byDefault.png)
        // The Thai drawing is the English one's layout with Thai words: the same as asking for them.
        let asked = try plotLoss(
            trainSteps: steps, trainLosses: losses,
            title: ChartText(ChartTerm.learningCurveTitle.text(in: .th)),
            xLabel: ChartText(ChartTerm.learningCurveSteps.text(in: .th)),
            yLabel: ChartText(ChartTerm.learningCurveLoss.text(in: .th)),
            trainName: ChartText(ChartTerm.trainLegend.text(in: .th)),
            validName: ChartText(ChartTerm.validLegend.text(in: .th)))
        #expect(asked.png == thai.png && asked.translations.isEmpty)
        let ownWords = try plotLoss(
            trainSteps: steps, trainLosses: losses, title: "mine", xLabel: "x", yLabel: "y", trainName: "t",
            validName: "v")
        #expect(ownWords.translations.isEmpty)
    }

    @Test func aCellsWordsInBothLanguagesDrawOnePicturePerLanguage() throws {
        let bilingual = try barChart(
            labels: ["a", "b"], values: [1, 2], title: L("Seconds per epoch", th: "วินาทีต่อ epoch"))
        let thai = try #require(bilingual.translations[.th])
        // Each language's picture is the chart drawn with that language's words.
        let english = try barChart(labels: ["a", "b"], values: [1, 2], title: "Seconds per epoch")
        let thaiAsked = try barChart(labels: ["a", "b"], values: [1, 2], title: "วินาทีต่อ epoch")
        #expect(bilingual.png == english.png && thai.png == thaiAsked.png && thai.png != english.png)
        #expect(english.translations.isEmpty)
    }

    @Test func everyTermHasItsOwnTextInEveryLanguage() {
        for language in ChartLanguage.allCases {
            let texts = ChartTerm.allCases.map { $0.text(in: language) }
            #expect(texts.allSatisfy { !$0.isEmpty })
        }
        // Thai words are Thai: every Thai term that is not an English technical term alone has Thai letters.
        let thai = ChartTerm.allCases.map { $0.text(in: .th) }
        let thaiLetters = thai.filter { $0.unicodeScalars.contains { (0x0E00...0x0E7F).contains($0.value) } }
        #expect(thaiLetters.count >= thai.count - 3, "\(thai)")
    }

    @Test func everyLessonChartTranslatesItsDefaults() throws {
        let image = PlotImage(grey: [UInt8](repeating: 128, count: 64), width: 8, height: 8)
        let charts = [
            try plotLRFind(lrs: [1e-3, 1e-2, 1e-1], losses: [1, 0.5, 2], skipEnd: 0),
            try plotSched(lrs: [1, 2, 3], moms: [0.9, 0.8, 0.9]),
            try plotMetricThreshold(thresholds: [0.1, 0.5], values: [0.7, 0.8]),
            try plotConfusionMatrix([[2, 1], [0, 3]], classes: ["a", "b"]),
            try plotTopLosses(
                images: [image], predicted: ["a"], actual: ["b"], losses: [1.5], probabilities: [0.6]),
            try showResultsPoints(
                images: [image], targets: [[Point(x: 2, y: 2)]], predictions: [[Point(x: 3, y: 3)]]),
        ]
        for chart in charts {
            #expect(chart.translations[.th].map { $0.png != chart.png } == true)
        }
    }
}

@Suite struct LabelPlacementTests {
    /// Fifty labelled points, crowded as lesson 05's film map is: a seeded cloud denser in the middle.
    static func crowdedRequests() -> [LabelPlacement.Request] {
        var state: UInt64 = 2026
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        return (0..<50).map { index in
            let spread = index < 25 ? 0.5 : 1.0
            let x = 410 + (next() - 0.5) * 700 * spread
            let y = 340 + (next() - 0.5) * 560 * spread
            return LabelPlacement.Request(
                point: Point(x: x, y: y), radius: 2.5, width: 60 + next() * 140, height: 13)
        }
    }

    @Test func crowdedLabelsAreAllPlacedWithoutOverlapInsideThePlot() {
        let plot = Rect(x: 60, y: 20, width: 740, height: 620)
        let requests = Self.crowdedRequests()
        let dots = requests.map {
            Rect(
                x: $0.point.x - $0.radius, y: $0.point.y - $0.radius, width: 2 * $0.radius,
                height: 2 * $0.radius)
        }
        let placed = LabelPlacement.place(requests, occupied: dots, within: plot)
        let rects = placed.compactMap { $0?.rect }
        #expect(rects.count == requests.count)
        for (index, placement) in placed.enumerated() {
            guard let rect = placement?.rect else { continue }
            #expect(plot.contains(rect))
            #expect(rects.filter { $0.intersects(rect) }.count == 1)
            #expect(!dots.enumerated().contains { $0.offset != index && $0.element.intersects(rect) })
        }
        // A leader never runs through a label.
        for (index, placement) in placed.enumerated() {
            guard let placement, placement.needsLeader else { continue }
            let start = requests[index].point
            let end = placement.leaderEnd(from: start)
            #expect(
                !rects.contains { $0 != placement.rect && LabelPlacement.segment(start, end, crosses: $0) })
        }
        // Most labels sit beside their points; leaders are for the crowded middle only.
        #expect(placed.filter { $0?.needsLeader == false }.count >= 35)
    }

    @Test func aLabelWithNoRoomIsLeftOutRatherThanDrawnOverAnother() {
        let plot = Rect(x: 0, y: 0, width: 100, height: 30)
        let requests = [
            LabelPlacement.Request(point: Point(x: 50, y: 15), radius: 2, width: 90, height: 12),
            LabelPlacement.Request(point: Point(x: 52, y: 15), radius: 2, width: 90, height: 12),
            LabelPlacement.Request(point: Point(x: 48, y: 14), radius: 2, width: 90, height: 12),
        ]
        let placed = LabelPlacement.place(requests, occupied: [], within: plot)
        let rects = placed.compactMap { $0?.rect }
        #expect(placed[0] != nil)
        #expect(rects.count < 3)
        for (index, rect) in rects.enumerated() {
            #expect(!rects[(index + 1)...].contains { $0.intersects(rect) })
        }
    }
}
