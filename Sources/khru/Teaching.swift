import ArgumentParser
import Foundation
import LessonRunner
import LessonSource
import Reporting

extension Khru {
    struct Student: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the student edition of lessons with exercises.",
            discussion: """
                For each lesson, writes <output>/<lang>/<file>.md: every .exercise cell's solution part \
                (between // BEGIN SOLUTION and // END SOLUTION, or the whole cell) becomes // YOUR CODE HERE \
                and a placeholder that keeps the solution's type (let lr: Double = todo()); .hidden-check \
                cells are left out; prose, hints, public checks and the other cells stay. Also writes \
                <output>/index.html. Grade a student's file with khru grade.
                """)

        @OptionGroup var lessons: LessonPaths
        @Option(help: "The folder the student edition is written under.") var output = "student"

        func run() throws {
            let registry = Registry.standard()
            var entries: [IndexEntry] = []
            var failed = false
            for path in try lessons.files() {
                let (lesson, diagnostics) = parseLesson(path)
                for diagnostic in diagnostics where diagnostic.severity == .error {
                    eprint(diagnostic.description)
                }
                guard let lesson else {
                    failed = true
                    continue
                }
                let text: String
                do {
                    text = try StudentEdition.make(
                        lesson, text: String(contentsOfFile: path, encoding: .utf8), registry: registry)
                } catch let diagnostic as Diagnostic {
                    eprint(diagnostic.description)
                    failed = true
                    continue
                }
                let lang = lesson.language.words.rawValue
                let name = (path as NSString).lastPathComponent
                let folder = (output as NSString).appendingPathComponent(lang)
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let target = (folder as NSString).appendingPathComponent(name)
                try Data(text.utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
                let slug = (name as NSString).deletingPathExtension
                var counts = StatusCounts()
                counts.notDone = lesson.exercises.count
                var entry = IndexEntry(
                    lang: lang, slug: slug, title: lesson.frontMatter.title ?? slug, lessonPath: target,
                    counts: counts)
                entry.link = "\(lang)/\(name)"
                entries.append(entry)
                print("\(path) → \(target) (\(lesson.exercises.count) exercises)")
            }
            let index = (output as NSString).appendingPathComponent("index.html")
            try Data(ReportRenderer.index(entries).utf8).write(
                to: URL(fileURLWithPath: index), options: .atomic)
            print("index: \(index)")
            if failed { throw ExitCode.failure }
        }
    }
}

extension Khru {
    struct Grade: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Grade students' lessons against the teacher's key.",
            discussion: """
                Runs each submission with the key's .hidden-check cells put where they stand in the key, and \
                writes under --output <name>.json (points per exercise), <name>.junit.xml, \
                <name>.student.html (the hidden checks as counts only) and <name>.teacher.html (everything). \
                A folder of submissions (submissions/<student>/…md) is graded one file each, into \
                <output>/<student>/, with summary.csv and summary.html; unchanged cells come from the cache \
                under --output. Exits 1 when a submission cannot be read.
                """)

        @Argument(help: "Submitted lesson files, or folders of them (submissions/<student>/lesson.md).")
        var paths: [String]
        @Option(help: "The teacher's lesson, with solutions and hidden checks.") var key: String
        @Option(help: "The folder grades are written under.") var output = "grades"
        @OptionGroup var limits: RunLimits

        /// A key or submission that is not there is a usage mistake, found before anything is graded.
        func validate() throws {
            guard FileManager.default.fileExists(atPath: key) else {
                throw ValidationError("--key \(key): no such file")
            }
            for path in paths where !FileManager.default.fileExists(atPath: path) {
                throw ValidationError("\(path): no such file or folder")
            }
        }

        func run() throws {
            let (parsedKey, keyDiagnostics) = parseLesson(key)
            guard let keyLesson = parsedKey else {
                for diagnostic in keyDiagnostics { eprint(diagnostic.description) }
                throw ExitCode.failure
            }
            var submissions: [(name: String, path: String)] = []
            for path in paths {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                    eprint("error: \(path): no such file or folder")
                    throw ExitCode(64)
                }
                guard isFolder.boolValue else {
                    submissions.append((slug(ofPath: path), path))
                    continue
                }
                let base = path.hasSuffix("/") ? String(path.dropLast()) : path
                for file in try LessonFiles.find([path]) {
                    let relative = file.dropFirst(base.count + 1)
                    let student = relative.split(separator: "/").first.map(String.init) ?? String(relative)
                    submissions.append((relative.contains("/") ? student : slug(ofPath: file), file))
                }
            }
            let keySlug = slug(ofPath: key)
            let manyFiles =
                submissions.count > 1
                || paths.contains { path in
                    var isFolder: ObjCBool = false
                    return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
                        && isFolder.boolValue
                }
            _ = try RunCache(outputDirectory: output, sizeLimit: RunCache.defaultSizeLimit) { eprint($0) }
            let run = limits.lessonRun(
                WorkerRequest(lessonPath: "", output: output, defaultTimeout: limits.timeout),
                writesReport: false)
            var rows: [(name: String, grade: LessonRunner.Grade?)] = []
            var failed = false
            let clock = ContinuousClock()
            let start = clock.now
            for (index, submission) in submissions.enumerated() {
                eprint("[\(index + 1)/\(submissions.count)] \(submission.path)")
                let (parsed, diagnostics) = parseLesson(submission.path)
                guard let student = parsed else {
                    for diagnostic in diagnostics { eprint(diagnostic.description) }
                    print("\(submission.path): cannot be graded (it does not parse)")
                    rows.append((submission.name, nil))
                    failed = true
                    continue
                }
                let (merged, notes) = Grading.merge(student: student, key: keyLesson)
                guard let report = run.run(merged, path: submission.path, events: RunLimits.printing).report
                else {
                    rows.append((submission.name, nil))
                    failed = true
                    continue
                }
                let grade = Grading.grade(report, key: keyLesson, notes: notes)
                let folder = manyFiles ? (output as NSString).appendingPathComponent(submission.name) : output
                try write(grade, report: report, slug: keySlug, under: folder)
                for note in notes { print("  note: \(note)") }
                let statuses = grade.exercises.map { "\($0.id) \($0.status.rawValue)" }.joined(
                    separator: ", ")
                print(
                    "\(submission.path): \(LessonRunner.Grade.number(grade.points))/"
                        + "\(LessonRunner.Grade.number(grade.outOf)) points (\(statuses)) → \(folder)/\(keySlug).json"
                )
                rows.append((submission.name, grade))
            }
            if manyFiles {
                try writeSummary(rows, exercises: keyLesson.exercises.map(\.id), lang: keyLesson.language.tag)
            }
            let elapsed = clock.now - start
            eprint(
                "graded \(submissions.count) in \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))"
            )
            if failed { throw ExitCode.failure }
        }

        private func write(
            _ grade: LessonRunner.Grade, report: LessonReport, slug: String, under folder: String
        )
            throws
        {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            func put(_ name: String, _ data: Data) throws {
                let path = (folder as NSString).appendingPathComponent(name)
                try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            }
            try put("\(slug).json", grade.json())
            try put("\(slug).junit.xml", Data(grade.junit(name: slug).utf8))
            let teacher = ReportRenderer.html(
                report, preface: grade.summaryHTML(lang: report.lang))
            try put("\(slug).teacher.html", Data(teacher.utf8))
            let student = ReportRenderer.html(
                Grading.studentView(of: report), preface: grade.summaryHTML(lang: report.lang)
            )
            try put("\(slug).student.html", Data(student.utf8))
        }

        private func writeSummary(
            _ rows: [(name: String, grade: LessonRunner.Grade?)], exercises: [String], lang: String
        ) throws {
            func csvField(_ text: String) -> String {
                text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                    ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
            }
            var csv =
                (["submission", "points", "outOf"] + exercises.flatMap { [$0, "\($0) status"] })
                .map(csvField).joined(separator: ",") + "\n"
            var html = "<!DOCTYPE html>\n<html lang=\"\(lang)\">\n<head>\n<meta charset=\"utf-8\">\n"
            html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            html +=
                "<title>Khru · grades</title>\n<style>body{font:15px/1.5 system-ui,sans-serif;margin:24px}"
            html +=
                "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 10px;text-align:left}"
            html +=
                ".notDone{color:#2c6e63}.failing{color:#b3261e}.passing{color:#1d7348}</style>\n</head>\n<body>\n"
            html += "<h1>Grades</h1>\n<table>\n<thead><tr><th>submission</th><th>points</th>"
            html += exercises.map { "<th>\(HTMLText.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
            for (name, grade) in rows {
                guard let grade else {
                    csv += csvField(name) + ",,," + exercises.map { _ in ",unreadable" }.joined() + "\n"
                    html +=
                        "<tr><td>\(HTMLText.escape(name))</td><td colspan=\"\(exercises.count + 1)\">cannot be graded</td></tr>\n"
                    continue
                }
                let byID = Dictionary(
                    grade.exercises.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
                csv +=
                    ([name, LessonRunner.Grade.number(grade.points), LessonRunner.Grade.number(grade.outOf)]
                    + exercises.flatMap { id in
                        [
                            byID[id].map { LessonRunner.Grade.number($0.points) } ?? "",
                            byID[id]?.status.rawValue ?? "",
                        ]
                    }).map(csvField).joined(separator: ",") + "\n"
                html += "<tr><td><a href=\"\(HTMLText.escape(name))/\">\(HTMLText.escape(name))</a></td>"
                html +=
                    "<td>\(LessonRunner.Grade.number(grade.points)) / \(LessonRunner.Grade.number(grade.outOf))</td>"
                for id in exercises {
                    let exercise = byID[id]
                    html += "<td class=\"\(exercise?.status.rawValue ?? "")\">"
                    html +=
                        exercise.map { "\(LessonRunner.Grade.number($0.points)) · \($0.status.rawValue)" }
                        ?? ""
                    html += "</td>"
                }
                html += "</tr>\n"
            }
            html += "</tbody>\n</table>\n</body>\n</html>\n"
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            try Data(csv.utf8).write(
                to: URL(fileURLWithPath: (output as NSString).appendingPathComponent("summary.csv")),
                options: .atomic)
            try Data(html.utf8).write(
                to: URL(fileURLWithPath: (output as NSString).appendingPathComponent("summary.html")),
                options: .atomic)
            print("summary: \((output as NSString).appendingPathComponent("summary.csv")), summary.html")
        }
    }
}

/// A lesson file's slug: its name without `.md`.
private func slug(ofPath path: String) -> String {
    ((path as NSString).lastPathComponent as NSString).deletingPathExtension
}
