// Storage and display forms of the read models.
//
// Encode*/Decode*: the bytes a store keeps — a binary form (events/byte_io.h:
// a format byte 2, then every field in order, integers and lengths as
// varints, enums as numbers); Decode* also reads what stores written before
// it hold, the same fields (form 1: integers in 8 bytes; CBOR arrays), and
// returns DataLoss on bytes it cannot read (cut short, a value out of range,
// bytes left over). A binary from before form 2 cannot read a view written
// in it (DataLoss, "undecodable account view").
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

// Without `with_sealed`, the view's state alone: its sealed personal fields
// are left out (decoded: empty), for a store that keeps them apart.
std::string EncodeView(const AccountView& v, bool with_sealed = true);
Result<AccountView> DecodeView(std::string_view bytes);
std::string EncodeLink(const LinkView& l);
Result<LinkView> DecodeLink(std::string_view bytes);

Json ViewToJson(const AccountView& v);
Json LinkToJson(const LinkView& l);

// Binary form of a StatTable whose cells all share one scope (the store keeps
// one per scope and period): per cell, u16 id length, id, u8 profile, u8
// level, three i64 counts; little-endian, cells in order, all-zero cells left
// out, so equal tables encode to equal bytes. DataLoss on malformed bytes.
std::string EncodeStatTable(const StatTable& t);
Result<StatTable> DecodeStatTable(std::string_view bytes, Scope scope);
// `base` (EncodeStatTable bytes) plus `delta` (cells of the same scope), as
// EncodeStatTable would encode the sum — in one pass over `base`, without
// decoding it: the cost of folding a few changed cells into a table of
// thousands is a copy. DataLoss on malformed `base`.
Result<std::string> AddToEncodedStatTable(std::string_view base, const StatTable& delta);
// Decodes `bytes` and adds its cells into `into` (cells may become zero: they
// are dropped when encoded). DataLoss on malformed bytes, `into` then partly added.
Status AddStatTable(std::string_view bytes, Scope scope, StatTable& into);

}  // namespace ledger
