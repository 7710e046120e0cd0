// The one text form of every JSON answer, so `ledger … --format json` and the
// API print the same bytes: two-space indentation, UTF-8 kept as is (invalid
// bytes replaced), a final newline.
#pragma once

#include <string>

#include "events/json.h"

namespace ledger::query {

inline std::string JsonText(const Json& j) { return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n"; }

}  // namespace ledger::query
