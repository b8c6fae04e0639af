import LessonSource

/// The report's own words, in English and Thai.
struct ReportStrings: Sendable {
    var contents: String
    var passed: String
    var failed: String
    var skipped: String
    var shown: String
    var failedAsExpected: String
    var unexpectedlyPassed: String
    var notRun: String
    var codeHidden: String
    var norun: String
    var cached: String
    var seed: String
    var language: String
    var error: String
    var expectedError: String
    var skippedBecause: String
    var noResult: String
    var unexpectedlyPassedMessage: String
    var source: String
    var timeout: String
    var failedCells: String
    var generatedBy: String
    var lessons: String
    var allLessons: String
    var lesson: String
    var telemetryTitle: String
    var checkPassed: String
    var checkFailed: String
    var languageName: String

    /// The strings for the language tagged `lang` (``LessonSource/LessonLanguage``: Thai for `th` and
    /// `th-TH`, else English).
    static func forLanguage(_ lang: String) -> ReportStrings {
        switch LessonLanguage(tag: lang)?.words ?? .en {
        case .en: english
        case .th: thai
        }
    }

    static let english = ReportStrings(
        contents: "Contents", passed: "passed", failed: "failed", skipped: "skipped", shown: "shown",
        failedAsExpected: "failed as expected", unexpectedlyPassed: "should have failed", notRun: "not run",
        codeHidden: "code hidden", norun: "not run", cached: "cached", seed: "Seed", language: "Language",
        error: "Error", expectedError: "Expected error", skippedBecause: "Skipped",
        noResult: "This cell has no result: the run stopped before it.",
        unexpectedlyPassedMessage:
            "This cell is marked .error, so it must fail, but it ran without an error.",
        source: "source", timeout: "timeout", failedCells: "Needs attention:", generatedBy: "Made with Khru",
        lessons: "Lessons", allLessons: "All lessons", lesson: "Lesson",
        telemetryTitle: "wall time · peak memory",
        checkPassed: "check passed", checkFailed: "check failed", languageName: "English")

    static let thai = ReportStrings(
        contents: "สารบัญ", passed: "ผ่าน", failed: "ไม่ผ่าน", skipped: "ข้ามไป", shown: "แสดงเท่านั้น",
        failedAsExpected: "ล้มเหลวตามคาด", unexpectedlyPassed: "ควรล้มเหลวแต่ผ่าน", notRun: "ไม่ได้รัน",
        codeHidden: "ซ่อนโค้ด", norun: "ไม่รัน", cached: "จากแคช", seed: "ซีด", language: "ภาษา",
        error: "ข้อผิดพลาด", expectedError: "ข้อผิดพลาดที่คาดไว้", skippedBecause: "ข้ามไป",
        noResult: "เซลล์นี้ไม่มีผลลัพธ์ เพราะการรันหยุดก่อนถึงเซลล์นี้",
        unexpectedlyPassedMessage: "เซลล์นี้ติดป้าย .error จึงต้องล้มเหลว แต่กลับรันผ่านโดยไม่มีข้อผิดพลาด",
        source: "ซอร์สโค้ด", timeout: "จำกัดเวลา", failedCells: "ต้องแก้ไข:", generatedBy: "สร้างด้วย Khru",
        lessons: "บทเรียน", allLessons: "บทเรียนทั้งหมด", lesson: "บทเรียน",
        telemetryTitle: "เวลาที่ใช้ · หน่วยความจำสูงสุด",
        checkPassed: "ตรวจสอบผ่าน", checkFailed: "ตรวจสอบไม่ผ่าน", languageName: "ภาษาไทย")

    /// The status word shown on a cell.
    func word(for status: CellStatus) -> String {
        switch status {
        case .passed: return passed
        case .failed: return failed
        case .failedAsExpected: return failedAsExpected
        case .unexpectedlyPassed: return unexpectedlyPassed
        case .skipped: return skipped
        case .shown: return shown
        }
    }
}
