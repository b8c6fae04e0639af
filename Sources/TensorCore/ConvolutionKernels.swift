import Foundation
import _KhruCPU
import _KhruKernels
import _KhruKernelsAVX2
import _KhruKernelsAVX512

/// The instruction sets Khru's own kernels are compiled for, from the most portable.
///
/// The CPU's level comes from its CPUID feature bits (and the register state the operating system
/// saves), never from its model name. The environment variable `KHRU_ISA=avx512|avx2|generic` caps it,
/// so that an AVX-512 machine can run and test what an AVX2 or an older CPU runs; a cap above what the
/// CPU has changes nothing.
public enum InstructionSet: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    /// No vector kernels of Khru's own: OpenBLAS does the convolutions (any CPU, any architecture).
    case generic
    /// x86-64 with AVX2 and FMA (and what `-target-cpu haswell` assumes: F16C, BMI1/2, LZCNT, MOVBE).
    case avx2
    /// x86-64 with AVX-512 F, CD, BW, DQ and VL, besides everything ``avx2`` needs.
    case avx512

    /// The name `KHRU_ISA` takes: `generic`, `avx2` or `avx512`.
    public var description: String {
        switch self {
        case .generic: "generic"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }

    /// Parses a `KHRU_ISA` value: `generic`, `avx2` or `avx512` (case-insensitive; `avx-512` too, as
    /// bench/run accepts).
    ///
    /// - Returns: `nil` for anything else.
    public init?(name: String) {
        switch name.lowercased() {
        case "generic": self = .generic
        case "avx2": self = .avx2
        case "avx512", "avx-512": self = .avx512
        default: return nil
        }
    }

    /// Orders the instruction sets from the most portable: ``generic`` < ``avx2`` < ``avx512``.
    public static func < (lhs: InstructionSet, rhs: InstructionSet) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The best instruction set of this CPU (``generic`` on other architectures than x86-64).
    public static let cpu: InstructionSet = {
        #if arch(x86_64)
            switch khru_cpu_isa_level() {
            case 2: return .avx512
            case 1: return .avx2
            default: return .generic
            }
        #else
            return .generic
        #endif
    }()

    /// The instruction set Khru's kernels use: ``cpu``, capped by `KHRU_ISA` when it is set.
    ///
    /// An unknown `KHRU_ISA` value is reported once on standard error and ignored.
    public static let current: InstructionSet = resolve(
        requested: ProcessInfo.processInfo.environment["KHRU_ISA"], cpu: cpu)

    /// `cpu` capped by a `KHRU_ISA` value, with a warning on standard error for an unknown value.
    static func resolve(requested: String?, cpu: InstructionSet) -> InstructionSet {
        guard let requested, !requested.isEmpty else { return cpu }
        guard let cap = InstructionSet(name: requested) else {
            FileHandle.standardError.write(
                Data(
                    "warning: KHRU_ISA='\(requested)' is not one of avx512, avx2, generic; using \(cpu)\n"
                        .utf8))
            return cpu
        }
        return min(cap, cpu)
    }
}

/// Which implementation runs ``Tensor/conv2d(weight:bias:stride:padding:)`` and its gradients.
public enum ConvolutionKernels: String, Sendable, CaseIterable {
    /// Khru's kernels compiled for AVX-512 (`_KhruKernelsAVX512`: whole-batch products, both cores
    /// through ``BLAS/threadCount``).
    case avx512
    /// The same kernels compiled for AVX2 and FMA (`_KhruKernelsAVX2`), with a register blocking for
    /// 16 ymm registers.
    case avx2
    /// im2col and one OpenBLAS `sgemm` per chunk of images (any CPU), the copies on Khru's threads.
    case blas

    /// The implementation in use: the kernels of ``InstructionSet/current`` (OpenBLAS for
    /// ``InstructionSet/generic``), unless the environment variable `KHRU_CONV_KERNELS=blas` asks for
    /// the portable one.
    public static let current: ConvolutionKernels = {
        if ProcessInfo.processInfo.environment["KHRU_CONV_KERNELS"] == "blas" { return .blas }
        return kernels(for: InstructionSet.current)
    }()

    /// The implementation for an instruction set.
    public static func kernels(for isa: InstructionSet) -> ConvolutionKernels {
        switch isa {
        case .avx512: .avx512
        case .avx2: .avx2
        case .generic: .blas
        }
    }

    /// Every implementation this CPU can run (whatever `KHRU_ISA` says), fastest first.
    public static var supported: [ConvolutionKernels] {
        InstructionSet.allCases.filter { $0 <= InstructionSet.cpu }.reversed().map(kernels(for:))
    }

    /// The instruction set the implementation needs.
    var instructionSet: InstructionSet {
        switch self {
        case .avx512: .avx512
        case .avx2: .avx2
        case .blas: .generic
        }
    }

    /// Whether Khru's own kernels (one whole-batch call, bit-identical at any thread count) run.
    var isKhru: Bool { self != .blas }

    /// `output = conv2d(input, weight) + bias` with Khru's kernels for this instruction set.
    func forward(
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, shape: ConvolutionShape, threads: Int
    ) {
        checkCPU()
        switch self {
        case .avx512:
            _KhruKernelsAVX512.ISAConvolution.forward(
                input: input, weight: weight, bias: bias, output: output, shape: shape, threads: threads)
        case .avx2:
            _KhruKernelsAVX2.ISAConvolution.forward(
                input: input, weight: weight, bias: bias, output: output, shape: shape, threads: threads)
        case .blas: preconditionFailure("the OpenBLAS path has no whole-batch kernel")
        }
    }

    /// Both gradients (overwritten) with Khru's kernels for this instruction set.
    func gradients(
        gradient: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>, weightGradient: UnsafeMutablePointer<Float>,
        shape: ConvolutionShape, threads: Int
    ) {
        checkCPU()
        switch self {
        case .avx512:
            _KhruKernelsAVX512.ISAConvolution.gradients(
                gradient: gradient, input: input, weight: weight, inputGradient: inputGradient,
                weightGradient: weightGradient, shape: shape, threads: threads)
        case .avx2:
            _KhruKernelsAVX2.ISAConvolution.gradients(
                gradient: gradient, input: input, weight: weight, inputGradient: inputGradient,
                weightGradient: weightGradient, shape: shape, threads: threads)
        case .blas: preconditionFailure("the OpenBLAS path has no whole-batch kernel")
        }
    }

    /// The input gradient (overwritten) with Khru's kernels for this instruction set.
    func inputGradient(
        gradient: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>,
        shape: ConvolutionShape, threads: Int
    ) {
        checkCPU()
        switch self {
        case .avx512:
            _KhruKernelsAVX512.ISAConvolution.inputGradient(
                gradient: gradient, weight: weight, inputGradient: inputGradient, shape: shape,
                threads: threads)
        case .avx2:
            _KhruKernelsAVX2.ISAConvolution.inputGradient(
                gradient: gradient, weight: weight, inputGradient: inputGradient, shape: shape,
                threads: threads)
        case .blas: preconditionFailure("the OpenBLAS path has no whole-batch kernel")
        }
    }

    /// The weight gradient (overwritten) with Khru's kernels for this instruction set.
    func weightGradient(
        gradient: UnsafePointer<Float>, input: UnsafePointer<Float>,
        weightGradient: UnsafeMutablePointer<Float>,
        shape: ConvolutionShape, threads: Int
    ) {
        checkCPU()
        switch self {
        case .avx512:
            _KhruKernelsAVX512.ISAConvolution.weightGradient(
                gradient: gradient, input: input, weightGradient: weightGradient, shape: shape,
                threads: threads)
        case .avx2:
            _KhruKernelsAVX2.ISAConvolution.weightGradient(
                gradient: gradient, input: input, weightGradient: weightGradient, shape: shape,
                threads: threads)
        case .blas: preconditionFailure("the OpenBLAS path has no whole-batch kernel")
        }
    }

    /// Stops before an instruction the CPU lacks could run (an internal caller's mistake, never user
    /// input: ``current`` and ``supported`` only name what the CPU has).
    private func checkCPU() {
        precondition(
            instructionSet <= InstructionSet.cpu,
            "\(rawValue) kernels on a CPU whose best instruction set is \(InstructionSet.cpu)")
    }
}

extension ConvGeometry {
    /// The same sizes for the kernel module.
    var kernelShape: ConvolutionShape {
        ConvolutionShape(
            batch: n, channels: c, height: h, width: w, outChannels: o, kernelHeight: kh, kernelWidth: kw,
            stride: stride, padding: padding)
    }
}
