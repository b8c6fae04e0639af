import LessonSource

/// Where a parameter's value comes from once a call's labels are matched.
enum ArgumentSlot {
    /// The argument at this index.
    case argument(Int)
    /// The parameter's default.
    case defaulted
    /// The arguments at these indices, collected into an array.
    case variadic([Int])
}

/// Why a call's arguments do not fit a step's parameters.
struct MatchFailure: Error {
    var message: String
    var location: LessonSource.SourceLocation
    /// How many arguments matched before the failure: the best overload to blame matched the most.
    var progress: Int
}

/// Matches a call's arguments to parameters by Swift's rules: in order, labels exact, defaulted
/// parameters may be left out, a trailing closure fills the next function-typed parameter.
func matchArguments(
    _ arguments: [Argument], to parameters: [StepParameter], callee: String,
    at location: LessonSource.SourceLocation
) -> Result<[ArgumentSlot], MatchFailure> {
    var slots: [ArgumentSlot] = []
    var index = 0
    let labels = parameters.compactMap(\.label)
    func unknownLabel(_ argument: Argument) -> MatchFailure? {
        guard let label = argument.label, !labels.contains(label) else { return nil }
        if labels.isEmpty {
            return MatchFailure(
                message: "extraneous argument label '\(label):' in call to '\(callee)'",
                location: argument.location,
                progress: index)
        }
        return MatchFailure(
            message: "'\(callee)' has no argument '\(label)'\(didYouMean(label, among: labels))",
            location: argument.location, progress: index)
    }
    for parameter in parameters {
        if parameter.isVariadic {
            var collected: [Int] = []
            while index < arguments.count,
                arguments[index].label == (collected.isEmpty ? parameter.label : nil)
            {
                collected.append(index)
                index += 1
            }
            slots.append(.variadic(collected))
            continue
        }
        if index < arguments.count {
            let argument = arguments[index]
            let isFunction: Bool
            if case .function = parameter.type { isFunction = true } else { isFunction = false }
            if argument.label == parameter.label
                || (argument.isTrailingClosure && argument.label == nil && isFunction)
            {
                slots.append(.argument(index))
                index += 1
                continue
            }
        }
        if parameter.defaultText != nil {
            slots.append(.defaulted)
            continue
        }
        guard index < arguments.count else {
            return .failure(
                MatchFailure(
                    message:
                        "missing argument for parameter '\(parameter.displayName)' in call to '\(callee)'",
                    location: location, progress: index))
        }
        let argument = arguments[index]
        if let failure = unknownLabel(argument) { return .failure(failure) }
        let later = parameters.drop { $0.name != parameter.name || $0.label != parameter.label }.dropFirst()
        if argument.label != nil, later.contains(where: { $0.label == argument.label }) {
            return .failure(
                MatchFailure(
                    message:
                        "missing argument for parameter '\(parameter.displayName)' in call to '\(callee)'",
                    location: location, progress: index))
        }
        let message: String
        switch (argument.label, parameter.label) {
        case (nil, let expected?): message = "missing argument label '\(expected):' in call to '\(callee)'"
        case (let have?, nil): message = "extraneous argument label '\(have):' in call to '\(callee)'"
        case (let have?, let expected?):
            message =
                "incorrect argument label in call to '\(callee)' (have '\(have):', expected '\(expected):')"
        case (nil, nil): message = "unexpected argument in call to '\(callee)'"
        }
        return .failure(MatchFailure(message: message, location: argument.location, progress: index))
    }
    if index < arguments.count {
        let argument = arguments[index]
        if let failure = unknownLabel(argument) { return .failure(failure) }
        let name = argument.label.map { "'\($0)' " } ?? ""
        let message =
            argument.label.map { label in
                "argument '\(label)' is out of order in call to '\(callee)'; the order is "
                    + parameters.map { "\($0.label ?? "_"):" }.joined()
            } ?? "extra argument \(name)in call to '\(callee)'"
        return .failure(MatchFailure(message: message, location: argument.location, progress: index))
    }
    return .success(slots)
}

/// The closest of `candidates` to `name`, if it is close enough to be a likely typo (`fit-wdd` →
/// `fit-wd`), for the command line's suggestions.
public func likelyMeant(_ name: String, among candidates: [String]) -> String? {
    closest(to: name, among: candidates)
}

/// `"; did you mean 'x'?"` for the closest of `candidates` to `name`, or `""`.
func didYouMean(_ name: String, among candidates: [String]) -> String {
    closest(to: name, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
}

/// The candidate closest to `name` by edit distance (or sharing a prefix), if close enough to suggest.
func closest(to name: String, among candidates: [String]) -> String? {
    let lowered = name.lowercased()
    var best: (String, Int, Int)?
    for candidate in Set(candidates).sorted() where candidate != name {
        let other = candidate.lowercased()
        let edits = editDistance(lowered, other)
        var distance = edits
        // Short names are easily "close" to unrelated ones (`dls` → `abs`, `nope` → `more`): one edit.
        let limit = name.count <= 4 ? 1 : max(2, name.count / 3)
        let sharesPrefix =
            min(lowered.count, other.count) >= 2 && (other.hasPrefix(lowered) || lowered.hasPrefix(other))
        if sharesPrefix {
            distance = min(distance, 1)
        } else if distance > limit || distance >= max(lowered.count, other.count) {
            // Too far, or nothing in common (`x` is not a typo of `L`).
            continue
        }
        // A shared prefix counts as one edit; among equals, the fewest real edits wins (`fit-wdd` →
        // `fit-wd`, not `fit`).
        if best.map({ (distance, edits) < ($0.1, $0.2) }) ?? true { best = (candidate, distance, edits) }
    }
    return best?.0
}

/// Levenshtein distance over characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(
                previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
