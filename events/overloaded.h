// Overloaded: the visitor idiom for std::visit over the Payload and command
// variants — one lambda per alternative.
#pragma once

namespace ledger {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
// C++20 deduces this from the aggregate itself; clang before 17 does not
// implement that deduction (P1816) and needs the guide.
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace ledger
