// kUnderSanitizers: whether this test binary was built with AddressSanitizer
// (the .ci/sanitize stage: gcc's __SANITIZE_ADDRESS__ or clang's
// __has_feature), for the tests whose bounds or round counts differ there:
// instrumented, memory is kept in quarantine and each round of a crash loop
// is 3-7 times slower.
#pragma once

namespace ledger::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kUnderSanitizers = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kUnderSanitizers = true;
#else
inline constexpr bool kUnderSanitizers = false;
#endif
#else
inline constexpr bool kUnderSanitizers = false;
#endif

}  // namespace ledger::testing
