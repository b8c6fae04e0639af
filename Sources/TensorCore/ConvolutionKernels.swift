import Foundation
import _KhruKernels

/// Which implementation runs ``Tensor/conv2d(weight:bias:stride:padding:)`` and its gradients.
public enum ConvolutionKernels: String, Sendable {
    /// Khru's packed GEMM with implicit im2col, compiled for AVX-512 (whole-batch products, both
    /// cores through ``BLAS/threadCount``).
    case avx512
    /// im2col and one OpenBLAS `sgemm` per image (any CPU).
    case blas

    /// The implementation in use: ``avx512`` when the CPU has AVX-512 (F, DQ, BW, VL) and FMA, unless
    /// the environment variable `KHRU_CONV_KERNELS=blas` asks for the portable one.
    public static let current: ConvolutionKernels = {
        if ProcessInfo.processInfo.environment["KHRU_CONV_KERNELS"] == "blas" { return .blas }
        return cpuHasAVX512 ? .avx512 : .blas
    }()

    /// Whether `/proc/cpuinfo` lists the instruction sets the AVX-512 kernels were compiled for.
    static let cpuHasAVX512: Bool = {
        #if os(Linux) && arch(x86_64)
            guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
                let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
            else { return false }
            let present = Set(flags.split(separator: " ").map(String.init))
            return ["avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512cd"].allSatisfy(
                present.contains)
        #else
            return false
        #endif
    }()
}

extension ConvGeometry {
    /// The same sizes for the kernel module.
    var kernelShape: ConvolutionShape {
        ConvolutionShape(
            batch: n, channels: c, height: h, width: w, outChannels: o, kernelHeight: kh, kernelWidth: kw,
            stride: stride, padding: padding)
    }
}
