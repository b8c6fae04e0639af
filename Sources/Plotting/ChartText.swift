import Localization

/// A language a chart's text is drawn in: Khru's one notion of language (``Localization/Language``).
public typealias ChartLanguage = Language

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
    /// The legend entry of a sample's key points (`showBatch`, `showItem`).
    case pointsLegend

    /// The term in `language`.
    public func text(in language: ChartLanguage) -> String { phrase.text(in: language) }

    /// The term in every language: fastai's words in English where fastai draws the same chart; Thai as
    /// the Thai lessons write it, English technical terms where Thai practitioners keep them (loss,
    /// batch, threshold, learning rate).
    public var phrase: Phrase {
        switch self {
        case .learningCurveTitle: Phrase("learning curve", th: "ค่า loss ระหว่างการเทรน")
        case .learningCurveSteps: Phrase("steps", th: "จำนวน batch ที่เทรนไปแล้ว")
        case .learningCurveLoss: Phrase("loss", th: "ค่า loss")
        case .trainLegend: Phrase("train", th: "ชุด train")
        case .validLegend: Phrase("valid", th: "ชุด valid")
        case .lrFinderLearningRate: Phrase("Learning Rate", th: "learning rate (สเกล log)")
        case .lrFinderLoss: Phrase("Loss", th: "ค่า loss")
        case .scheduleLearningRate: Phrase("lr", th: "learning rate")
        case .scheduleMomentum: Phrase("mom", th: "momentum")
        case .scheduleBatch: Phrase("batch", th: "batch ที่")
        case .thresholdAxis: Phrase("threshold", th: "ค่า threshold")
        case .thresholdBest: Phrase("best", th: "ดีที่สุด")
        case .confusionMatrixTitle: Phrase("Confusion matrix", th: "Confusion matrix (ตารางทายถูกทายผิด)")
        case .confusionMatrixPredicted: Phrase("Predicted", th: "คลาสที่โมเดลทาย")
        case .confusionMatrixActual: Phrase("Actual", th: "คลาสจริง")
        case .topLossesTitle:
            Phrase("Prediction/Actual/Loss/Probability", th: "ที่ทาย/คำตอบจริง/loss/ความน่าจะเป็น")
        case .pointsTarget: Phrase("Target", th: "ตำแหน่งจริง")
        case .pointsPrediction: Phrase("Prediction", th: "ตำแหน่งที่โมเดลทาย")
        case .pointsLegend: Phrase("point", th: "ตำแหน่ง")
        }
    }
}

/// Text on a chart: one of the library's default terms, drawn in each language; the caller's words in
/// each language (``L(_:th:)``); or the caller's own words, drawn as given in every language.
///
/// A string literal is the caller's own words, so `xLabel: "epochs"` reads as before; the defaults are
/// terms, so a chart drawn with them has a picture per language (``Chart/translations``), and so does a
/// chart given `title: L("Seconds per epoch", th: "วินาทีต่อ epoch")`.
public struct ChartText: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    private enum Source: Sendable, Hashable {
        case words(String)
        case term(ChartTerm)
        case phrase(Phrase)
    }

    private let source: Source

    /// The caller's own words, the same in every language.
    public init(_ words: String) { source = .words(words) }

    /// The library's default text for `term`, in each language.
    public init(_ term: ChartTerm) { source = .term(term) }

    /// The library's default text for `term`, in each language (`xLabel: .term(.thresholdAxis)`).
    public static func term(_ term: ChartTerm) -> ChartText { ChartText(term) }

    /// The caller's words in every language.
    public init(_ phrase: Phrase) { source = .phrase(phrase) }

    /// The caller's own words, the same in every language.
    public init(stringLiteral value: String) { source = .words(value) }

    /// The caller's own words, interpolated, the same in every language.
    public init(stringInterpolation: DefaultStringInterpolation) {
        source = .words(String(stringInterpolation: stringInterpolation))
    }

    /// The text to draw in `language`.
    public func text(in language: ChartLanguage) -> String {
        switch source {
        case .words(let words): words
        case .term(let term): term.text(in: language)
        case .phrase(let phrase): phrase.text(in: language)
        }
    }

    /// Whether the text differs by language (a library term, or the caller's words in each language).
    public var isTranslated: Bool {
        if case .words = source { return false }
        return true
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
    public static func drawnPerLanguage(
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

/// A chart label in English and Thai: the report shows its lesson's language, as it does for the
/// library's own chart terms (`title: L("Seconds per epoch", th: "วินาทีต่อ epoch")`).
///
/// - Parameters:
///   - english: The words in English.
///   - th: The words in Thai.
/// - Returns: The text, drawn per language.
// swift-format-ignore: AlwaysUseLowerCamelCase
public func L(_ english: String, th: String) -> ChartText {
    ChartText(Phrase(english, th: th))
}
