/// One attribute a cell's fence can carry (`.hidden`, `timeout=60`): how it is spelled and read, and
/// whether it changes what the cell computes or only how the report shows it.
///
/// ``CellAttributes/table`` lists every attribute once. The parser, the lesson dump, the en/th pair
/// check, the cache key and the prose-only re-render all iterate it, so a new attribute is a stored
/// property of ``CellAttributes`` and one entry of the table.
public struct CellAttributeSpec: Sendable {
    /// How the attribute is written.
    public enum Form: Sendable, Hashable {
        /// `.name`, on or off.
        case flag
        /// `name=1.5`.
        case number
        /// `name="text"` (quotes optional without spaces).
        case text
    }

    /// The name without its `.` or `=` (`hidden`, `timeout`).
    public let name: String
    /// How it is written.
    public let form: Form
    /// Whether it changes what the cell computes, and so the cache key (`.norun`, `timeout=`), rather
    /// than only the report (`.hidden`).
    public let changesResult: Bool
    /// The attribute's value in `attributes`, as text (`""` for a flag that is on); `nil` when absent.
    let value: @Sendable (CellAttributes) -> String?
    /// Sets the attribute from the text written (`""` for a flag); returns the problem when the text is
    /// not a valid value.
    let read: @Sendable (inout CellAttributes, String) -> String?

    /// `.hidden` or `timeout=`.
    public var spelling: String { form == .flag ? "." + name : name + "=" }

    /// The attribute's value in `attributes` as text (`""` for a flag that is on), or `nil` when absent.
    public func value(in attributes: CellAttributes) -> String? { value(attributes) }

    static func flag(
        _ name: String, changesResult: Bool, _ path: WritableKeyPath<CellAttributes, Bool> & Sendable
    ) -> CellAttributeSpec {
        CellAttributeSpec(
            name: name, form: .flag, changesResult: changesResult, value: { $0[keyPath: path] ? "" : nil },
            read: { attributes, _ in
                attributes[keyPath: path] = true
                return nil
            })
    }

    static func text(
        _ name: String, changesResult: Bool, _ path: WritableKeyPath<CellAttributes, String?> & Sendable
    ) -> CellAttributeSpec {
        CellAttributeSpec(
            name: name, form: .text, changesResult: changesResult, value: { $0[keyPath: path] },
            read: { attributes, text in
                attributes[keyPath: path] = text
                return nil
            })
    }
}

extension CellAttributes {
    /// Every attribute a cell can carry besides its `#id`, in the order the dump and the cache key list
    /// them.
    public static let table: [CellAttributeSpec] = [
        .flag("hidden", changesResult: false, \.hidden),
        .flag("norun", changesResult: true, \.norun),
        .flag("error", changesResult: true, \.expectsError),
        CellAttributeSpec(
            name: "timeout", form: .number, changesResult: true,
            value: { $0.timeout.map { String($0) } },
            read: { attributes, text in
                guard let seconds = Double(text), seconds.isFinite, seconds > 0 else {
                    return "timeout must be a positive number of seconds, not '\(text)'"
                }
                attributes.timeout = seconds
                return nil
            }),
        .text("include", changesResult: true, \.include),
        .text("symbol", changesResult: true, \.symbol),
        .flag("exercise", changesResult: false, \.exercise),
        .flag("hidden-check", changesResult: false, \.hiddenCheck),
        .text("for", changesResult: false, \.grades),
        CellAttributeSpec(
            name: "points", form: .number, changesResult: false,
            value: { $0.points.map { String($0) } },
            read: { attributes, text in
                guard let points = Double(text), points.isFinite, points >= 0 else {
                    return "points must be a number of points, 0 or more, not '\(text)'"
                }
                attributes.points = points
                return nil
            }),
    ]

    /// The attribute spelled `name` in `form` (a flag, or a key with a value).
    static func spec(named name: String, flag: Bool) -> CellAttributeSpec? {
        table.first { $0.name == name && ($0.form == .flag) == flag }
    }

    /// The attributes that differ between `self` and `other`, in table order.
    public func differences(from other: CellAttributes) -> [CellAttributeSpec] {
        Self.table.filter { $0.value(self) != $0.value(other) }
    }

    /// The attributes that change what the cell computes, written out (`norun=- error=on timeout=60.0`),
    /// for a cache key.
    public var resultKey: String {
        Self.table.filter(\.changesResult).map { spec in
            let value = spec.value(self)
            return "\(spec.name)=\(spec.form == .flag ? (value == nil ? "off" : "on") : value ?? "-")"
        }.joined(separator: " ")
    }
}
