/// The cell language's diagnostics that both resolution (statically) and the interpreter (for values
/// whose type only a run knows, `Any`) can raise — written once, here.
enum Message {
    static func cannotDestructure(_ type: CellType, into count: Int) -> String {
        "cannot destructure a value of type \(type) into \(count) names"
    }

    /// A `Module` a cell declares without a forward pass (fastbook's `class T(Module)` that only holds
    /// parameters), called or trained; the compiled twin's `forward(_:)` throws the same words.
    static func noForward(_ type: String) -> String {
        "'\(type)' has no forward: declare 'func callAsFunction(_ x: Variable) -> Variable' (or fastai's "
            + "'func forward(_ x: Variable) -> Variable') to call it"
    }

    static func notInScope(_ name: String) -> String { "cannot find '\(name)' in scope" }

    static func noTupleElement(_ index: Int) -> String { "tuple has no element .\(index)" }

    static let onlyArrayElementsAssignable =
        "only array and dictionary elements can be assigned through a subscript"

    static func needsBoolOperands(_ op: String, not type: CellType) -> String {
        "'\(op)' needs Bool operands, not \(type)"
    }

    static func expectNeedsBool(not type: CellType) -> String {
        "#expect needs a Bool condition, not \(type)"
    }

    static func argumentCount(_ name: String, takes count: Int, got: Int) -> String {
        "'\(name)' takes \(count) argument\(count == 1 ? "" : "s"), got \(got)"
    }

    static func indexOutOfRange(_ index: Int, count: Int) -> String {
        "index \(index) is out of range for an array of \(count) elements"
    }
}
