#pragma once
// fma(a, b, c) in float, rounded once, on x86-64 CPUs without a fused multiply-add instruction, so
// that the baseline kernels compute the bits the FMA variants do. The product of two floats is
// exact in double (24 + 24 significant bits); their sum with c, rounded to double and then to
// float, goes wrong only when the first rounding lands on a float halfway point. Rounding the
// double sum to odd instead (its last bit set whenever the sum was inexact) removes that case:
// 53 bits >= 24 + 2, so rounding the odd-rounded sum to float gives the correctly rounded result
// (Boldo & Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms using
// rounding to odd", IEEE Transactions on Computers, 2008). The double sum's rounding error comes
// exactly from TwoSum. About ten SSE2 instructions per lane where an FMA CPU needs an eighth.
// Everything here has internal linkage: each file that includes it compiles its own copy.
#include <emmintrin.h>

namespace linlearn::simd {
namespace {

// Two lanes of a * b + z (doubles that hold floats), rounded to odd.
inline __m128d fma_round_to_odd(__m128d a, __m128d b, __m128d z) {
  const __m128d p = _mm_mul_pd(a, b);
  const __m128d s = _mm_add_pd(p, z);
  const __m128d t = _mm_sub_pd(s, p);
  const __m128d err = _mm_add_pd(_mm_sub_pd(p, _mm_sub_pd(s, t)), _mm_sub_pd(z, t));  // s + err == p + z
  // Inexact (false when s is not finite: err is then NaN): s truncated toward zero (one step down
  // in magnitude when err points back to zero; s != 0 whenever err != 0), then its last bit set.
  const __m128d zero = _mm_setzero_pd();
  const __m128i inexact =
      _mm_and_si128(_mm_castpd_si128(_mm_or_pd(_mm_cmplt_pd(err, zero), _mm_cmpgt_pd(err, zero))), _mm_set1_epi64x(1));
  const __m128i back = _mm_srli_epi64(_mm_castpd_si128(_mm_xor_pd(err, s)), 63);  // signs differ
  const __m128i bits = _mm_sub_epi64(_mm_castpd_si128(s), _mm_and_si128(back, inexact));
  return _mm_castsi128_pd(_mm_or_si128(bits, inexact));
}

// Four lanes of fma(a, b, c).
inline __m128 fma_by_double(__m128 a, __m128 b, __m128 c) {
  const __m128d low = fma_round_to_odd(_mm_cvtps_pd(a), _mm_cvtps_pd(b), _mm_cvtps_pd(c));
  const __m128d high = fma_round_to_odd(_mm_cvtps_pd(_mm_movehl_ps(a, a)), _mm_cvtps_pd(_mm_movehl_ps(b, b)),
                                        _mm_cvtps_pd(_mm_movehl_ps(c, c)));
  return _mm_movelh_ps(_mm_cvtpd_ps(low), _mm_cvtpd_ps(high));
}

// One lane of the same.
inline float fma_by_double(float a, float b, float c) {
  return _mm_cvtss_f32(fma_by_double(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c)));
}

}  // namespace
}  // namespace linlearn::simd
