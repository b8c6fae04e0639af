import LessonRunner
import Reporting

// A tiny library for the runner's tests: real Swift API that the sample lesson calls through the
// toy registry and that Generated/SampleLesson.swift compiles against.

/// A class: every binding of it shares one instance.
final class Counter: LibraryValue {
    var count: Int
    var step = 1

    init(start: Int = 0) { count = start }

    @discardableResult
    func increment(by amount: Int? = nil) -> Int {
        count += amount ?? step
        return count
    }

    /// Emits a table (through the step context in the binding).
    func report() {}
}

/// A struct: copied with the value; `scale` is settable on a `var`.
struct Vec: LibraryValue, Equatable, CustomStringConvertible {
    var values: [Double]
    var scale = 1.0

    init(_ values: [Double]) { self.values = values }

    var total: Double { values.reduce(0, +) * scale }
    func scaled(by factor: Double) -> Vec { Vec(values.map { $0 * factor * scale }) }
    var description: String { "Vec(\(values.map(\.description).joined(separator: ", ")))" }
}

/// A path with `/`.
struct Path: LibraryValue, Equatable, CustomStringConvertible {
    var text: String
    init(_ text: String) { self.text = text }
    static func / (lhs: Path, rhs: String) -> Path { Path(lhs.text + "/" + rhs) }
    var description: String { text }
}

/// An architecture chosen by implicit member (`.small`, `.custom(width: 5)`).
struct Arch: LibraryValue, Equatable {
    var width: Int
    static let small = Arch(width: 8)
    static func custom(width: Int) -> Arch { Arch(width: width) }
}

/// A model built from an architecture.
struct Model: LibraryValue {
    var arch: Arch
    var depth: Int
    init(arch: Arch, depth: Int = 2) {
        self.arch = arch
        self.depth = depth
    }
    var parameters: Int { arch.width * arch.width * depth }
}

/// A CSV-like row with a subscript.
struct Row: LibraryValue {
    var fname: String
    var labels: String
    subscript(_ key: String) -> String { key == "fname" ? fname : labels }
}

/// A value that displays as a table.
struct ToyTable: LibraryValue, CellDisplayable {
    var cellOutput: CellOutput {
        .table(
            Table(
                kind: "frame", columns: ["name", "value"], rows: [["a", "1"], ["b", "2"]], caption: "2 rows"))
    }
}

/// A value that displays as a PNG (a valid 1×1 grey PNG).
struct ToyImage: LibraryValue, CellDisplayable {
    static let png: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x7E, 0x9B,
        0x55, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x68, 0x00, 0x00, 0x00,
        0x82, 0x00, 0x81, 0x77, 0xCD, 0x72, 0xB6, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
        0x42, 0x60, 0x82,
    ]
    var cellOutput: CellOutput { .image(PNGImage(bytes: Self.png, width: 1, height: 1, alt: "a grey pixel")) }
}

func showTable() -> ToyTable { ToyTable() }
func plot() -> ToyImage { ToyImage() }

/// Calls a closure on every value (a closure-taking library function).
func apply(_ values: [Double], _ transform: (Double) throws -> Double) rethrows -> [Double] {
    try values.map(transform)
}

/// Maps rows to paths with a `getX`-style closure.
func mapRows(_ rows: [Row], getX: (Row) throws -> Path) rethrows -> [Path] { try rows.map(getX) }

/// A pair of suggestions.
func suggestions() -> (Double, Double) { (1e-3, 3e-2) }

/// Always throws.
struct Explosion: Error, CustomStringConvertible {
    var reason: String
    var description: String { "exploded: \(reason)" }
}

func explode(_ reason: String) throws { throw Explosion(reason: reason) }

/// An async step.
func load(_ name: String) async throws -> String { "loaded \(name)" }

extension Registry {
    /// The toy library bound one declaration per API.
    static func toys() -> Registry {
        var registry = Registry()
        registry.bindBasics()
        registry.type(Counter.self, doc: "A counter shared by reference.")
        registry.type(Vec.self, doc: "A vector of numbers (a struct).")
        registry.type(Path.self, doc: "A file path.")
        registry.type(Arch.self, doc: "An architecture.")
        registry.type(Model.self, doc: "A model.")
        registry.type(Row.self, doc: "A table row.")
        registry.bind("Counter(start: Int = 0)", doc: "A counter.") { (start: Int) in Counter(start: start) }
        registry.bind("Counter.increment(by amount: Int? = nil)", doc: "Adds amount (default: step).") {
            (counter: Counter, amount: Int?) in counter.increment(by: amount)
        }
        registry.property("Counter.count: Int", doc: "The count.") { (counter: Counter) in counter.count }
        registry.property("Counter.step: Int", doc: "The default increment.", get: { (c: Counter) in c.step })
        {
            (counter: inout Counter, step: Int) in counter.step = step
        }
        registry.bind("Counter.report()", doc: "Shows the count as text and a table.") {
            (context: StepContext, counter: Counter) in
            counter.report()
            context.print("count = \(counter.count)")
            context.emit(.table(Table(columns: ["count"], rows: [["\(counter.count)"]])))
        }
        registry.bind("Vec(_ values: [Double])", doc: "A vector.") { (values: [Double]) in Vec(values) }
        registry.property("Vec.total: Double", doc: "The scaled sum.") { (v: Vec) in v.total }
        registry.property("Vec.values: [Double]", doc: "The values.") { (v: Vec) in v.values }
        registry.property("Vec.scale: Double", doc: "The scale.", get: { (v: Vec) in v.scale }) {
            (v: inout Vec, scale: Double) in v.scale = scale
        }
        registry.bind("Vec.scaled(by factor: Double)", doc: "A scaled copy.") { (v: Vec, f: Double) in
            v.scaled(by: f)
        }
        registry.bind("Path(_ text: String)", doc: "A path.") { (text: String) in Path(text) }
        registry.bind("/(_ lhs: Path, _ rhs: String)", doc: "Appends a component.") { (p: Path, s: String) in
            p / s
        }
        registry.constant("Arch.small: Arch", doc: "An 8-wide architecture.") { Arch.small }
        registry.bind("static Arch.custom(width: Int)", doc: "An architecture of a given width.") {
            (w: Int) in
            Arch.custom(width: w)
        }
        registry.property("Arch.width: Int", doc: "The width.") { (a: Arch) in a.width }
        registry.bind("Model(arch: Arch, depth: Int = 2)", doc: "A model.") { (a: Arch, d: Int) in
            Model(arch: a, depth: d)
        }
        registry.property("Model.parameters: Int", doc: "The parameter count.") { (m: Model) in m.parameters }
        registry.bind("Row(fname: String, labels: String)", doc: "A row.") { (f: String, l: String) in
            Row(fname: f, labels: l)
        }
        registry.bind("Row.subscript(_ key: String)", doc: "A column's value.") { (r: Row, k: String) in r[k]
        }
        registry.bind("showTable()", doc: "A table.") { () in showTable() }
        registry.bind("plot()", doc: "A picture.") { () in plot() }
        registry.bind("apply(_ values: [Double], _ transform: (Double) -> Double)", doc: "Maps values.") {
            (values: [Double], f: CellFunction<Double, Double>) in try apply(values) { try f($0) }
        }
        registry.bind("mapRows(_ rows: [Row], getX: (Row) -> Path)", doc: "Maps rows to paths.") {
            (rows: [Row], getX: CellFunction<Row, Path>) in try mapRows(rows) { try getX($0) }
        }
        registry.bind("suggestions()", doc: "Two learning rates.") { () in
            let (a, b) = suggestions()
            return CellTuple(a, b)
        }
        registry.bind("explode(_ reason: String)", doc: "Throws.") { (reason: String) in try explode(reason) }
        registry.bind("load(_ name: String)", doc: "Loads (async in Swift).") { (name: String) in
            "loaded \(name)"
        }
        return registry
    }
}
