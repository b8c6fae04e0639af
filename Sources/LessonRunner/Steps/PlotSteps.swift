import Plotting
import Training

extension Registry {
    /// Binds the plots a lesson draws directly.
    public mutating func bindPlots() {
        bind(
            "plotFunction(_ f: (Double) -> Double, min: Double = -2, max: Double = 2, title: String? = nil, "
                + "xLabel: String = \"x\", yLabel: String = \"y\")",
            doc: "Draws a function of one number over min...max (fastbook's plot_function)."
        ) {
            (
                f: CellFunction<Double, Double>, min: Double, max: Double, title: String?, xLabel: String,
                yLabel: String
            ) in
            return try Training.plotFunction(
                { try f($0) }, min: min, max: max, title: title, xLabel: xLabel, yLabel: yLabel)
        }
    }
}
