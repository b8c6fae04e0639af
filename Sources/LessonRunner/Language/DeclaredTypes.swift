import LessonSource
import TensorCore
import Training

/// A `struct` or `final class` a cell declares: its stored properties, and whether it is a `Layer`.
///
/// Its members are steps of the lesson's ``Registry`` (so calls to them resolve like the library's);
/// the bodies of its methods, initializers and computed properties are plans (``DeclaredMember``).
final class DeclaredType {
    /// A stored property.
    struct Field {
        var name: String
        var type: CellType
        var isMutable: Bool
        /// The value it starts with, if its declaration gives one.
        var defaultValue: Node?
    }

    let name: String
    let isClass: Bool
    /// The class adopts `Module` (`Layer`): its instances are layers of the library.
    let isLayer: Bool
    let cellID: String
    var fields: [Field] = []
    /// The `callAsFunction(_:)` a layer's forward pass runs.
    var forward: DeclaredMember?

    init(name: String, isClass: Bool, isLayer: Bool, cellID: String) {
        self.name = name
        self.isClass = isClass
        self.isLayer = isLayer
        self.cellID = cellID
    }

    var cellType: CellType { .named(name) }

    func fieldIndex(_ name: String) -> Int? { fields.firstIndex { $0.name == name } }
}

/// A member of a declared type that the interpreter runs.
final class DeclaredMember {
    enum Kind {
        /// A stored property (read and written by its step's closures).
        case field(index: Int, isMutable: Bool)
        case method
        case computed
        case initializer
        /// The memberwise initializer of a struct (or `init()` of a class whose properties all have values):
        /// one parameter per property named in `fields`.
        case memberwise(fields: [Int])
    }

    let kind: Kind
    unowned let type: DeclaredType
    /// The body, with `self` as its first parameter (set once the body is resolved).
    var plan: ClosurePlan?

    var isField: Bool {
        if case .field = kind { return true }
        return false
    }

    init(_ kind: Kind, of type: DeclaredType) {
        self.kind = kind
        self.type = type
    }
}

/// An instance of a class a cell declares (shared by reference, as a class instance is).
class DeclaredObject {
    let type: DeclaredType
    var fields: [Value]

    init(type: DeclaredType, fields: [Value]) {
        self.type = type
        self.fields = fields
    }
}

/// An instance of a struct a cell declares (copied with the value, as a struct is).
///
/// It shows itself as Swift prints a struct: `Point(x: 1.0, label: "a")`.
struct DeclaredValue: CellTextConvertible {
    let type: DeclaredType
    var fields: [Value]

    var cellText: String {
        let parts = zip(type.fields, fields).map { "\($0.name): \($1.displayText)" }
        return "\(type.name)(\(parts.joined(separator: ", ")))"
    }
}

/// A model class a cell declares, as a real ``Training/Layer`` of the library: its parameters and
/// sub-layers are found in its stored values (named after its properties), and its forward pass calls
/// back into the interpreter, which runs the cell's `callAsFunction(_:)`.
final class DeclaredLayer: DeclaredObject, Layer, @unchecked Sendable {
    /// Runs the cell's `callAsFunction(_:)` on this layer.
    var body: ((DeclaredLayer, Variable) throws -> Variable)?
    /// Whether the layer is in training mode.
    var isTraining = true
    /// The error of the last forward pass that library code could not let throw.
    private(set) var lastFailure: Error?

    /// The parameters among the stored values.
    var ownParameters: [(name: String, parameter: Parameter)] { members.parameters }
    /// The layers among the stored values.
    var children: [(name: String, layer: any Layer)] { members.layers }

    private var members: LayerReflection.Members {
        var members = LayerReflection.Members()
        func add(_ value: Value, _ name: String) {
            switch value {
            case .object(let object): members.add(object.payload, named: name)
            case .array(let elements):
                for (index, element) in elements.enumerated() { add(element, "\(name).\(index)") }
            default: break
            }
        }
        for (field, value) in zip(type.fields, fields) { add(value, field.name) }
        return members
    }

    /// The cell's forward pass; its errors are located in the cell.
    func forward(_ x: Variable) throws -> Variable {
        guard let body else { throw StepError("the lesson that declared '\(type.name)' has ended") }
        return LayerTrace.record(self, x, try body(self, x))
    }

    /// The cell's name for the type (`DotProductBias`), as summaries show it.
    var typeName: String { type.name }

    /// The forward pass where library code cannot throw: on failure the input comes back unchanged and
    /// the error is kept in ``lastFailure`` (the ``Learner`` calls ``forward(_:)``, which throws).
    func callAsFunction(_ x: Variable) -> Variable {
        do {
            return try forward(x)
        } catch {
            lastFailure = error
            return x
        }
    }
}

extension Value {
    /// The fields of an instance of a declared type, and the type.
    var declaredInstance: (type: DeclaredType, fields: [Value])? {
        guard case .object(let object) = self else { return nil }
        if let instance = object.payload as? DeclaredObject { return (instance.type, instance.fields) }
        if let instance = object.payload as? DeclaredValue { return (instance.type, instance.fields) }
        return nil
    }
}
