import LessonSource
import Localization

/// The report's own words, in English and Thai.
struct ReportStrings: Sendable {
    var contents = ""
    var passed = ""
    var failed = ""
    var skipped = ""
    var shown = ""
    var failedAsExpected = ""
    var unexpectedlyPassed = ""
    var notRun = ""
    var codeHidden = ""
    var norun = ""
    var cached = ""
    var seed = ""
    var hint = ""
    var exercise = ""
    var notDone = ""
    var points = ""
    var hiddenChecks = ""
    var hiddenCheck = ""
    var parameters = ""
    var defaultValue = ""
    var language = ""
    var error = ""
    var expectedError = ""
    var skippedBecause = ""
    var noResult = ""
    var unexpectedlyPassedMessage = ""
    var source = ""
    var timeout = ""
    var failedCells = ""
    var generatedBy = ""
    var lessons = ""
    var allLessons = ""
    var lesson = ""
    var telemetryTitle = ""
    var checkPassed = ""
    var checkFailed = ""
    var languageName = ""
    var row = ""
    var rows = ""
    var column = ""
    var columns = ""

    /// The strings for the language tagged `lang` (``LessonSource/LessonLanguage``: Thai for `th` and
    /// `th-TH`, else English).
    static func forLanguage(_ lang: String) -> ReportStrings {
        ReportStrings(LessonLanguage(tag: lang)?.words ?? .en)
    }

    /// The phrases behind every field, in English and Thai: Khru's one table of the report's words.
    static func phrases() -> [(field: WritableKeyPath<ReportStrings, String>, phrase: Phrase)] {
        [
            (\.contents, Phrase("Contents", th: "สารบัญ")),
            (\.passed, Phrase("passed", th: "ผ่าน")),
            (\.failed, Phrase("failed", th: "ไม่ผ่าน")),
            (\.skipped, Phrase("skipped", th: "ข้ามไป")),
            (\.shown, Phrase("shown", th: "แสดงเท่านั้น")),
            (\.failedAsExpected, Phrase("failed as expected", th: "ล้มเหลวตามคาด")),
            (\.unexpectedlyPassed, Phrase("should have failed", th: "ควรล้มเหลวแต่ผ่าน")),
            (\.notRun, Phrase("not run", th: "ไม่ได้รัน")),
            (\.codeHidden, Phrase("code hidden", th: "ซ่อนโค้ด")),
            (\.norun, Phrase("not run", th: "ไม่รัน")),
            (\.cached, Phrase("cached", th: "จากแคช")),
            (\.seed, Phrase("Seed", th: "ซีด")),
            (\.hint, Phrase("Hint", th: "คำใบ้")),
            (\.exercise, Phrase("Exercise", th: "แบบฝึกหัด")),
            (\.notDone, Phrase("not done yet", th: "ยังไม่ได้ทำ")),
            (\.points, Phrase("points", th: "คะแนน")),
            (\.hiddenChecks, Phrase("hidden checks passed", th: "การตรวจที่ซ่อนไว้ผ่าน")),
            (\.hiddenCheck, Phrase("hidden check", th: "การตรวจที่ซ่อนไว้")),
            (\.parameters, Phrase("Parameters", th: "พารามิเตอร์")),
            (\.defaultValue, Phrase("default", th: "ค่าเริ่มต้น")),
            (\.language, Phrase("Language", th: "ภาษา")),
            (\.error, Phrase("Error", th: "ข้อผิดพลาด")),
            (\.expectedError, Phrase("Expected error", th: "ข้อผิดพลาดที่คาดไว้")),
            (\.skippedBecause, Phrase("Skipped", th: "ข้ามไป")),
            (
                \.noResult,
                Phrase(
                    "This cell has no result: the run stopped before it.",
                    th: "เซลล์นี้ไม่มีผลลัพธ์ เพราะการรันหยุดก่อนถึงเซลล์นี้")
            ),
            (
                \.unexpectedlyPassedMessage,
                Phrase(
                    "This cell is marked .error, so it must fail, but it ran without an error.",
                    th: "เซลล์นี้ติดป้าย .error จึงต้องล้มเหลว แต่กลับรันผ่านโดยไม่มีข้อผิดพลาด")
            ),
            (\.source, Phrase("source", th: "ซอร์สโค้ด")),
            (\.timeout, Phrase("timeout", th: "จำกัดเวลา")),
            (\.failedCells, Phrase("Needs attention:", th: "ต้องแก้ไข:")),
            (\.generatedBy, Phrase("Made with Khru", th: "สร้างด้วย Khru")),
            (\.lessons, Phrase("Lessons", th: "บทเรียน")),
            (\.allLessons, Phrase("All lessons", th: "บทเรียนทั้งหมด")),
            (\.lesson, Phrase("Lesson", th: "บทเรียน")),
            (\.telemetryTitle, Phrase("wall time · peak memory", th: "เวลาที่ใช้ · หน่วยความจำสูงสุด")),
            (\.checkPassed, Phrase("check passed", th: "ตรวจสอบผ่าน")),
            (\.checkFailed, Phrase("check failed", th: "ตรวจสอบไม่ผ่าน")),
            (\.languageName, Phrase("English", th: "ภาษาไทย")),
            (\.row, Phrase("row", th: "แถว")), (\.rows, Phrase("rows", th: "แถว")),
            (\.column, Phrase("column", th: "คอลัมน์")), (\.columns, Phrase("columns", th: "คอลัมน์")),
        ]
    }

    /// Every phrase the report writes, for tests that look for Khru's English on a Thai page.
    public static var allPhrases: [Phrase] { phrases().map(\.phrase) }

    /// The strings in `language`.
    init(_ language: Language) {
        for (field, phrase) in Self.phrases() { self[keyPath: field] = phrase.text(in: language) }
    }

    /// "3 rows × 5 columns" under a data frame, in the report's language.
    func tableShape(rows: Int, columns: Int) -> String {
        "\(rows) \(rows == 1 ? row : self.rows) × \(columns) \(columns == 1 ? column : self.columns)"
    }

    /// The status word shown on a cell.
    func word(for status: CellStatus) -> String {
        switch status {
        case .passed: return passed
        case .failed: return failed
        case .failedAsExpected: return failedAsExpected
        case .unexpectedlyPassed: return unexpectedlyPassed
        case .skipped: return skipped
        case .shown: return shown
        case .notDone: return notDone
        }
    }
}

/// The words a report writes around a lesson's own content, in every language.
public enum ReportWords {
    /// Every phrase of the report's table of words.
    public static var allPhrases: [Phrase] {
        ReportStrings.allPhrases + [waitsForExercise, needsUndefined, notRerunAfter] + processPhrases
    }

    /// What the runner says when a cell's process dies or a cell runs out of time.
    public static var processPhrases: [Phrase] {
        [
            processKilled, processCrashed, processExited, processStopped, processEndedIn, processEnded,
            processCannotStart, cellTimedOut, limitOfLesson, limitOfRun,
        ]
    }

    /// A worker killed by SIGKILL (`%@`: the signal's name, then where and the runtime's message, if known).
    public static let processKilled = Phrase(
        "the lesson's process was killed (%@) while this cell ran, most likely by the system's out-of-memory "
            + "killer: the cell needs more memory than the machine has%@",
        th: "โปรเซสของบทเรียนถูกหยุด (%@) ระหว่างที่ cell นี้รัน น่าจะโดยตัวจัดการหน่วยความจำเต็ม "
            + "(out-of-memory killer) ของระบบ: cell นี้ใช้หน่วยความจำมากกว่าที่เครื่องมี%@")

    /// A worker that crashed (`%@`: the signal and its description in parentheses, if known, then where and
    /// the runtime's message).
    public static let processCrashed = Phrase(
        "the lesson's process crashed in this cell%@", th: "โปรเซสของบทเรียนล่มใน cell นี้%@")

    /// A worker that exited early (`%@`: the status, then where and the runtime's message).
    public static let processExited = Phrase(
        "the lesson's process exited with status %@ while this cell ran%@",
        th: "โปรเซสของบทเรียนจบด้วยสถานะ %@ ระหว่างที่ cell นี้รัน%@")

    /// A worker stopped at a cell's time limit (`%@`: the seconds and the limit's explanation).
    public static let processStopped = Phrase(
        "cell timed out after %@ s (%@); it did not stop where the runner checks the time, so the lesson's "
            + "process was stopped",
        th: "cell ใช้เวลาเกิน %@ วินาที (%@) และไม่หยุดตรงจุดที่ตัวรันตรวจเวลา จึงต้องหยุดโปรเซสของบทเรียน")

    /// Why a cell after a dead worker's cell is skipped (`%@`: that cell).
    public static let processEndedIn = Phrase(
        "the lesson's process ended in cell '%@'; this cell never ran",
        th: "โปรเซสของบทเรียนจบลงใน cell '%@' cell นี้จึงไม่ได้รัน")

    /// Why a cell is skipped when the worker died outside any cell.
    public static let processEnded = Phrase(
        "the lesson's process ended; this cell never ran", th: "โปรเซสของบทเรียนจบลง cell นี้จึงไม่ได้รัน")

    /// The worker could not be started (`%@`: the system's reason).
    public static let processCannotStart = Phrase(
        "cannot start the lesson's process: %@", th: "เริ่มโปรเซสของบทเรียนไม่ได้: %@")

    /// A cell that ran past its limit (`%@`: the seconds and the limit's explanation).
    public static let cellTimedOut = Phrase(
        "cell timed out after %@ s (%@)", th: "cell ใช้เวลาเกิน %@ วินาที (%@)")

    /// A limit set by the lesson's front matter (`%@`: the seconds).
    public static let limitOfLesson = Phrase("the lesson's timeout: %@", th: "timeout ของบทเรียน: %@")

    /// The run's default limit (`%@`: the seconds).
    public static let limitOfRun = Phrase(
        "the run's limit %@ s; set timeout= on the cell, timeout: in the front matter or --timeout",
        th: "ขีดจำกัดของการรัน %@ วินาที ตั้งได้ด้วย timeout= ที่ cell, timeout: ใน front matter หรือ --timeout")

    /// Why a cell is skipped when an earlier cell failed to define a name it needs.
    public static let needsUndefined = Phrase(
        "needs '%@', which cell '%@' did not define", th: "ต้องใช้ '%@' ซึ่ง cell '%@' ไม่ได้สร้างไว้")

    /// Why a cell after `--cell ID` is skipped without `--downstream`.
    public static let notRerunAfter = Phrase(
        "not rerun after '%@' (khru run --cell %@ --downstream)",
        th: "ไม่ได้รันใหม่หลัง '%@' (khru run --cell %@ --downstream)")

    /// `phrase` in `language` with each `%@` replaced by the next of `values`.
    public static func fill(_ phrase: Phrase, _ values: String..., in language: Language) -> String {
        var parts = phrase.text(in: language).components(separatedBy: "%@")
        var out = parts.removeFirst()
        for (value, part) in zip(values, parts) { out += value + part }
        return out
    }

    /// Why a cell is skipped when it needs a name an exercise has not written yet: "needs 'NAME', which
    /// exercise 'ID' has not done yet" (the two `%@` are the name and the exercise).
    public static let waitsForExercise = Phrase(
        "needs '%@', which exercise '%@' has not done yet", th: "ต้องใช้ '%@' ซึ่งแบบฝึกหัด '%@' ยังไม่ได้ทำ")

    /// ``waitsForExercise`` in `language` for `name` and `exercise`.
    public static func waitsForExercise(_ name: String, _ exercise: String, in language: Language) -> String {
        fill(waitsForExercise, name, exercise, in: language)
    }

    /// Whether `reason` is ``waitsForExercise`` in any language.
    public static func isWaitingForExercise(_ reason: String) -> Bool {
        Language.allCases.contains { language in
            let parts = waitsForExercise.text(in: language).components(separatedBy: "%@")
            return parts.count == 3 && reason.hasPrefix(parts[0]) && reason.contains(parts[1])
                && reason.hasSuffix(parts[2])
        }
    }
}
