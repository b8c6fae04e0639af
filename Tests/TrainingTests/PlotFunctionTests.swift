import Plotting
import Testing
import Training

@Suite struct PlotFunctionTests {
    @Test func labelsInBothLanguagesDrawAThaiPicture() throws {
        let curve = try plotFunction(
            { $0 * $0 }, title: L("square", th: "กำลังสอง"), xLabel: L("x", th: "ค่า x"))
        let thai = try #require(curve.translations[.th])
        #expect(thai.png == (try plotFunction({ $0 * $0 }, title: "กำลังสอง", xLabel: "ค่า x")).png)
        #expect(try plotFunction({ $0 * $0 }, title: "square").translations.isEmpty)
    }
}
