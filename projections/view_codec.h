// Storage and display forms of the read models.
//
// Encode*/Decode*: the bytes a store keeps (CBOR via nlohmann-json, enums as
// numbers, compact); Decode* returns DataLoss on bytes it cannot read.
// *ToJson: the display form for `--format json` and the HTTP API, enums by
// name, times in RFC 3339; never names of people (views hold none).
#pragma once

#include <string>
#include <string_view>

#include "events/json.h"
#include "events/status.h"
#include "projections/account_view.h"
#include "projections/stats.h"

namespace ledger {

std::string EncodeView(const AccountView& v);
Result<AccountView> DecodeView(std::string_view bytes);
std::string EncodeLink(const LinkView& l);
Result<LinkView> DecodeLink(std::string_view bytes);

Json ViewToJson(const AccountView& v);
Json LinkToJson(const LinkView& l);

// Fixed 24-byte little-endian form of StatCounts (the merge operator adds these).
std::string EncodeCounts(const StatCounts& c);
StatCounts DecodeCounts(std::string_view bytes);  // zero counts if the size is wrong

}  // namespace ledger
