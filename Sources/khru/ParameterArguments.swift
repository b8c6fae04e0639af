import ArgumentParser
import LessonRunner
import LessonSource

/// `-p NAME=VALUE` (repeatable): this run's values of the lessons' parameters (front matter `params:`).
struct ParameterArguments: ParsableArguments {
    @Option(
        name: [.customShort("p"), .customLong("param")],
        help: ArgumentHelp(
            "Set a lesson parameter for this run (repeatable), e.g. -p data=pets -p epochs=1; the value must "
                + "have the type of the default in the lesson's 'params:'.", valueName: "name=value"))
    var values: [String] = []

    /// The overrides by name, or a usage error for an argument without `=` or a name given twice.
    func overrides() throws -> [String: String] {
        var result: [String: String] = [:]
        for argument in values {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                throw ValidationError("-p takes name=value, e.g. -p epochs=1, not '\(argument)'")
            }
            let name = String(argument[..<equals])
            guard result[name] == nil else { throw ValidationError("-p \(name) is given twice") }
            result[name] = String(argument[argument.index(after: equals)...])
        }
        return result
    }

    /// Checks every override against the lessons before anything runs: a name that none of them declares,
    /// or a value of the wrong type for one that does, is a usage error.
    func validate(against paths: [String]) throws {
        let overrides = try overrides()
        guard !overrides.isEmpty else { return }
        let lessons = paths.compactMap { parseLesson($0).0 }
        for (name, text) in overrides.sorted(by: { $0.key < $1.key }) {
            let declaring = lessons.filter { $0.frontMatter.params.contains { $0.name == name } }
            guard !declaring.isEmpty else {
                if lessons.count == 1 {
                    do {
                        _ = try lessons[0].settingParameters([name: text])
                    } catch {
                        throw ValidationError(error.message + suggestion(for: name, in: lessons[0]))
                    }
                }
                throw ValidationError("no lesson given declares a parameter '\(name)'")
            }
            for lesson in declaring {
                do {
                    _ = try lesson.settingParameters([name: text])
                } catch {
                    throw ValidationError(error.message)
                }
            }
        }
    }

    /// `lesson` with the overrides it declares applied (the others are for other lessons of the run).
    func apply(to lesson: Lesson) throws -> Lesson {
        let declared = Set(lesson.frontMatter.params.map(\.name))
        let mine = try overrides().filter { declared.contains($0.key) }
        do {
            return try lesson.settingParameters(mine)
        } catch {
            throw ValidationError(error.message)
        }
    }

    private func suggestion(for name: String, in lesson: Lesson) -> String {
        likelyMeant(name, among: lesson.frontMatter.params.map(\.name)).map { " (did you mean '\($0)'?)" }
            ?? ""
    }
}
