#ifndef KHRU_CPU_H
#define KHRU_CPU_H

/// The x86-64 instruction-set level of this CPU, from its CPUID feature bits and the register state
/// the operating system saves (XGETBV): 1 for AVX2 with FMA and the other
/// features of `-target-cpu haswell` (AVX, AVX2, FMA, F16C, BMI1, BMI2, LZCNT, MOVBE, POPCNT; ymm state
/// enabled), 2 for that plus AVX-512 F, CD, BW, DQ and VL (`-target-cpu skylake-avx512`; opmask and zmm
/// state enabled), 0 otherwise and on other architectures. Never looks at model names.
int khru_cpu_isa_level(void);

#endif
