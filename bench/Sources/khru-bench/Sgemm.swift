import COpenBLAS
import Foundation
import TensorCore

/// `c = a · b` for square row-major `n × n` matrices, straight through OpenBLAS's `cblas_sgemm`.
func rawSgemm(_ a: [Float], _ b: [Float], into c: inout [Float], n: Int) {
    let size = Int32(n)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, size, size, size, 1, a, size, b, size, 0, &c, size)
}

/// OpenBLAS's build configuration, the kernel set it picked for this CPU (`DYNAMIC_ARCH`) and its
/// thread count (OPENBLAS_NUM_THREADS).
func openBLASDescription() -> String {
    let config = openblas_get_config().map { String(cString: $0) } ?? "?"
    let core = openblas_get_corename().map { String(cString: $0) } ?? "?"
    return "\(config); core \(core); \(openblas_get_num_threads()) thread(s)"
}

/// The instruction set Khru's kernels use, the CPU's own (from its CPUID bits), the `KHRU_ISA` cap and
/// the convolution kernels that run.
func instructionSetDescription() -> String {
    let cap = ProcessInfo.processInfo.environment["KHRU_ISA"].map { "KHRU_ISA=\($0)" } ?? "no KHRU_ISA"
    return "isa: \(InstructionSet.current) (cpu \(InstructionSet.cpu), \(cap)); "
        + "conv kernels: \(ConvolutionKernels.current.rawValue)"
}
