// Overloaded: the visitor idiom for std::visit over the Payload and command
// variants — one lambda per alternative.
#pragma once

namespace ledger {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};

}  // namespace ledger
