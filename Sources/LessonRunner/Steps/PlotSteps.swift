import Plotting
import Training

extension Registry {
    /// Binds the plots a lesson draws directly.
    public mutating func bindPlots() {
        type(
            ChartText.self, expressibleByStringLiteral: true,
            doc: "A chart's text: a string literal (the same in every language) or L(english, th:).")
        bind(
            "ChartText(_ words: String)", doc: "The cell's own words on a chart, the same in every language."
        ) {
            (words: String) in ChartText(words)
        }
        bind(
            "func L(_ english: String, th: String) -> ChartText",
            doc: "A chart label in English and Thai; the report shows its lesson's language."
        ) { (english: String, th: String) in L(english, th: th) }
        bind(
            "plotFunction(_ f: (Double) -> Double, min: Double = -2, max: Double = 2, title: ChartText? = nil, "
                + "xLabel: ChartText = \"x\", yLabel: ChartText = \"y\")",
            doc: "Draws a function of one number over min...max (fastbook's plot_function)."
        ) {
            (
                f: CellFunction<Double, Double>, min: Double, max: Double, title: ChartText?,
                xLabel: ChartText, yLabel: ChartText
            ) in
            return try Training.plotFunction(
                { try f($0) }, min: min, max: max, title: title, xLabel: xLabel, yLabel: yLabel)
        }
        bind(
            "barChart(labels: [String], values: [Double], horizontal: Bool = false, title: ChartText? = nil, "
                + "valueLabel: ChartText? = nil, categoryLabel: ChartText? = nil, showsValues: Bool = false, "
                + "valueDigits: Int = 2)",
            doc: "Bars, one per label (a lesson's own measurements)."
        ) {
            (
                labels: [String], values: [Double], horizontal: Bool, title: ChartText?,
                valueLabel: ChartText?, categoryLabel: ChartText?, showsValues: Bool, digits: Int
            ) in
            guard (0...6).contains(digits) else { throw StepError("valueDigits must be 0 to 6") }
            return try barChart(
                labels: labels, values: values, horizontal: horizontal, title: title, valueLabel: valueLabel,
                categoryLabel: categoryLabel, showsValues: showsValues, valueDigits: digits)
        }
        // The x axis says 'threshold' in the lesson's language unless the cell names it: two bindings,
        // since the library's default is a term (drawn per language), which a cell cannot spell.
        bind(
            "plotMetricThreshold(thresholds: [Double], values: [Double], metricName: String = \"accuracy_multi\", "
                + "higherIsBetter: Bool = true, title: String? = nil)",
            doc:
                "A metric against the threshold, with the best point marked (titles in the lesson's language)."
        ) {
            (
                thresholds: [Double], values: [Double], metricName: String, higherIsBetter: Bool,
                title: String?
            )
            in
            try plotMetricThreshold(
                thresholds: thresholds, values: values, metricName: ChartText(metricName),
                higherIsBetter: higherIsBetter, title: title.map { ChartText($0) })
        }
        bind(
            "plotMetricThreshold(thresholds: [Double], values: [Double], metricName: String = \"accuracy_multi\", "
                + "xLabel: String, higherIsBetter: Bool = true, title: String? = nil)",
            doc: "A metric against the threshold, with the best point marked and the cell's own x-axis title."
        ) {
            (
                thresholds: [Double], values: [Double], metricName: String, xLabel: String,
                higherIsBetter: Bool,
                title: String?
            ) in
            try plotMetricThreshold(
                thresholds: thresholds, values: values, metricName: ChartText(metricName),
                xLabel: ChartText(xLabel),
                higherIsBetter: higherIsBetter, title: title.map { ChartText($0) })
        }
    }
}

extension ChartText: LibraryValue {}
