import LessonSource
import Localization
import Plotting
import Reporting

/// Every phrase Khru itself writes into a report or a picture, from its tables of words: the report's
/// (``Reporting/ReportWords``), the charts' terms (``Plotting/ChartTerm``) and the runner's own.
///
/// A test renders the Thai reports and looks for these phrases' English there.
public enum KhruPhrases {
    /// The runner's own words: captions of the pictures its steps emit.
    static let lrFindCaption = Phrase("lr_find", th: "ผลของ lr_find")

    /// All of them.
    public static var all: [Phrase] {
        ReportWords.allPhrases + ChartTerm.allCases.map(\.phrase) + [lrFindCaption, Exercises.yourCode]
    }
}
