import LessonSource
import Reporting
import TensorCore

/// The names a lesson has bound so far: one namespace per lesson run, cell after cell.
///
/// It is a value: copying it snapshots the lesson's state (a later per-cell cache stores these).
/// Library class instances inside are shared references, as in Swift.
public struct Namespace {
    /// One bound name.
    public struct Binding {
        /// The value.
        public var value: Value
        /// The type the name was declared with (assignments must keep it).
        public var type: CellType
        /// `var` rather than `let`.
        public var isMutable: Bool
        /// The cell that bound it.
        public var cellID: String
        /// For a cell's `func`: its labels and defaults.
        var signature: FunctionSignature?
    }

    /// The bindings by name.
    public var bindings: [String: Binding] = [:]

    /// An empty namespace.
    public init() {}

    /// The value bound to `name`.
    public subscript(name: String) -> Value? { bindings[name]?.value }
}

/// A located failure while a cell runs.
struct CellFailure: Error {
    var diagnostic: LessonSource.Diagnostic
    /// The cell reached a `todo()`: it is not done yet rather than failed.
    var isNotDone = false

    init(_ message: String, at location: LessonSource.SourceLocation) {
        diagnostic = LessonSource.Diagnostic(.error, message, at: location)
    }

    init(_ diagnostic: LessonSource.Diagnostic) {
        self.diagnostic = diagnostic
    }
}

/// The locals of one function call, closure call or block; frames chain to the enclosing one.
final class Frame {
    struct Slot {
        var value: Value
        var type: CellType
        var signature: FunctionSignature?
    }

    var slots: [String: Slot] = [:]
    let parent: Frame?

    init(parent: Frame?) {
        self.parent = parent
    }

    /// The frame (this one or an enclosing one) that holds `name`.
    func holder(of name: String) -> Frame? {
        var frame: Frame? = self
        while let current = frame {
            if current.slots[name] != nil { return current }
            frame = current.parent
        }
        return nil
    }
}

/// How a block ended.
private enum Flow {
    case normal
    case returned(Value)
    case broke
    case continued
}

/// Runs ``CellPlan``s.
///
/// No name lookup, no overload choice and no typing happen here — the plan has them. What is left is
/// what only a run can know: values, bounds, `nil`, and what the library throws.
final class Interpreter {
    let registry: Registry
    var namespace: Namespace
    /// The running cell's context (outputs, seed, deadline); replaced per cell.
    var context: StepContext
    /// When set, wraps every step call: given the step, its argument values and the call itself (the
    /// run cache records file reads and training results through it, and replays training from them).
    var stepHook: ((Step, [Value], () throws -> Value) throws -> Value)?
    private let defaults: DefaultCache
    /// How many calls of the cell's own functions and closures are running, one inside the other.
    private var callDepth = 0
    /// The most calls of cell functions and closures that may nest: deeper recursion is a located
    /// error rather than a stack overflow that takes khru down.
    static let maximumCallDepth = 500

    init(registry: Registry, namespace: Namespace = Namespace(), context: StepContext, defaults: DefaultCache)
    {
        self.registry = registry
        self.namespace = namespace
        self.context = context
        self.defaults = defaults
    }

    /// Runs a cell's plan; returns the value of its last statement when that is a shown expression.
    func run(_ plan: CellPlan) throws -> Value? {
        var displayed: Value?
        for (index, statement) in plan.statements.enumerated() {
            displayed = nil
            if case .expression(let node, let discarded, let location) = statement {
                try checkDeadline(at: location)
                let value = try evaluate(node, nil)
                if !discarded && index == plan.statements.count - 1 { displayed = value }
                continue
            }
            switch try execute(statement, nil) {
            case .normal: break
            case .returned, .broke, .continued: return nil
            }
        }
        return displayed
    }

    // MARK: - Statements

    private func execute(_ statements: [PlanStatement], _ frame: Frame?) throws -> Flow {
        for statement in statements {
            let flow = try execute(statement, frame)
            if case .normal = flow { continue }
            return flow
        }
        return .normal
    }

    private func execute(_ statement: PlanStatement, _ frame: Frame?) throws -> Flow {
        if let location = statement.location { try checkDeadline(at: location) }
        switch statement {
        case .bind(let pattern, let node, _, let location):
            var signature: FunctionSignature?
            if case .closure(let plan) = node { signature = plan.signature }
            try bind(pattern, try evaluate(node, frame), frame, signature: signature, at: location)
        case .assign(let target, let node, _):
            try assign(target, try evaluate(node, frame), frame)
        case .expression(let node, _, _):
            _ = try evaluate(node, frame)
        case .ifElse(let conditions, let then, let otherwise):
            let scope = Frame(parent: frame)
            if try holds(conditions, scope) { return try execute(then, Frame(parent: scope)) }
            if let otherwise { return try execute(otherwise, Frame(parent: frame)) }
        case .switchOn(let subjectNode, let cases, let location):
            let subject = try evaluate(subjectNode, frame)
            for (values, body) in cases {
                var matches = values.isEmpty
                for node in values where !matches {
                    matches = Self.matches(subject, try evaluate(node, frame))
                }
                guard matches else { continue }
                try checkDeadline(at: location)
                switch try execute(body, Frame(parent: frame)) {
                case .broke: return .normal
                case let flow: return flow
                }
            }
        case .guardElse(let conditions, let otherwise):
            guard let frame else { return .normal }
            if try !holds(conditions, frame) { return try execute(otherwise, Frame(parent: frame)) }
        case .forIn(let pattern, let sequence, let body, let location):
            let elements: AnySequence<Value>
            do {
                elements = try BuiltinOperations.sequence(of: try evaluate(sequence, frame))
            } catch let failure as BuiltinFailure {
                throw CellFailure(failure.message, at: location)
            }
            for element in elements {
                try checkDeadline(at: location)
                let scope = Frame(parent: frame)
                try bind(pattern, element, scope, at: location)
                switch try execute(body, Frame(parent: scope)) {
                case .normal, .continued: continue
                case .broke: return .normal
                case .returned(let value): return .returned(value)
                }
            }
        case .whileLoop(let condition, let body, let location):
            while true {
                try checkDeadline(at: location)
                guard case .bool(true) = try evaluate(condition, frame) else { break }
                switch try execute(body, Frame(parent: frame)) {
                case .normal, .continued: continue
                case .broke: return .normal
                case .returned(let value): return .returned(value)
                }
            }
        case .returnValue(let node):
            return .returned(try node.map { try evaluate($0, frame) } ?? .void)
        case .loopControl(let isBreak):
            return isBreak ? .broke : .continued
        }
        return .normal
    }

    private func holds(_ conditions: [PlanCondition], _ frame: Frame) throws -> Bool {
        for condition in conditions {
            switch condition {
            case .bool(let node):
                guard case .bool(true) = try evaluate(node, frame) else { return false }
            case .optionalBinding(let name, let node):
                let value = try evaluate(node, frame)
                if case .none = value { return false }
                frame.slots[name] = Frame.Slot(value: value, type: value.cellType)
            }
        }
        return true
    }

    private func bind(
        _ pattern: PlanPattern, _ value: Value, _ frame: Frame?, signature: FunctionSignature? = nil,
        at location: LessonSource.SourceLocation
    ) throws {
        switch pattern {
        case .wildcard: return
        case .name(let name, let storage, let declared, _):
            var value = value
            if let declared { value = Self.coerce(value, to: declared) }
            switch storage {
            case .global:
                namespace.bindings[name] = Namespace.Binding(
                    value: value, type: declared ?? value.cellType, isMutable: true, cellID: context.cellID,
                    signature: signature)
            case .local:
                frame?.slots[name] = Frame.Slot(
                    value: value, type: declared ?? value.cellType, signature: signature)
            }
        case .tuple(let patterns, let location):
            guard let values = value.tupleElements, values.count == patterns.count else {
                throw CellFailure(
                    Message.cannotDestructure(value.cellType, into: patterns.count),
                    at: location)
            }
            for (inner, element) in zip(patterns, values) { try bind(inner, element, frame, at: location) }
        }
    }

    private func assign(_ target: Target, _ value: Value, _ frame: Frame?) throws {
        switch target {
        case .variable(let name, .global, let location):
            guard var binding = namespace.bindings[name] else {
                throw CellFailure(Message.notInScope(name), at: location)
            }
            binding.value = Self.coerce(value, to: binding.type)
            namespace.bindings[name] = binding
        case .variable(let name, .local, let location):
            guard let holder = frame?.holder(of: name), var slot = holder.slots[name] else {
                throw CellFailure(Message.notInScope(name), at: location)
            }
            slot.value = Self.coerce(value, to: slot.type)
            holder.slots[name] = slot
        case .property(let base, let receiverNode, let setter, let location):
            var receiver = try evaluate(receiverNode, frame)
            let converted = Self.coerce(value, to: setter.resultType)
            try callStep(at: location, name: setter.name) {
                try setter.setter?(&receiver, converted, context)
            }
            if case .object(let object) = receiver, object.isReference { return }
            if let base { try assign(base, receiver, frame) }
        case .librarySubscript(let base, let receiverNode, let keyNode, let setter, let location):
            let receiver = try evaluate(receiverNode, frame)
            let key = try evaluate(keyNode, frame)
            let changed = try callStep(at: location, name: setter.name) {
                try setter.invoke([receiver, key, value], context)
            }
            try assign(base, changed, frame)
        case .element(let base, let arrayNode, let indexNode, let location):
            let container = try evaluate(arrayNode, frame)
            if case .dictionary(var dictionary) = container {
                let key = try evaluate(indexNode, frame)
                do {
                    try dictionary.set(key, value.isNone ? nil : value)
                } catch let error as StepError {
                    throw CellFailure(error.message, at: location)
                }
                try assign(base, .dictionary(dictionary), frame)
                return
            }
            if var elements = container.tupleElements, case .int(let index) = try evaluate(indexNode, frame),
                elements.indices.contains(index)
            {
                elements[index] = value
                var rebuilt = Value.tuple(elements)
                if case .labeledTuple(let labels, _) = container {
                    rebuilt = .tuple(elements, labels: labels)
                }
                try assign(base, rebuilt, frame)
                return
            }
            guard case .array(var elements) = container,
                case .int(let index) = try evaluate(indexNode, frame)
            else {
                throw CellFailure(Message.onlyArrayElementsAssignable, at: location)
            }
            guard elements.indices.contains(index) else {
                throw CellFailure(
                    Message.indexOutOfRange(index, count: elements.count), at: location)
            }
            elements[index] = value
            try assign(base, .array(elements), frame)
        }
    }

    // MARK: - Expressions

    private func evaluate(_ node: Node, _ frame: Frame?) throws -> Value {
        switch node {
        case .literal(let value): return value
        case .interpolation(let parts):
            var text = ""
            for part in parts {
                switch part {
                case .text(let literal): text += literal
                case .value(let inner): text += try evaluate(inner, frame).plainText
                }
            }
            return .string(text)
        case .array(let elements): return .array(try elements.map { try evaluate($0, frame) })
        case .dictionary(let pairs):
            var dictionary = CellDictionary()
            for (key, value) in pairs {
                let keyValue = try evaluate(key, frame)
                try dictionary.set(keyValue, try evaluate(value, frame))
            }
            return .dictionary(dictionary)
        case .tuple(let elements): return .tuple(try elements.map { try evaluate($0, frame) })
        case .labeledTuple(let labels, let elements):
            return .tuple(try elements.map { try evaluate($0, frame) }, labels: labels)
        case .local(let name):
            guard let slot = frame?.holder(of: name)?.slots[name] else {
                throw StepError("'\(name)' has no value here")
            }
            return slot.value
        case .global(let name, let location):
            guard let binding = namespace.bindings[name] else {
                throw CellFailure(Message.notInScope(name), at: location)
            }
            return binding.value
        case .step(let step, let arguments, let location):
            let values = try arguments.map { try evaluate($0, frame) }
            if let member = step.declared, !member.isField {
                return try callStep(at: location, name: step.name) { try callDeclared(member, values) }
            }
            return try callStep(at: location, name: step.name) {
                let call = { [context] in try step.invoke(values, context) }
                return try stepHook.map { try $0(step, values, call) } ?? call()
            }
        case .callFunction(let callee, let arguments, let name, let location):
            let function = try evaluate(callee, frame)
            let values = try arguments.map { try evaluate($0, frame) }
            return try callFunction(function, values, name: name, at: location)
        case .closure(let plan):
            return .function(makeClosure(plan, frame))
        case .tupleElement(let base, let index, let location):
            guard let elements = try evaluate(base, frame).tupleElements, elements.indices.contains(index)
            else {
                throw CellFailure(Message.noTupleElement(index), at: location)
            }
            return elements[index]
        case .index(let base, let index, let location):
            return try subscriptArray(try evaluate(base, frame), try evaluate(index, frame), at: location)
        case .builtin(let builtin, let arguments, let location):
            let values = try arguments.map { try evaluate($0, frame) }
            do {
                return try BuiltinOperations.apply(builtin, values) { function, arguments in
                    try self.callFunction(function, arguments, name: "closure", at: location)
                }
            } catch let failure as BuiltinFailure {
                throw CellFailure(failure.message, at: location)
            } catch is NotDoneYet {
                var failure = CellFailure("not done yet: this todo() stands for your code", at: location)
                failure.isNotDone = true
                throw failure
            }
        case .logical(let isAnd, let lhs, let rhs, let location):
            func operand(_ node: Node) throws -> Bool {
                let value = try evaluate(node, frame)
                guard case .bool(let truth) = value else {
                    throw CellFailure(
                        Message.needsBoolOperands(isAnd ? "&&" : "||", not: value.cellType), at: location)
                }
                return truth
            }
            let left = try operand(lhs)
            if left != isAnd { return .bool(left) }
            return .bool(try operand(rhs))
        case .cast(let base, let type, let forced, let location):
            let value = try evaluate(base, frame)
            if registry.conforms(value, to: type) { return Self.coerce(value, to: type) }
            if !forced { return .none }
            throw CellFailure("could not cast value of type '\(value.cellType)' to '\(type)'", at: location)
        case .forceUnwrap(let base, let location):
            let value = try evaluate(base, frame)
            if case .none = value {
                throw CellFailure("unexpectedly found nil while unwrapping an Optional value", at: location)
            }
            return value
        case .ternary(let condition, let then, let otherwise):
            guard case .bool(let test) = try evaluate(condition, frame) else { return .void }
            return try evaluate(test ? then : otherwise, frame)
        case .expect(let plan):
            try expect(plan, frame)
            return .void
        case .dynamic(let plan):
            return try evaluateDynamic(plan, frame)
        case .unavailable(let name, let location):
            throw CellFailure("'\(name)' is not available: the cell that defines it failed", at: location)
        }
    }

    private func subscriptArray(
        _ base: Value, _ index: Value, at location: LessonSource.SourceLocation
    ) throws -> Value {
        if case .dictionary(let dictionary) = base { return dictionary.value(for: index) ?? .none }
        guard case .array(let elements) = base else {
            throw CellFailure("value of type \(base.cellType) has no subscripts", at: location)
        }
        switch index {
        case .int(let position):
            guard elements.indices.contains(position) else {
                throw CellFailure(
                    Message.indexOutOfRange(position, count: elements.count),
                    at: location)
            }
            return elements[position]
        case .range(.int(let lower), .int(let upper), let closed):
            return try slice(
                elements, lower, closed ? upper + 1 : upper, written: index.displayText, at: location)
        case .object(let object) where object.payload is PartialRangeUpTo<Int>:
            let upper = (object.payload as? PartialRangeUpTo<Int>)?.upperBound ?? 0
            return try slice(elements, 0, upper, written: "..<\(upper)", at: location)
        case .object(let object) where object.payload is PartialRangeFrom<Int>:
            let lower = (object.payload as? PartialRangeFrom<Int>)?.lowerBound ?? 0
            return try slice(elements, lower, elements.count, written: "\(lower)...", at: location)
        default:
            throw CellFailure("cannot subscript an array with \(index.cellType)", at: location)
        }
    }

    /// `elements[lower..<end]`, or a located error naming the range as the cell wrote it.
    private func slice(
        _ elements: [Value], _ lower: Int, _ end: Int, written: String,
        at location: LessonSource.SourceLocation
    ) throws -> Value {
        guard lower >= 0, end <= elements.count, lower <= end else {
            throw CellFailure(
                "range \(written) is out of bounds for an array of \(elements.count) elements", at: location)
        }
        return .array(Array(elements[lower..<end]))
    }

    /// Runs the operands of a deferred expression, then resolves it with their actual types.
    private func evaluateDynamic(_ plan: DynamicPlan, _ frame: Frame?) throws -> Value {
        let operands = try plan.operands.map { try evaluate($0, frame) }
        let scope = Frame(parent: frame)
        for (index, value) in operands.enumerated() {
            scope.slots[DynamicPlan.operandName(index)] = Frame.Slot(value: value, type: value.cellType)
        }
        var locals: [String: NameInfo] = [:]
        var current: Frame? = scope
        while let frame = current {
            for (name, slot) in frame.slots where locals[name] == nil {
                let type = slot.type == .any ? slot.value.cellType : slot.type
                locals[name] = NameInfo(type: type, isMutable: true, signature: slot.signature)
            }
            current = frame.parent
        }
        let key = locals.keys.sorted().map { locals[$0]?.type ?? .any }
        let node: Node
        if let cached = plan.resolved[key] {
            node = cached
        } else {
            var globals: [String: NameInfo] = [:]
            for (name, binding) in namespace.bindings {
                let type = binding.type == .any ? binding.value.cellType : binding.type
                globals[name] = NameInfo(
                    type: type, isMutable: binding.isMutable, cellID: binding.cellID,
                    signature: binding.signature)
            }
            switch Resolver.resolveDynamic(
                plan, operandTypes: operands.map(\.cellType), locals: locals, globals: globals,
                registry: registry,
                defaults: defaults)
            {
            case .success(let resolved): node = resolved
            case .failure(let failure): throw failure
            }
            plan.resolved[key] = node
        }
        return try evaluate(node, scope)
    }

    /// Whether a `switch` case's value matches the subject: equal, or a range that holds it (Swift's `~=`).
    static func matches(_ subject: Value, _ pattern: Value) -> Bool {
        if case .range(let lower, let upper, let closed) = pattern, let x = subject.doubleValue,
            let low = lower.doubleValue, let high = upper.doubleValue
        {
            return low <= x && (closed ? x <= high : x < high)
        }
        if case .range(let lower, let upper, let closed) = pattern, case .string(let x) = subject,
            case .string(let low) = lower, case .string(let high) = upper
        {
            return low <= x && (closed ? x <= high : x < high)
        }
        return subject.isEqual(to: pattern) == true
    }

    /// Converts a number to the `Double` or `Float` a declaration wants, as Swift's literals do.
    static func coerce(_ value: Value, to type: CellType) -> Value {
        switch (value, type.unwrapped) {
        case (.int(let int), .double): .double(Double(int))
        case (.int(let int), .float): .float(Float(int))
        case (.double(let double), .float): .float(Float(double))
        case (.float(let float), .double): .double(Double(float))
        case (.array(let elements), .array(let element)): .array(elements.map { coerce($0, to: element) })
        case (.range(let lower, let upper, let closed), .range(let bound, _)):
            .range(lower: coerce(lower, to: bound), upper: coerce(upper, to: bound), closed: closed)
        // A tuple takes the labels of the type it is bound to, as Swift converts `(1, 2)` to
        // `(min: Int, max: Int)`.
        case (.tuple(let elements), .tuple(let types)) where elements.count == types.count,
            (.labeledTuple(_, let elements), .tuple(let types)) where elements.count == types.count:
            .tuple(zip(elements, types).map { coerce($0, to: $1) })
        case (.tuple(let elements), .labeledTuple(let labels, let types)) where elements.count == types.count,
            (.labeledTuple(_, let elements), .labeledTuple(let labels, let types))
        where elements.count == types.count:
            .labeledTuple(labels: labels, elements: zip(elements, types).map { coerce($0, to: $1) })
        default: value
        }
    }

    private func makeClosure(_ plan: ClosurePlan, _ captured: Frame?) -> CellFunctionValue {
        CellFunctionValue(
            type: plan.type, arity: plan.splatsTuple ? 1 : plan.isShorthand ? nil : plan.parameters.count
        ) {
            [weak self] arguments in
            guard let self else { throw StepError("the lesson has ended") }
            var arguments = arguments
            if plan.splatsTuple, arguments.count == 1, let elements = arguments[0].tupleElements {
                arguments = elements
            }
            guard arguments.count >= plan.parameters.count else {
                throw CellFailure(
                    "closure expects \(plan.parameters.count) argument\(plan.parameters.count == 1 ? "" : "s"), "
                        + "got \(arguments.count)", at: plan.location)
            }
            let frame = Frame(parent: captured)
            for (parameter, argument) in zip(plan.parameters, arguments) {
                let value = Self.coerce(argument, to: parameter.type)
                if parameter.type != .any, !self.registry.conforms(value, to: parameter.type) {
                    throw CellFailure(
                        "closure parameter '\(parameter.name)' expects \(parameter.type), got \(argument.cellType)",
                        at: plan.location)
                }
                frame.slots[parameter.name] = Frame.Slot(value: value, type: parameter.type)
            }
            try self.checkDeadline(at: plan.location)
            guard self.callDepth < Self.maximumCallDepth else {
                throw CellFailure(
                    "more than \(Self.maximumCallDepth) calls nest here; is the recursion unbounded?",
                    at: plan.location)
            }
            self.callDepth += 1
            defer { self.callDepth -= 1 }
            // The result takes the declared type's labels (`-> (min: Double, max: Double)`).
            var declaredResult = CellType.any
            if case .function(_, let result) = plan.type { declaredResult = result }
            if let implicit = plan.implicitReturn {
                return Self.coerce(try self.evaluate(implicit, frame), to: declaredResult)
            }
            if case .returned(let value) = try self.execute(plan.body, frame) {
                return Self.coerce(value, to: declaredResult)
            }
            if case .function(_, let result) = plan.type, result != .void, result != .any {
                throw CellFailure("the function ended without returning a \(result)", at: plan.location)
            }
            return .void
        }
    }

    private func callFunction(
        _ value: Value, _ arguments: [Value], name: String, at location: LessonSource.SourceLocation
    ) throws -> Value {
        guard case .function(let function) = value else {
            throw CellFailure("cannot call a value of type \(value.cellType)", at: location)
        }
        if let arity = function.arity, arity != arguments.count {
            throw CellFailure(
                Message.argumentCount(name, takes: arity, got: arguments.count),
                at: location)
        }
        return try callStep(at: location, name: name) { try function.call(arguments) }
    }

    // MARK: - Declared types

    /// Runs a method, computed property or initializer of a type a cell declares: `values` hold the
    /// receiver first (methods), or the arguments (initializers).
    private func callDeclared(_ member: DeclaredMember, _ values: [Value]) throws -> Value {
        switch member.kind {
        case .field: throw StepError("a stored property is read by its step")
        case .method, .computed:
            guard let plan = member.plan else { throw StepError("'\(member.type.name)' is not resolved") }
            return try runMember(plan, values).result
        case .initializer:
            guard let plan = member.plan else { throw StepError("'\(member.type.name)' is not resolved") }
            let instance = try makeInstance(of: member.type)
            let (_, final) = try runMember(plan, [instance] + values)
            try checkInitialized(final)
            return final
        case .memberwise(let fields):
            var instance = try makeInstance(of: member.type)
            for (index, value) in zip(fields, values) { setField(index, of: &instance, to: value) }
            return instance
        }
    }

    /// A new instance with its properties' declared values (the others unset until `init` sets them).
    private func makeInstance(of type: DeclaredType) throws -> Value {
        let fields = try type.fields.map { field in
            try field.defaultValue.map { Self.coerce(try evaluate($0, nil), to: field.type) } ?? .void
        }
        guard type.isClass else {
            return .object(
                LibraryObject(type: type.cellType, payload: DeclaredValue(type: type, fields: fields)))
        }
        guard type.isLayer else {
            return .object(
                LibraryObject(type: type.cellType, payload: DeclaredObject(type: type, fields: fields)))
        }
        let layer = DeclaredLayer(type: type, fields: fields)
        // Strong: the layer may run after its lesson (the executor then empties the namespace, so the
        // interpreter holds nothing that holds the layer).
        layer.body = { [self] layer, x in
            guard let member = type.forward else { throw StepError(Message.noForward(type.name)) }
            guard let forward = member.plan else {
                throw StepError("the lesson that declared '\(type.name)' has ended")
            }
            let receiver = Value.object(LibraryObject(type: type.cellType, payload: layer))
            let output = try self.runMember(forward, [receiver, x.cellValue]).result
            guard case .object(let object) = output, let variable = object.payload as? Variable else {
                throw StepError("'\(type.name).callAsFunction' returned \(output.cellType), not a Variable")
            }
            return variable
        }
        return .object(LibraryObject(type: type.cellType, payload: layer))
    }

    private func setField(_ index: Int, of instance: inout Value, to value: Value) {
        guard case .object(var object) = instance else { return }
        if let reference = object.payload as? DeclaredObject {
            reference.fields[index] = Self.coerce(value, to: reference.type.fields[index].type)
        } else if var copy = object.payload as? DeclaredValue {
            copy.fields[index] = Self.coerce(value, to: copy.type.fields[index].type)
            object.payload = copy
            instance = .object(object)
        }
    }

    /// Swift's definite initialization, at run time for paths the checker cannot follow.
    private func checkInitialized(_ instance: Value) throws {
        guard let (type, fields) = instance.declaredInstance else { return }
        for (field, value) in zip(type.fields, fields) {
            if case .void = value {
                throw StepError("the initializer of '\(type.name)' did not set '\(field.name)'")
            }
        }
    }

    /// Runs a member's plan with `self` and the arguments; returns its result and `self` as it ends
    /// (a struct's initializer changes its own copy).
    private func runMember(_ plan: ClosurePlan, _ arguments: [Value]) throws -> (result: Value, self: Value) {
        let frame = Frame(parent: nil)
        for (parameter, argument) in zip(plan.parameters, arguments) {
            frame.slots[parameter.name] = Frame.Slot(
                value: Self.coerce(argument, to: parameter.type), type: parameter.type)
        }
        try checkDeadline(at: plan.location)
        guard callDepth < Self.maximumCallDepth else {
            throw CellFailure(
                "more than \(Self.maximumCallDepth) calls nest here; is the recursion unbounded?",
                at: plan.location)
        }
        callDepth += 1
        defer { callDepth -= 1 }
        var result = Value.void
        if let implicit = plan.implicitReturn {
            result = try evaluate(implicit, frame)
        } else if case .returned(let value) = try execute(plan.body, frame) {
            result = value
        }
        return (result, frame.slots["self"]?.value ?? .void)
    }

    /// Calls into the library, turning what it throws into a failure at `location`.
    private func callStep<T>(
        at location: LessonSource.SourceLocation, name: String, _ body: () throws -> T
    ) throws -> T {
        try checkDeadline(at: location)
        do {
            return try body()
        } catch let failure as CellFailure {
            throw failure
        } catch let error as StepError {
            throw CellFailure(error.message, at: location)
        } catch let error as TensorError {
            throw CellFailure(error.message, at: location)
        } catch let error as CellTimeout {
            throw CellFailure(error.message(in: context.language), at: location)
        } catch let error as ConversionError {
            throw CellFailure("'\(name)': \(error)", at: location)
        } catch {
            throw CellFailure("'\(name)' failed: \(error)", at: location)
        }
    }

    private func checkDeadline(at location: LessonSource.SourceLocation) throws {
        context.reached?(location)
        do {
            try context.checkDeadline()
        } catch let timeout as CellTimeout {
            throw CellFailure(timeout.message(in: context.language), at: location)
        }
    }

    // MARK: - Checks

    private func expect(_ plan: ExpectPlan, _ frame: Frame?) throws {
        // Parts run in order and stop at the first that fails, as `&&` does; a failure shows each part
        // evaluated: `4.4 < 8.6 && 8.6 < 7.5`.
        var shown: [String] = []
        var passed = true
        for part in plan.parts {
            let result: Value
            if let comparison = part.comparison {
                let left = try evaluate(comparison.lhs, frame)
                let right = try evaluate(comparison.rhs, frame)
                let scope = Frame(parent: frame)
                scope.slots[DynamicPlan.operandName(0)] = Frame.Slot(value: left, type: left.cellType)
                scope.slots[DynamicPlan.operandName(1)] = Frame.Slot(value: right, type: right.cellType)
                result = try evaluate(comparison.apply, scope)
                shown.append("\(left.displayText) \(comparison.op) \(right.displayText)")
            } else {
                result = try evaluate(part.condition, frame)
                if case .bool(let value) = result { shown.append(String(value)) }
            }
            guard case .bool(let holds) = result else {
                throw CellFailure(Message.expectNeedsBool(not: result.cellType), at: plan.location)
            }
            if !holds {
                passed = false
                break
            }
        }
        // A lone condition that is not a comparison has nothing to show but `false`.
        let detail =
            passed || (plan.parts.count == 1 && plan.parts[0].comparison == nil)
            ? nil : shown.joined(separator: " && ")
        context.emit(
            .check(
                Check(expression: plan.text, passed: passed, detail: detail, location: plan.location)))
    }
}

extension CellType {
    /// The type without optional wrapping.
    var unwrapped: CellType {
        if case .optional(let wrapped) = self { return wrapped.unwrapped }
        return self
    }
}
