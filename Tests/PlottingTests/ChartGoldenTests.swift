import Foundation
import Plotting
import Testing
import _TestSupport

@Suite struct ChartGoldenTests {
    @Test func lrFind() throws {
        let suggestions = [
            LRSuggestion(name: "valley", lr: Fixtures.lrs[45], loss: Fixtures.losses[45]),
            LRSuggestion(name: "slide", lr: Fixtures.lrs[59], loss: Fixtures.losses[59]),
        ]
        let chart = try plotLRFind(lrs: Fixtures.lrs, losses: Fixtures.losses, suggestions: suggestions)
        #expect(chart.width == 640 && chart.height == 400)
        expectGolden(chart.png, named: "lr-find.png")
    }

    @Test func lrFindThai() throws {
        let chart = try plotLRFind(
            lrs: Fixtures.lrs, losses: Fixtures.losses,
            suggestions: [LRSuggestion(name: "valley", lr: Fixtures.lrs[45], loss: Fixtures.losses[45])],
            title: "อัตราการเรียนรู้ เทียบกับ ค่าความสูญเสีย", xLabel: "อัตราการเรียนรู้", yLabel: "ค่าความสูญเสีย")
        expectGolden(chart.png, named: "lr-find-thai.png")
    }

    @Test func thaiMarks() throws {
        let chart = try lineChart(
            [
                Series(name: "น้ำหนัก ปี่ ป่า ฟ้า", y: [1, 3, 2, 4]),
                Series(name: "ญู ฐุ ฎุ ที่นี่ ผู้ใหญ่", y: [2, 1, 3, 2]),
            ],
            title: "กี่ ปิ่น ฝั่ง ฟื้น กำ ค่ำ น้ำ ป่ำ ตั้ง อึ้ง", xLabel: "ขั้นตอน (steps)", yLabel: "ค่าความสูญเสีย",
            width: 480, height: 300)
        expectGolden(chart.png, named: "thai-marks.png")
    }

    @Test func loss() throws {
        let steps = (5..<300).map(Double.init)
        let train = steps.map { 0.3 + 2 * exp(-$0 / 60) + 0.05 * sin($0 / 3) }
        let chart = try plotLoss(
            trainSteps: steps, trainLosses: train, validSteps: [100, 200, 300],
            validLosses: [0.9, 0.55, 0.42],
            epochEnds: [100, 200])
        expectGolden(chart.png, named: "plot-loss.png")
    }

    @Test func sched() throws {
        let n = 200
        let pct = 0.25
        func cosine(_ a: Double, _ b: Double, _ p: Double) -> Double {
            a + (1 + cos(.pi * (1 - p))) * (b - a) / 2
        }
        var lrs: [Double] = []
        var moms: [Double] = []
        for i in 0..<n {
            let pos = Double(i) / Double(n)
            if pos < pct {
                lrs.append(cosine(1e-3 / 25, 1e-3, pos / pct))
                moms.append(cosine(0.95, 0.85, pos / pct))
            } else {
                lrs.append(cosine(1e-3, 1e-8, (pos - pct) / (1 - pct)))
                moms.append(cosine(0.85, 0.95, (pos - pct) / (1 - pct)))
            }
        }
        let chart = try plotSched(lrs: lrs, moms: moms)
        #expect(chart.width == 900)
        expectGolden(chart.png, named: "plot-sched.png")
    }

    @Test func metricThreshold() throws {
        let thresholds = (0..<29).map { 0.05 + Double($0) * (0.9 / 28) }
        let values = thresholds.map { 0.96 - 0.3 * ($0 - 0.2) * ($0 - 0.2) - 0.02 * $0 }
        let chart = try plotMetricThreshold(thresholds: thresholds, values: values)
        expectGolden(chart.png, named: "metric-threshold.png")
    }

    @Test func scatterWithLabels() throws {
        let titles = [
            "Misérables, Les (1995)", "Señorita", "Café au Lait", "Titanic (1997)", "Star Wars (1977)",
            "Fargo (1996)", "Scream (1996)", "Contact (1997)", "Liar Liar (1997)", "Air Force One (1997)",
            "English Patient, The (1996)", "Toy Story (1995)", "Return of the Jedi (1983)",
            "Godfather, The (1972)",
        ]
        let x = titles.indices.map { sin(Double($0) * 1.7) * 2 }
        let y = titles.indices.map { cos(Double($0) * 2.3) * 1.5 + Double($0) * 0.05 }
        let chart = try scatterChart(
            [Series(x: x, y: y, pointLabels: titles)], title: "Movie factors (PCA)", xLabel: "PC 1",
            yLabel: "PC 2")
        expectGolden(chart.png, named: "scatter-labels.png")
    }

    @Test func scatterSeries() throws {
        let a = Series(
            name: "class A", x: (0..<30).map { Double($0) / 10 }, y: (0..<30).map { sin(Double($0)) })
        let b = Series(
            name: "class B", x: (0..<30).map { Double($0) / 10 + 0.05 },
            y: (0..<30).map { cos(Double($0)) + 2 },
            marker: .triangle)
        let c = Series(
            name: "class C", x: (0..<30).map { Double($0) / 12 }, y: (0..<30).map { Double($0) / 10 - 1.5 },
            marker: .square)
        expectGolden(try scatterChart([a, b, c], xLabel: "x", yLabel: "y").png, named: "scatter-series.png")
    }

    @Test func verticalBars() throws {
        let chart = try barChart(
            labels: ["cat", "dog", "bird", "fish", "horse"], values: [0.82, 0.91, 0.64, 0.45, 0.73],
            title: "accuracy per class", valueLabel: "accuracy", showsValues: true)
        expectGolden(chart.png, named: "bars-vertical.png")
    }

    @Test func horizontalBars() throws {
        let titles = [
            "Shawshank Redemption, The (1994)", "Misérables, Les (1995)", "Señorita Extraviada (2001)",
            "Café au Lait (Métisse) (1993)", "Star Wars (1977)", "Schindler's List (1993)",
            "Very Long Title That Goes On And On Without Stopping (1999)", "Casablanca (1942)",
        ]
        let biases = [0.61, 0.55, 0.48, 0.41, -0.12, 0.37, -0.35, 0.33]
        let chart = try barChart(
            labels: titles, values: biases, horizontal: true, title: "Movie biases", valueLabel: "bias",
            showsValues: true, height: 360)
        expectGolden(chart.png, named: "bars-horizontal.png")
    }

    @Test func confusionMatrix() throws {
        let classes = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
        let matrix = classes.indices.map { row in
            classes.indices.map { column in row == column ? 90 + row * 3 : (row * 7 + column * 3) % 5 }
        }
        let chart = try plotConfusionMatrix(matrix, classes: classes)
        expectGolden(chart.png, named: "confusion-matrix.png")
        let names = try plotConfusionMatrix(
            [[50, 3, 1], [4, 61, 0], [2, 8, 35]], classes: ["T-shirt/top", "Trouser", "Pullover"],
            normalize: true)
        expectGolden(names.png, named: "confusion-matrix-normalized.png")
    }

    @Test func heatmapGeneric() throws {
        let values = (0..<4).map { r in (0..<6).map { c in Double(r * 6 + c) / 3 - 2 } }
        let chart = try heatmap(
            values, xTicks: ["a", "b", "c", "d", "e", "f"], yTicks: ["แถว 1", "แถว 2", "แถว 3", "แถว 4"],
            title: "heatmap", xLabel: "คอลัมน์", yLabel: "แถว", width: 520, height: 400)
        expectGolden(chart.png, named: "heatmap.png")
    }

    @Test func showBatchGrid() throws {
        let images = (0..<9).map(Fixtures.ring)
        let labels = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight"]
        expectGolden(try showBatch(images: images, labels: labels).png, named: "show-batch.png")
    }

    @Test func showResultsGrid() throws {
        let images = (0..<6).map(Fixtures.gradient)
        let targets = ["cat", "dog", "cat", "dog", "แมว", "dog"]
        let predictions = ["cat", "cat", "cat", "dog", "สุนัข", "dog"]
        expectGolden(
            try showResults(images: images, targets: targets, predictions: predictions).png,
            named: "show-results.png")
    }

    @Test func topLosses() throws {
        let images = (0..<6).map(Fixtures.ring)
        let chart = try plotTopLosses(
            images: images, predicted: ["3", "8", "5", "1", "7", "9"],
            actual: ["8", "3", "6", "7", "1", "4"],
            losses: [4.51, 3.98, 3.2, 2.75, 2.1, 1.88], probabilities: [0.97, 0.91, 0.88, 0.84, 0.8, 0.62])
        expectGolden(chart.png, named: "top-losses.png")
    }

    @Test func resultsPoints() throws {
        let images = (0..<4).map(Fixtures.gradient)
        let targets = (0..<4).map { [Point(x: 10 + Double($0) * 5, y: 12)] }
        let predictions = (0..<4).map { [Point(x: 13 + Double($0) * 4, y: 15 - Double($0))] }
        expectGolden(
            try showResultsPoints(images: images, targets: targets, predictions: predictions).png,
            named: "show-results-points.png")
        let single = try imageWithPoints(
            Fixtures.ring(3),
            pointSets: [
                PointSet(name: "Target", points: [Point(x: 14, y: 14)], color: Color(hex: 0x2CA02C)),
                PointSet(name: "Prediction", points: [Point(x: 16, y: 12)], color: .red, marker: .cross),
            ], title: "centre")
        expectGolden(single.png, named: "image-with-points.png")
    }

    @Test func linesWithMarksAndLogY() throws {
        let x = (1...50).map(Double.init)
        let chart = try lineChart(
            [
                Series(name: "SGD", x: x, y: x.map { 10 * exp(-$0 / 10) + 0.01 }),
                Series(name: "Adam", x: x, y: x.map { 5 * exp(-$0 / 5) + 0.005 }, dash: [6, 3]),
                Series(
                    name: "samples", x: [10, 20, 30, 40], y: [1, 0.2, 0.05, 0.02], lineWidth: 1,
                    marker: .diamond),
            ], title: "loss (log scale)", xLabel: "epoch", yLabel: "loss", yScale: .log,
            marks: [PointMark(x: 25, y: 0.09, label: "plateau", inLegend: false)])
        expectGolden(chart.png, named: "lines-log-y.png")
    }

    @Test func imageGridTitles() throws {
        let images = (0..<5).map(Fixtures.gradient)
        let chart = try imageGrid(
            images, titles: ["ภาพที่ 1", "ภาพที่ 2", "a rather long title that wraps", "Señorita", "Café"],
            titleColors: [.green, .red, .text, .green, .red], columns: 3, suptitle: "image grid")
        expectGolden(chart.png, named: "image-grid.png")
    }
}
