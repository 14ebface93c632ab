/*
 * libtorch's CPU builds carry Intel oneMKL (2024.0 in libtorch 2.10), which picks its kernels
 * by CPU vendor as well as by instruction set: on AMD processors it runs its AVX2 kernels even
 * where the CPU has AVX-512 (Zen 4, Zen 5). MKL asks "is this an Intel CPU?" through
 * mkl_serv_intel_cpu_true(), an exported function that libtorch_cpu.so calls through its PLT.
 * Defining it here and loading this library with RTLD_GLOBAL before libtorch
 * (PlmKit.Models.TorchRuntime does that) makes MKL choose by instruction set only; its
 * kernels still check cpuid for every instruction-set extension they use.
 * Measured on a 2-core AMD EPYC (Zen 5): fp32 1024^3 matmul 220 -> 460 GFLOP/s.
 * Set PLMKIT_MKL_DISPATCH=vendor to keep MKL's own choice (TorchRuntime then never loads this).
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
