// kUnderSanitizers: whether this test binary was built with AddressSanitizer
// (the .ci/sanitize stage: gcc's __SANITIZE_ADDRESS__ or clang's
// __has_feature). For the tests whose loops repeat one fault many times
// (ledgerd's crash loop: killed 50 times): instrumented, each round is 3-7
// times slower, so they take fewer rounds there. The normal build runs the
// full count in every CI run; the instrumented one still kills mid-work, only
// less often. (Not the projectors' crash loops: instrumented, their first
// rounds end before anything is committed, and the window that widens until
// one does needs its 20.)
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

// The number of rounds of a crash loop: `normal`, or `instrumented` under the sanitizers.
constexpr int CrashRounds(int normal, int instrumented) { return kUnderSanitizers ? instrumented : normal; }

}  // namespace ledger::testing
