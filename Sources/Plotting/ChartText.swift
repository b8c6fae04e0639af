/// A language a chart's default text is written in.
///
/// To add a language: a case here and its column in ``ChartTerm/text(in:)`` (the compiler lists every
/// term the new language still needs).
public enum ChartLanguage: String, CaseIterable, Sendable, Hashable, Codable {
    /// English, the language of ``Chart/png``.
    case en
    /// Thai.
    case th
}

/// A piece of text the library puts on a chart by default, by the part of the chart it labels.
///
/// Named by role, not by wording, because a language may word two roles differently that English words
/// alike (the lr finder's `Loss` axis and the learning curve's `loss` axis).
public enum ChartTerm: Sendable, Hashable, CaseIterable {
    /// The learning curve's title.
    case learningCurveTitle
    /// The learning curve's x axis (training batches).
    case learningCurveSteps
    /// The learning curve's y axis.
    case learningCurveLoss
    /// The legend entry of the training loss.
    case trainLegend
    /// The legend entry of the validation loss.
    case validLegend
    /// The lr finder's x axis.
    case lrFinderLearningRate
    /// The lr finder's y axis.
    case lrFinderLoss
    /// The schedule plot's learning-rate panel.
    case scheduleLearningRate
    /// The schedule plot's momentum panel.
    case scheduleMomentum
    /// The schedule plot's x axis (training batches).
    case scheduleBatch
    /// The threshold curve's x axis.
    case thresholdAxis
    /// The legend word before the threshold curve's best point (`best: 0.95 @ 0.20`).
    case thresholdBest
    /// The confusion matrix's title.
    case confusionMatrixTitle
    /// The confusion matrix's x axis (the predicted class).
    case confusionMatrixPredicted
    /// The confusion matrix's y axis (the actual class).
    case confusionMatrixActual
    /// The top-losses grid's title: what each picture's caption holds.
    case topLossesTitle
    /// The legend entry of the true key points.
    case pointsTarget
    /// The legend entry of the predicted key points.
    case pointsPrediction

    /// The term in `language`.
    public func text(in language: ChartLanguage) -> String {
        switch language {
        case .en: english
        case .th: thai
        }
    }

    /// fastai's words where fastai draws the same chart.
    private var english: String {
        switch self {
        case .learningCurveTitle: "learning curve"
        case .learningCurveSteps: "steps"
        case .learningCurveLoss: "loss"
        case .trainLegend: "train"
        case .validLegend: "valid"
        case .lrFinderLearningRate: "Learning Rate"
        case .lrFinderLoss: "Loss"
        case .scheduleLearningRate: "lr"
        case .scheduleMomentum: "mom"
        case .scheduleBatch: "batch"
        case .thresholdAxis: "threshold"
        case .thresholdBest: "best"
        case .confusionMatrixTitle: "Confusion matrix"
        case .confusionMatrixPredicted: "Predicted"
        case .confusionMatrixActual: "Actual"
        case .topLossesTitle: "Prediction/Actual/Loss/Probability"
        case .pointsTarget: "Target"
        case .pointsPrediction: "Prediction"
        }
    }

    /// Thai as the Thai lessons write it: English technical terms where Thai practitioners keep them
    /// (loss, batch, threshold, learning rate), Thai for the rest.
    private var thai: String {
        switch self {
        case .learningCurveTitle: "ค่า loss ระหว่างการเทรน"
        case .learningCurveSteps: "จำนวน batch ที่เทรนไปแล้ว"
        case .learningCurveLoss: "ค่า loss"
        case .trainLegend: "ชุด train"
        case .validLegend: "ชุด valid"
        case .lrFinderLearningRate: "learning rate (สเกล log)"
        case .lrFinderLoss: "ค่า loss"
        case .scheduleLearningRate: "learning rate"
        case .scheduleMomentum: "momentum"
        case .scheduleBatch: "batch ที่"
        case .thresholdAxis: "ค่า threshold"
        case .thresholdBest: "ดีที่สุด"
        case .confusionMatrixTitle: "Confusion matrix (ตารางทายถูกทายผิด)"
        case .confusionMatrixPredicted: "คลาสที่โมเดลทาย"
        case .confusionMatrixActual: "คลาสจริง"
        case .topLossesTitle: "ที่ทาย/คำตอบจริง/loss/ความน่าจะเป็น"
        case .pointsTarget: "ตำแหน่งจริง"
        case .pointsPrediction: "ตำแหน่งที่โมเดลทาย"
        }
    }
}

/// Text on a chart: one of the library's default terms, drawn in each language, or the caller's own
/// words, drawn as given in every language.
///
/// A string literal is the caller's own words, so `xLabel: "epochs"` reads as before; the defaults are
/// terms, so a chart drawn with them has a picture per language (``Chart/translations``).
public struct ChartText: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    private enum Source: Sendable, Hashable {
        case words(String)
        case term(ChartTerm)
    }

    private let source: Source

    /// The caller's own words, the same in every language.
    public init(_ words: String) { source = .words(words) }

    /// The library's default text for `term`, in each language.
    public init(_ term: ChartTerm) { source = .term(term) }

    /// The library's default text for `term`, in each language (`xLabel: .term(.thresholdAxis)`).
    public static func term(_ term: ChartTerm) -> ChartText { ChartText(term) }

    /// The caller's own words, the same in every language.
    public init(stringLiteral value: String) { source = .words(value) }

    /// The text to draw in `language`.
    public func text(in language: ChartLanguage) -> String {
        switch source {
        case .words(let words): words
        case .term(let term): term.text(in: language)
        }
    }

    /// Whether the text differs by language (it is a library term).
    public var isTranslated: Bool {
        if case .term = source { return true }
        return false
    }

    /// The English text.
    public var description: String { text(in: .en) }
}

extension Chart {
    /// Draws a chart once in English and, when any of `texts` is translated, once more in every other
    /// language, keeping those pictures as ``translations``.
    ///
    /// - Parameters:
    ///   - texts: The chart's texts; the chart is drawn per language only if one of them is a term.
    ///   - draw: Draws the chart with its texts in the given language.
    /// - Returns: The English chart, with the other languages' drawings as its translations.
    /// - Throws: Whatever `draw` throws.
    static func drawnPerLanguage(
        _ texts: [ChartText?], draw: (ChartLanguage) throws(PlottingError) -> Chart
    ) throws(PlottingError) -> Chart {
        var chart = try draw(.en)
        guard texts.contains(where: { $0?.isTranslated == true }) else { return chart }
        for language in ChartLanguage.allCases where language != .en {
            chart.translations[language] = try draw(language)
        }
        return chart
    }
}
