import Foundation
import TensorCore
import Training
import ZIPFoundation

/// A value of a PyTorch state-dict pickle, as the restricted unpickler builds it: nothing is ever called,
/// and the only "objects" are the dictionaries, storages and tensors a state dict is made of.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// An allowed global (`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`, `torch.FloatStorage`).
    case global(String)
    /// A storage named by a persistent id: `('storage', torch.FloatStorage, '0', 'cpu', 108)`.
    case storage(TorchStorage)
    /// `_rebuild_tensor_v2(storage, offset, size, stride, …)`.
    case tensor(TorchTensor)
}

/// A pickled list (a reference: `APPEND` after `BINPUT` changes the memoized one too).
final class PickleList {
    var items: [PickleValue] = []
}

/// A pickled dict or `OrderedDict` (a reference, like ``PickleList``), in insertion order.
final class PickleDict {
    var items: [(key: PickleValue, value: PickleValue)] = []
}

/// A storage of a `.pth` archive: its element type, its entry `data/<key>` and its element count.
struct TorchStorage {
    var type: WeightElementType
    var key: String
    var count: Int
}

/// A tensor over a storage: `storage[offset + Σ iₖ·strideₖ]`.
struct TorchTensor {
    var storage: TorchStorage
    var offset: Int
    var shape: [Int]
    var strides: [Int]
}

/// The restricted unpickler of `torch.load(weights_only=True)`.
///
/// It reads the pickle protocol-2 opcodes `torch.save` writes (and the protocol-4/5 ones a state dict may use), builds values, and refuses every
/// global outside ``allowedGlobals`` as it meets it, before building anything from it. Nothing in the
/// pickle is ever executed: `REDUCE` is understood only for the allowed globals.
struct TorchPickle {
    /// The globals a state dict needs: its `OrderedDict`, tensor rebuilding, and storage types.
    static let allowedGlobals = Set<String>([
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state", "torch.Size",
    ]).union(storageTypes.keys)

    /// The typed storages `torch.save` names, by element type.
    static let storageTypes: [String: WeightElementType] = [
        "torch.FloatStorage": .f32, "torch.DoubleStorage": .f64, "torch.HalfStorage": .f16,
        "torch.BFloat16Storage": .bf16, "torch.LongStorage": .i64, "torch.IntStorage": .i32,
        "torch.ShortStorage": .i16, "torch.CharStorage": .i8, "torch.ByteStorage": .u8,
        "torch.BoolStorage": .bool,
    ]

    let bytes: [UInt8]
    let path: String
    private var position = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Every list and dict made, so that ``dismantle()`` can empty them all.
    private let made = Containers()

    /// The lists and dicts an unpickler made.
    private final class Containers {
        var lists: [PickleList] = []
        var dicts: [PickleDict] = []

        func list() -> PickleList {
            let list = PickleList()
            lists.append(list)
            return list
        }

        func dict() -> PickleDict {
            let dict = PickleDict()
            dicts.append(dict)
            return dict
        }
    }

    /// Empties every list and dict the pickle made, and the stack and memo.
    ///
    /// Containers may hold each other in chains as long as the pickle (or in cycles); emptied one by one
    /// they are freed without a teardown that recurses down the chain. Call it when done with the values.
    mutating func dismantle() {
        for list in made.lists { list.items = [] }
        for dict in made.dicts { dict.items = [] }
        stack = []
        memo = [:]
    }

    init(_ bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    private func fail(_ reason: String) -> WeightsError {
        .malformedPickle(path: path, offset: position, reason: reason)
    }

    private mutating func take(_ count: Int) throws(WeightsError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else {
            throw .truncated(path: path, reason: "data.pkl ends inside an opcode at byte \(position)")
        }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    private mutating func littleEndian(_ count: Int) throws(WeightsError) -> UInt64 {
        var value: UInt64 = 0
        for (index, byte) in try take(count).enumerated() { value |= UInt64(byte) << (8 * index) }
        return value
    }

    private mutating func length(_ count: Int) throws(WeightsError) -> Int {
        let value = try littleEndian(count)
        guard value <= UInt64(bytes.count) else {
            throw fail("a length of \(value) bytes is beyond the pickle")
        }
        return Int(value)
    }

    private mutating func pop() throws(WeightsError) -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.popLast() else {
            throw fail("the stack is empty")
        }
        return value
    }

    private mutating func popMark() throws(WeightsError) -> [PickleValue] {
        guard let mark = marks.popLast(), mark <= stack.count else { throw fail("no MARK to pop to") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    private mutating func string(_ count: Int) throws(WeightsError) -> String {
        let raw = try take(count)
        guard let text = String(validating: raw, as: UTF8.self) else { throw fail("a string is not UTF-8") }
        return text
    }

    /// `module.name`, refused unless allowed (`__builtin__` read as `builtins`, `posix` as `os`).
    private func global(_ module: String, _ name: String) throws(WeightsError) -> PickleValue {
        let module = ["__builtin__": "builtins", "posix": "os", "nt": "os"][module] ?? module
        let qualified = module + "." + name
        guard Self.allowedGlobals.contains(qualified) else {
            throw .forbiddenGlobal(path: path, global: qualified)
        }
        return .global(qualified)
    }

    /// The pickle's value.
    ///
    /// - Throws: ``WeightsError/forbiddenGlobal(path:global:)`` at the first global outside
    ///   ``allowedGlobals``; ``WeightsError/malformedPickle(path:offset:reason:)`` for anything else a
    ///   state dict does not contain.
    mutating func load() throws(WeightsError) -> PickleValue {
        while true {
            let opcode = try take(1).first ?? 0
            switch opcode {
            case 0x80: _ = try take(1)  // PROTO
            case 0x95: _ = try take(8)  // FRAME
            case UInt8(ascii: "("): marks.append(stack.count)  // MARK
            case UInt8(ascii: "."): return try pop()  // STOP
            case UInt8(ascii: "0"): _ = try pop()  // POP
            case UInt8(ascii: "1"): _ = try popMark()  // POP_MARK
            case UInt8(ascii: "2"):  // DUP
                let top = try pop()
                stack += [top, top]
            case UInt8(ascii: "N"): stack.append(.none)
            case 0x88: stack.append(.bool(true))  // NEWTRUE
            case 0x89: stack.append(.bool(false))  // NEWFALSE
            case UInt8(ascii: "K"): stack.append(.int(Int(try littleEndian(1))))  // BININT1
            case UInt8(ascii: "M"): stack.append(.int(Int(try littleEndian(2))))  // BININT2
            case UInt8(ascii: "J"): stack.append(.int(Int(Int32(truncatingIfNeeded: try littleEndian(4)))))
            case 0x8A, 0x8B:  // LONG1, LONG4
                let count = try length(opcode == 0x8A ? 1 : 4)
                guard count <= 8 else { throw fail("an integer of \(count) bytes") }
                var value = try littleEndian(count)
                if count > 0, count < 8, value & (1 << (8 * UInt64(count) - 1)) != 0 {
                    value |= ~0 << (8 * UInt64(count))  // sign-extend
                }
                stack.append(.int(Int(Int64(bitPattern: value))))
            case UInt8(ascii: "G"):  // BINFLOAT, big-endian
                let raw = try take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                stack.append(.float(Double(bitPattern: raw)))
            case UInt8(ascii: "X"): stack.append(.string(try string(try length(4))))  // BINUNICODE
            case 0x8C: stack.append(.string(try string(try length(1))))  // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(try string(try length(8))))  // BINUNICODE8
            case UInt8(ascii: "T"): stack.append(.string(try string(try length(4))))  // BINSTRING
            case UInt8(ascii: "U"): stack.append(.string(try string(try length(1))))  // SHORT_BINSTRING
            case UInt8(ascii: "B"): stack.append(.bytes(Array(try take(try length(4)))))  // BINBYTES
            case UInt8(ascii: "C"): stack.append(.bytes(Array(try take(try length(1)))))  // SHORT_BINBYTES
            case UInt8(ascii: ")"): stack.append(.tuple([]))  // EMPTY_TUPLE
            case 0x85, 0x86, 0x87:  // TUPLE1-3
                var items: [PickleValue] = []
                for _ in 0..<Int(opcode - 0x84) { items.insert(try pop(), at: 0) }
                stack.append(.tuple(try shallow(items)))
            case UInt8(ascii: "t"): stack.append(.tuple(try shallow(try popMark())))  // TUPLE
            case UInt8(ascii: "]"): stack.append(.list(made.list()))  // EMPTY_LIST
            case UInt8(ascii: "l"):  // LIST
                let list = made.list()
                list.items = try shallow(try popMark())
                stack.append(.list(list))
            case UInt8(ascii: "a"), UInt8(ascii: "e"):  // APPEND, APPENDS
                let items = try shallow(opcode == UInt8(ascii: "a") ? [try pop()] : try popMark())
                guard case .list(let list) = stack.last else { throw fail("APPEND to something not a list") }
                list.items += items
            case UInt8(ascii: "}"): stack.append(.dict(made.dict()))  // EMPTY_DICT
            case UInt8(ascii: "d"):  // DICT
                let dict = made.dict()
                dict.items = try pairs(try shallow(try popMark()))
                stack.append(.dict(dict))
            case UInt8(ascii: "s"), UInt8(ascii: "u"):  // SETITEM, SETITEMS
                let items: [PickleValue]
                if opcode == UInt8(ascii: "s") {
                    let value = try pop()
                    items = [try pop(), value]
                } else {
                    items = try popMark()
                }
                guard case .dict(let dict) = stack.last else { throw fail("SETITEM on something not a dict") }
                dict.items += try pairs(try shallow(items))
            case UInt8(ascii: "q"): memo[Int(try littleEndian(1))] = try peek()  // BINPUT
            case UInt8(ascii: "r"): memo[Int(try littleEndian(4))] = try peek()  // LONG_BINPUT
            case 0x94: memo[memo.count] = try peek()  // MEMOIZE
            case UInt8(ascii: "h"), UInt8(ascii: "j"):  // BINGET, LONG_BINGET
                let index = Int(try littleEndian(opcode == UInt8(ascii: "h") ? 1 : 4))
                guard let value = memo[index] else { throw fail("BINGET of memo \(index), never stored") }
                stack.append(value)
            case UInt8(ascii: "c"):  // GLOBAL module\nname\n
                let module = try line()
                stack.append(try global(module, try line()))
            case 0x93:  // STACK_GLOBAL
                guard case .string(let name) = try pop(), case .string(let module) = try pop() else {
                    throw fail("STACK_GLOBAL without two strings")
                }
                stack.append(try global(module, name))
            case UInt8(ascii: "Q"): stack.append(try persistent(try pop()))  // BINPERSID
            case UInt8(ascii: "R"):  // REDUCE
                let arguments = try pop()
                stack.append(try reduce(try pop(), arguments))
            case UInt8(ascii: "b"):  // BUILD: state on an OrderedDict (its _metadata) or a tensor, ignored
                _ = try pop()
                switch stack.last {
                case .dict, .tensor: break
                default: throw fail("BUILD on something that is neither a dict nor a tensor")
                }
            default:
                position -= 1
                throw fail(String(format: "opcode 0x%02X is not one a state dict uses", opcode))
            }
        }
    }

    /// The deepest nesting a state dict needs is about four (dict, tensor arguments, size tuple); a
    /// deeper (or cyclic) structure is refused, so that no value's teardown recurses without bound.
    static let maximumNesting = 32

    /// How deeply `value` nests containers, counted up to `limit + 1`.
    private static func nesting(_ value: PickleValue, limit: Int) -> Int {
        guard limit >= 0 else { return 1 }
        let children: [PickleValue]
        switch value {
        case .tuple(let items): children = items
        case .list(let list): children = list.items
        case .dict(let dict): children = dict.items.flatMap { [$0.key, $0.value] }
        default: return 0
        }
        return 1 + (children.map { nesting($0, limit: limit - 1) }.max() ?? 0)
    }

    /// `items`, after checking that a container of them would not nest too deeply.
    private func shallow(_ items: [PickleValue]) throws(WeightsError) -> [PickleValue] {
        for item in items where Self.nesting(item, limit: Self.maximumNesting) >= Self.maximumNesting {
            throw fail("containers nested more than \(Self.maximumNesting) deep (or in a cycle)")
        }
        return items
    }

    private func peek() throws(WeightsError) -> PickleValue {
        guard let top = stack.last else { throw fail("BINPUT with an empty stack") }
        return top
    }

    private mutating func line() throws(WeightsError) -> String {
        guard let end = bytes[position...].firstIndex(of: UInt8(ascii: "\n")), end - position <= 256 else {
            throw fail("a GLOBAL's name has no end")
        }
        let text = try string(end - position)
        position += 1
        return text
    }

    private func pairs(
        _ items: [PickleValue]
    ) throws(WeightsError) -> [(key: PickleValue, value: PickleValue)] {
        guard items.count.isMultiple(of: 2) else { throw fail("an odd number of dict items") }
        return stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }
    }

    /// A persistent id `('storage', torch.FloatStorage, key, location, count)`.
    private func persistent(_ id: PickleValue) throws(WeightsError) -> PickleValue {
        guard case .tuple(let parts) = id, parts.count == 5, case .string("storage") = parts[0],
            case .global(let typeName) = parts[1], let type = Self.storageTypes[typeName],
            case .string(let key) = parts[2], case .int(let count) = parts[4], count >= 0
        else {
            throw fail("a persistent id that is not a storage")
        }
        return .storage(TorchStorage(type: type, key: key, count: count))
    }

    private func integers(_ value: PickleValue, _ what: String) throws(WeightsError) -> [Int] {
        guard case .tuple(let items) = value else { throw fail("\(what) is not a tuple") }
        var result: [Int] = []
        for item in items {
            guard case .int(let number) = item else { throw fail("\(what) holds a non-integer") }
            result.append(number)
        }
        return result
    }

    /// `callable(*arguments)` for the allowed callables; nothing else is callable.
    private func reduce(_ callable: PickleValue, _ arguments: PickleValue) throws(WeightsError) -> PickleValue
    {
        guard case .global(let name) = callable, case .tuple(let args) = arguments else {
            throw fail("REDUCE of something that is not an allowed global with a tuple")
        }
        switch name {
        case "collections.OrderedDict":
            guard args.isEmpty else { throw fail("OrderedDict with arguments") }
            return .dict(made.dict())
        case "torch.Size":
            guard args.count == 1 else { throw fail("torch.Size takes one tuple") }
            return .tuple(try integers(args[0], "torch.Size").map { .int($0) })
        case "torch._utils._rebuild_tensor_v2":
            guard (6...7).contains(args.count), case .storage(let storage) = args[0],
                case .int(let offset) = args[1]
            else {
                throw fail("_rebuild_tensor_v2 without a storage and an offset")
            }
            return .tensor(
                TorchTensor(
                    storage: storage, offset: offset, shape: try integers(args[2], "a size"),
                    strides: try integers(args[3], "a stride")))
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
            guard let first = args.first, case .tensor = first else {
                throw fail("\(name) without a tensor")
            }
            return first
        default:
            throw fail("\(name) is not callable")
        }
    }
}

/// Reading PyTorch's `torch.save` zip archives: `<name>/data.pkl`, `<name>/data/<key>` and
/// `<name>/byteorder`.
enum TorchCheckpoint {
    /// The tensors of the state dict in the zip archive at `url` (read entry by entry from the file), in
    /// the pickle's order.
    ///
    /// A pickle whose top level is `{"state_dict": {...}}` or `{"model": {...}}` (a training checkpoint)
    /// gives the inner dictionary; entries that are not tensors are an error.
    ///
    /// - Throws: ``WeightsError`` naming `path`.
    static func decode(_ url: URL, path: String) throws(WeightsError) -> [StateDict.Entry] {
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw .unknownFormat(path: path, reason: "not a readable zip archive (\(error))")
        }
        func read(_ entry: Entry) throws(WeightsError) -> Data {
            var result = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { result.append($0) }
            } catch {
                throw .truncated(path: path, reason: "archive entry \(entry.path) cannot be read (\(error))")
            }
            return result
        }
        guard
            let pickleEntry = archive.first(where: {
                $0.path.hasSuffix("/data.pkl") && $0.path.split(separator: "/").count == 2
            })
        else {
            throw .malformedHeader(path: path, reason: "the archive has no data.pkl")
        }
        let prefix = String(pickleEntry.path.dropLast("data.pkl".count))
        var bigEndian = false
        if let order = archive[prefix + "byteorder"] {
            let text = String(decoding: try read(order), as: UTF8.self)
            guard text == "little" || text == "big" else {
                throw .malformedHeader(path: path, reason: "byteorder is '\(text)'")
            }
            bigEndian = text == "big"
        }
        var unpickler = TorchPickle([UInt8](try read(pickleEntry)), path: path)
        defer { unpickler.dismantle() }
        let tensors = try stateDictTensors(try unpickler.load(), path: path)
        // Each storage is converted once and dropped after its last tensor, so a file's weights are held
        // about once, not twice.
        var uses: [String: Int] = [:]
        for (_, tensor) in tensors { uses[tensor.storage.key, default: 0] += 1 }
        var storages: [String: [Float]] = [:]
        var entries: [StateDict.Entry] = []
        for (name, tensor) in tensors {
            defer {
                uses[tensor.storage.key, default: 1] -= 1
                if uses[tensor.storage.key] == 0 { storages[tensor.storage.key] = nil }
            }
            let storage = tensor.storage
            if storages[storage.key] == nil {
                guard let entry = archive[prefix + "data/" + storage.key] else {
                    throw .badTensor(
                        path: path, name: name, reason: "its storage data/\(storage.key) is missing")
                }
                let raw = try read(entry)
                guard storage.count.multipliedReportingOverflow(by: storage.type.size) == (raw.count, false)
                else {
                    throw .badTensor(
                        path: path, name: name,
                        reason: "storage data/\(storage.key) has \(raw.count) bytes, not \(storage.count) "
                            + "× \(storage.type.size)")
                }
                storages[storage.key] = raw.withUnsafeBytes {
                    storage.type.floats($0, count: storage.count, bigEndian: bigEndian)
                }
            }
            let scalars = try gather(tensor, from: storages[storage.key] ?? [], name: name, path: path)
            entries.append(
                StateDict.Entry(
                    name: name, dtype: storage.type.rawValue,
                    tensor: Tensor(shape: tensor.shape, scalars: scalars)))
        }
        return entries
    }

    /// The names and tensors of a state dict's pickled value (a dict of tensors, or a checkpoint's
    /// `{"state_dict": …}` or `{"model": …}`).
    static func stateDictTensors(
        _ root: PickleValue, path: String
    ) throws(WeightsError) -> [(name: String, tensor: TorchTensor)] {
        guard case .dict(var dict) = root else {
            throw .malformedPickle(path: path, offset: 0, reason: "the pickle is not a dictionary of tensors")
        }
        for key in ["state_dict", "model"] {
            if let inner = dict.items.first(where: { if case .string(key) = $0.key { true } else { false } }),
                case .dict(let nested) = inner.value
            {
                dict = nested
                break
            }
        }
        var tensors: [(name: String, tensor: TorchTensor)] = []
        for (key, value) in dict.items {
            guard case .string(let name) = key else {
                throw .malformedPickle(path: path, offset: 0, reason: "a state-dict key is not a string")
            }
            guard case .tensor(let tensor) = value else {
                throw .malformedPickle(path: path, offset: 0, reason: "'\(name)' is not a tensor")
            }
            tensors.append((name, tensor))
        }
        return tensors
    }

    /// The tensor's elements in row-major order, read through its offset and strides.
    static func gather(
        _ tensor: TorchTensor, from storage: [Float], name: String, path: String
    ) throws(WeightsError) -> [Float] {
        guard tensor.shape.count == tensor.strides.count, let count = elementCount(tensor.shape),
            tensor.offset >= 0, tensor.strides.allSatisfy({ $0 >= 0 })
        else {
            throw .badTensor(
                path: path, name: name,
                reason:
                    "size \(tensor.shape), stride \(tensor.strides), offset \(tensor.offset) make no tensor")
        }
        guard count > 0 else { return [] }
        // A tensor has no more elements than its storage, unless a stride of 0 repeats them (an expanded
        // view); even then, no more than 2^28 (1 GiB of Float).
        guard count <= 1 << 28, count <= storage.count || tensor.strides.contains(0) else {
            throw .badTensor(
                path: path, name: name,
                reason: "size \(tensor.shape) has \(count) elements, its storage \(storage.count)")
        }
        var last = tensor.offset
        for (size, stride) in zip(tensor.shape, tensor.strides) {
            let (step, overflow) = (size - 1).multipliedReportingOverflow(by: stride)
            let (sum, overflow2) = last.addingReportingOverflow(step)
            guard !overflow, !overflow2 else { last = Int.max; break }
            last = sum
        }
        guard last < storage.count else {
            throw .badTensor(
                path: path, name: name,
                reason:
                    "size \(tensor.shape), stride \(tensor.strides), offset \(tensor.offset) reach beyond "
                    + "its storage of \(storage.count) elements")
        }
        var contiguous = true
        var expected = 1
        for (size, stride) in zip(tensor.shape, tensor.strides).reversed() where size != 1 {
            if stride != expected { contiguous = false }
            expected *= size
        }
        if contiguous { return Array(storage[tensor.offset..<(tensor.offset + count)]) }
        var result = [Float]()
        result.reserveCapacity(count)
        var index = [Int](repeating: 0, count: tensor.shape.count)
        for _ in 0..<count {
            var at = tensor.offset
            for axis in index.indices { at += index[axis] * tensor.strides[axis] }
            result.append(storage[at])
            var axis = index.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < tensor.shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }
}
