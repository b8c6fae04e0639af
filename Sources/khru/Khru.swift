import ArgumentParser
import LessonRunner

/// The `khru` command: runs, tests and checks Markdown lessons of deep learning in Swift.
@main
struct Khru: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "khru",
        abstract: "Run, test and check Markdown lessons of deep learning written in Swift.",
        discussion: """
            A lesson is a Markdown file whose ```swift {…} cells drive Khru's training library. \
            khru runs every cell and writes a self-contained HTML report under output/.
            """,
        version: KhruVersion.current,
        subcommands: [])
}
