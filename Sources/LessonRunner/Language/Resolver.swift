import LessonSource

/// A function's labels, types and lowered defaults, so calls to it match labels as Swift does.
struct FunctionSignature {
    var parameters: [StepParameter]
    /// The lowered default of each parameter that has one.
    var defaults: [Node?]
}

/// What the resolver knows of a name of the namespace or of a frame.
struct NameInfo {
    var type: CellType
    var isMutable: Bool
    /// The cell that bound it (globals only).
    var cellID: String = ""
    /// For a cell's `func`: its labels and defaults.
    var signature: FunctionSignature?
    /// The cell that should have defined the name but failed; later cells using it are skipped.
    var unavailableBecause: String?
    /// The name is a type a cell declared (its members are in the registry).
    var isType = false
    /// For a cell's top-level `func`: the first name of the cells it reads (`nil` when it reads none, so
    /// a type's members may call it, as Swift lets a local type call a local function that captures
    /// nothing).
    var captures: String?
    /// For a cell's top-level `func` that captures nothing: its plan, which a type's members call as
    /// the function was when the type was declared.
    var plan: ClosurePlan?
}

/// Lowered step defaults, shared by every resolver of a run (each default is lowered once).
final class DefaultCache {
    var nodes: [String: Node] = [:]
}

/// Turns lowered cells into ``CellPlan``s: the one place where names are looked up, overloads chosen,
/// defaults lowered, operators typed, and every diagnostic of the cell language is written.
///
/// Values of type `Any` (a closure parameter nothing typed, a step returning `Any`) cannot be resolved
/// ahead of time; the plan then holds a ``Node/dynamic(_:)`` node, and the interpreter calls this same
/// resolver with the values' actual types when it gets there.
struct Resolver {
    struct FunctionContext {
        var declaredResult: CellType?
        var inferredResult: CellType?
        var isClosure: Bool
    }

    /// The library's steps, and the types cells declared so far with their members.
    var registry: Registry
    /// The types whose member bodies are being resolved, innermost last.
    var typeContexts: [TypeContext] = []
    /// The namespace as the cells resolved so far leave it.
    var globals: [String: NameInfo]
    var scopes: [[String: NameInfo]] = []
    var functions: [FunctionContext] = []
    var loopDepth = 0
    /// How many `switch` bodies enclose the statement (a `break` there leaves the switch).
    var switchDepth = 0
    /// Where a function was passed as a value of fewer parameters than it has, its others defaulted
    /// (`getItems: getImageFiles`): the labels of the parameters it keeps, so the compiled twin can write
    /// the closure Swift needs (`{ try getImageFiles($0) }`).
    var adaptedFunctions: [SourceLocation: [String?]] = [:]
    /// The cells' names a top-level function's body reads, while it is resolved (see
    /// ``NameInfo/captures``).
    var capturedGlobals: [String]?
    /// Set while resolving the value of `let (a, b, …) = call(…)`: the number of names, so the call's
    /// overload returning a tuple of that many values is preferred.
    var destructuring: Int?
    var cellID = ""
    var inputs: Set<String> = []
    /// Names declared without a value (`let n: Int`) and not yet assigned: "constant" or "variable".
    var uninitialized: [String: String] = [:]
    let defaults: DefaultCache
    /// Resolving at run time: never defer again.
    let isDynamic: Bool
    /// Every problem found so far.
    private(set) var diagnostics: [LessonSource.Diagnostic] = []
    var trial: [LessonSource.Diagnostic]?
    /// The cell that first declares each top-level name of the lesson, so a name used before its
    /// cell gets a message that says where it comes from (see ``noteDeclarations(in:)``).
    var declaringCells: [String: String] = [:]

    init(registry: Registry, globals: [String: NameInfo] = [:], defaults: DefaultCache = DefaultCache()) {
        self.registry = registry
        self.globals = globals
        self.defaults = defaults
        self.isDynamic = false
    }

    private init(
        registry: Registry, globals: [String: NameInfo], locals: [String: NameInfo], defaults: DefaultCache
    ) {
        self.registry = registry
        self.globals = globals
        self.defaults = defaults
        self.isDynamic = true
        self.scopes = [locals]
    }

    // MARK: - Cells

    /// Records which cell of a lesson first declares each top-level name, so that using a name before
    /// the cell that declares it says so rather than only that it is not found.
    mutating func noteDeclarations(in cells: [Cell]) {
        for cell in cells where cell.attributes.runs && cell.attributes.include == nil {
            for name in Lowering.lower(cell).declaredNames where declaringCells[name] == nil {
                declaringCells[name] = cell.id
            }
        }
    }

    /// Resolves one cell after the cells before it.
    ///
    /// A cell with problems binds its names as unavailable, so the cells that need them are skipped
    /// rather than run on a stale or missing value.
    mutating func resolve(_ cell: Cell) -> CellPlan {
        guard cell.attributes.runs else { return CellPlan() }
        let lowered = Lowering.lower(cell)
        cellID = cell.id
        inputs = []
        scopes = []
        functions = []
        loopDepth = 0
        switchDepth = 0
        let before = diagnostics.count
        diagnostics += lowered.diagnostics
        // A statement that did not lower has been reported: its names are unavailable, not unknown, so
        // the cell's later uses of them add no second error.
        for name in lowered.failedNames {
            var info = NameInfo(type: .any, isMutable: true)
            info.cellID = cell.id
            info.unavailableBecause = cell.id
            globals[name] = info
        }
        var declaredHere: Set<String> = []
        let statements = lowered.statements.compactMap {
            resolve($0, topLevel: true, declaredHere: &declaredHere)
        }
        let found = Array(diagnostics[before...])
        if !found.isEmpty {
            // Names keep the type they were resolved with (so later mistakes are still found) but are
            // unavailable: the cells that read them are skipped, never run on a stale or missing value.
            for name in lowered.declaredNames {
                var info =
                    globals[name].flatMap { $0.cellID == cell.id ? $0 : nil }
                    ?? NameInfo(type: .any, isMutable: true)
                info.cellID = cell.id
                info.unavailableBecause = cell.id
                globals[name] = info
            }
        }
        if cell.attributes.expectsError { diagnostics.removeSubrange(before...) }
        return CellPlan(
            statements: statements, diagnostics: found, declaredNames: lowered.declaredNames,
            inputs: inputs.sorted())
    }

    /// Resolves a deferred expression with the actual types of its operands and of the names in scope.
    static func resolveDynamic(
        _ plan: DynamicPlan, operandTypes: [CellType], locals: [String: NameInfo],
        globals: [String: NameInfo],
        registry: Registry, defaults: DefaultCache
    ) -> Result<Node, CellFailure> {
        var scope = locals
        for (index, type) in operandTypes.enumerated() {
            scope[DynamicPlan.operandName(index)] = NameInfo(type: type, isMutable: false)
        }
        var resolver = Resolver(registry: registry, globals: globals, locals: scope, defaults: defaults)
        let typed = resolver.resolve(plan.template, expected: plan.expected)
        if let first = resolver.diagnostics.first { return .failure(CellFailure(first)) }
        return .success(typed.node)
    }

    mutating func report(_ message: String, at location: LessonSource.SourceLocation) {
        let diagnostic = LessonSource.Diagnostic(.error, message, at: location)
        if trial != nil {
            trial?.append(diagnostic)
        } else {
            diagnostics.append(diagnostic)
        }
    }

    // MARK: - Names

    enum Found {
        case local(NameInfo)
        case global(NameInfo)
    }

    func lookup(_ name: String) -> Found? {
        for scope in scopes.reversed() {
            if let info = scope[name] { return .local(info) }
        }
        return globals[name].map(Found.global)
    }

    /// A node reading a name of a frame or of the namespace, recording reads from earlier cells.
    mutating func read(_ name: String, _ found: Found, at location: SourceLocation) -> Typed {
        if let kind = uninitialized[name] {
            report("\(kind) '\(name)' used before being initialized", at: location)
            uninitialized[name] = nil
        }
        switch found {
        case .local(let info): return Typed(.local(name), info.type)
        case .global(let info):
            if info.cellID != cellID || info.unavailableBecause != nil { inputs.insert(name) }
            if !info.isType && (info.signature == nil || info.captures != nil) {
                capturedGlobals?.append(name)
            }
            if let context = typeContexts.last, !info.isType {
                // A function whose cell failed has been reported there.
                if info.signature != nil, info.unavailableBecause != nil {
                    return Typed(.unavailable(name, location), info.type)
                }
                if info.signature != nil, info.captures == nil, info.unavailableBecause == nil,
                    let plan = info.plan
                {
                    // A function of the cells that reads none of their names: Swift lets a local type
                    // call it, so a member may, as it was when the type was declared.
                    return Typed(.closure(plan), info.type)
                }
                if info.signature != nil, let captured = info.captures {
                    report(
                        "'\(name)' reads the cells' '\(captured)', so a member of '\(context.type.name)' cannot "
                            + "call it (a type does not capture the cells' names in Swift): pass '\(captured)' "
                            + "to '\(name)' as a parameter",
                        at: location)
                    return Typed(.unavailable(name, location), info.type)
                }
                report(
                    "'\(name)' belongs to the lesson's cells; a member of '\(context.type.name)' cannot use it "
                        + "(a type does not capture the cells' names in Swift): pass it as a parameter",
                    at: location)
                return Typed(.unavailable(name, location), info.type)
            }
            if info.unavailableBecause != nil { return Typed(.unavailable(name, location), info.type) }
            return Typed(.global(name, location), info.type)
        }
    }

    mutating func declare(
        _ name: String, _ info: NameInfo, at location: SourceLocation, declaredHere: inout Set<String>
    ) -> Storage {
        if scopes.isEmpty {
            if declaredHere.contains(name) {
                report("invalid redeclaration of '\(name)' in the same cell", at: location)
            }
            declaredHere.insert(name)
            var info = info
            info.cellID = cellID
            globals[name] = info
            return .global
        }
        if scopes[scopes.count - 1][name] != nil {
            report("invalid redeclaration of '\(name)'", at: location)
        }
        scopes[scopes.count - 1][name] = info
        return .local
    }

    var allNames: [String] {
        scopes.flatMap(\.keys) + Array(globals.keys) + registry.globalNames
    }

    func notFoundMessage(_ name: String) -> String {
        if let cell = declaringCells[name], cell != cellID, globals[name] == nil {
            return Message.notInScope(name) + "; it is declared later, in cell '\(cell)'"
        }
        return Message.notInScope(name) + didYouMean(name, among: allNames)
    }

    /// A member of a type whose declaring cell failed (`struct Counter` with a `mutating` method): that
    /// cell reported the cause once, so the member is unavailable, and the cell using it is skipped as
    /// needing the type, rather than told the type has no such member.
    mutating func memberOfFailedType(_ type: CellType, at location: SourceLocation) -> Typed? {
        guard case .named(let name) = type.unwrapped, let info = globals[name],
            info.unavailableBecause != nil,
            !registry.isDeclaredType(name)
        else { return nil }
        inputs.insert(name)
        return Typed(.unavailable(name, location), .any)
    }

    func noMemberMessage(_ name: String, _ type: CellType) -> String {
        var members = registry.memberNames(of: type)
        if Self.isSequence(type) { members += CollectionMethod.allCases.map(\.swiftName) }
        return "value of type '\(type)' has no member '\(name)'" + didYouMean(name, among: members)
    }

}
