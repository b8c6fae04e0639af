#include "_KhruCPU.h"

#if defined(__x86_64__)
#include <cpuid.h>

static unsigned long long xgetbv0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

int khru_cpu_isa_level(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    const unsigned int leaf1 = ecx;
    // FMA (12), MOVBE (22), POPCNT (23), OSXSAVE (27), AVX (28), F16C (29).
    const unsigned int needed1 = (1u << 12) | (1u << 22) | (1u << 23) | (1u << 27) | (1u << 28) | (1u << 29);
    if ((leaf1 & needed1) != needed1) return 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    const unsigned int leaf7 = ebx;
    // BMI1 (3), AVX2 (5), BMI2 (8).
    const unsigned int needed7 = (1u << 3) | (1u << 5) | (1u << 8);
    if ((leaf7 & needed7) != needed7) return 0;
    if (!__get_cpuid(0x80000001, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 5))) return 0;  // LZCNT
    const unsigned long long xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return 0;  // the OS saves xmm and ymm state
    // AVX-512 F (16), DQ (17), CD (28), BW (30), VL (31); the OS saves opmask and zmm state.
    const unsigned int needed512 = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);
    if ((leaf7 & needed512) == needed512 && (xcr0 & 0xe0) == 0xe0) return 2;
    return 1;
}
#else
int khru_cpu_isa_level(void) { return 0; }
#endif
