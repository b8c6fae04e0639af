/// A protocol a library type conforms to, seen from cells as a supertype (`TransformBlock`,
/// `ItemTransform`, …): one tag per protocol, so one ``Existential`` converts them all.
protocol ExistentialTag {
    /// The existential type, `any TransformBlock`.
    associatedtype Existential
    /// The supertype's name in cells.
    static var name: String { get }
}

/// A value of any library type conforming to `Tag`'s protocol, where a step takes one.
struct Existential<Tag: ExistentialTag>: CellValue {
    let value: Tag.Existential
    static var cellType: CellType { .named(Tag.name) }
    static func from(_ value: Value) throws -> Self {
        if case .object(let object) = value, let payload = object.payload as? Tag.Existential {
            return Self(value: payload)
        }
        throw ConversionError(expected: cellType, actual: value.cellType)
    }
    var cellValue: Value {
        .object(LibraryObject(type: .named(String(describing: Swift.type(of: value))), payload: value))
    }
}
