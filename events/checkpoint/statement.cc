#include "events/checkpoint/statement.h"

#include <charconv>

#include "events/checkpoint/merkle.h"

namespace ledger::checkpoint {
namespace {

constexpr std::string_view kMagic = "ledger-checkpoint 1";

std::string PartitionLine(const PartitionMark& m) {
  return "partition " + std::to_string(m.partition) + " end_offset " +
         std::to_string(m.end_offset) + " records " + std::to_string(m.records) + " streams " +
         std::to_string(m.streams) + " heads_root " + ToHex(m.heads_root) + " log_digest " +
         ToHex(m.log_digest);
}

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at <= line.size()) {
    size_t space = line.find(' ', at);
    if (space == std::string_view::npos) space = line.size();
    out.push_back(line.substr(at, space - at));
    at = space + 1;
  }
  return out;
}

bool ReadInt(std::string_view s, int64_t* v) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && end == s.data() + s.size() && *v >= 0;
}

template <size_t N>
bool ReadHex(std::string_view s, std::array<uint8_t, N>* out) {
  return FromHex(s, out->data(), N);
}

// The file's lines, one by one, with their numbers for messages.
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}
  bool Next(std::string_view* line) {
    if (at_ >= text_.size()) return false;
    size_t nl = text_.find('\n', at_);
    if (nl == std::string_view::npos) nl = text_.size();  // a last line without "\n": not canonical
    *line = text_.substr(at_, nl - at_);
    at_ = nl + 1;
    ++number_;
    return true;
  }
  Status Error(const std::string& what) const {
    return InvalidArgument("line " + std::to_string(number_) + ": " + what);
  }
  // Reads the next line, which must be `key` then `n` values.
  Status Expect(std::string_view key, size_t n, std::vector<std::string_view>* values) {
    std::string_view line;
    if (!Next(&line)) {
      ++number_;
      return Error("missing (expected \"" + std::string(key) + " …\"): the file is cut short");
    }
    *values = Words(line);
    if (values->empty() || (*values)[0] != key || values->size() != n + 1)
      return Error("expected \"" + std::string(key) + "\" and " + std::to_string(n) + " value(s)");
    values->erase(values->begin());
    return OkStatus();
  }
  int number() const { return number_; }

 private:
  std::string_view text_;
  size_t at_ = 0;
  int number_ = 0;
};

}  // namespace

std::string StatementText(const Statement& s, const PublicKey& signer) {
  std::string out = std::string(kMagic) + "\n";
  out += "created_at " + FormatRfc3339(s.created_at) + "\n";
  out += "partitions " + std::to_string(s.partitions.size()) + "\n";
  for (const PartitionMark& m : s.partitions) out += PartitionLine(m) + "\n";
  out += "root " + ToHex(s.root) + "\n";
  out += "public_key ed25519 " + ToHex(signer) + "\n";
  return out;
}

std::string SignStatement(const Statement& s, const SigningKey& key) {
  const std::string text = StatementText(s, key.public_key());
  return text + "signature ed25519 " + ToHex(key.Sign(text)) + "\n";
}

Result<SignedCheckpoint> ParseCheckpoint(std::string_view file) {
  SignedCheckpoint c;
  Lines lines(file);
  std::string_view line;
  if (!lines.Next(&line) || line != kMagic)
    return lines.Error("not a ledger checkpoint (expected \"" + std::string(kMagic) + "\")");
  std::vector<std::string_view> v;
  LEDGER_RETURN_IF_ERROR(lines.Expect("created_at", 1, &v));
  std::optional<Timestamp> created = ParseRfc3339(v[0]);
  if (!created) return lines.Error("created_at: not an RFC 3339 UTC time");
  c.statement.created_at = *created;
  LEDGER_RETURN_IF_ERROR(lines.Expect("partitions", 1, &v));
  int64_t n = 0;
  if (!ReadInt(v[0], &n) || n < 1) return lines.Error("partitions: not a positive number");
  for (int64_t p = 0; p < n; ++p) {
    LEDGER_RETURN_IF_ERROR(lines.Expect("partition", 11, &v));
    PartitionMark m;
    int64_t number = 0;
    if (!ReadInt(v[0], &number) || number != p)
      return lines.Error("expected partition " + std::to_string(p) + " (partitions in order)");
    m.partition = static_cast<int32_t>(p);
    const char* names[] = {"end_offset", "records", "streams", "heads_root", "log_digest"};
    for (int i = 0; i < 5; ++i)
      if (v[1 + 2 * i] != names[i])
        return lines.Error("expected \"" + std::string(names[i]) + "\"");
    if (!ReadInt(v[2], &m.end_offset) || !ReadInt(v[4], &m.records) || !ReadInt(v[6], &m.streams))
      return lines.Error("partition " + std::to_string(p) + ": a count is not a number");
    if (m.records > m.end_offset || m.streams > m.records)
      return lines.Error("partition " + std::to_string(p) +
                         ": more records than offsets, or more streams than records");
    if (!ReadHex(v[8], &m.heads_root) || !ReadHex(v[10], &m.log_digest))
      return lines.Error("partition " + std::to_string(p) + ": a hash is not 64 hex digits");
    c.statement.partitions.push_back(m);
  }
  LEDGER_RETURN_IF_ERROR(lines.Expect("root", 1, &v));
  if (!ReadHex(v[0], &c.statement.root)) return lines.Error("root: not 64 hex digits");
  std::vector<Hash> roots;
  for (const PartitionMark& m : c.statement.partitions) roots.push_back(m.heads_root);
  if (RootOverPartitions(roots) != c.statement.root)
    return lines.Error("root does not match the partitions' heads roots");
  LEDGER_RETURN_IF_ERROR(lines.Expect("public_key", 2, &v));
  if (v[0] != "ed25519" || !ReadHex(v[1], &c.signer))
    return lines.Error("public_key: expected \"ed25519\" and 64 hex digits");
  LEDGER_RETURN_IF_ERROR(lines.Expect("signature", 2, &v));
  if (v[0] != "ed25519" || !ReadHex(v[1], &c.signature))
    return lines.Error("signature: expected \"ed25519\" and 128 hex digits");
  if (lines.Next(&line)) return lines.Error("unexpected text after the signature");

  c.signed_text = StatementText(c.statement, c.signer);
  const std::string canonical = c.signed_text + "signature ed25519 " + ToHex(c.signature) + "\n";
  if (canonical != file) {
    // The first line that differs from its canonical spelling.
    Lines got(file), want(canonical);
    std::string_view g, w;
    while (got.Next(&g) && want.Next(&w) && g == w) {
    }
    return InvalidArgument("line " + std::to_string(got.number()) +
                           ": not in canonical form (one space between words, lowercase hex, "
                           "numbers without leading zeros, every line ending in \"\\n\")");
  }
  return c;
}

Status VerifyStatementSignature(const SignedCheckpoint& c, const PublicKey& trusted) {
  if (c.signer != trusted)
    return PermissionDenied("signed by another key: the checkpoint names public key " +
                            ToHex(c.signer) + ", the trusted key is " + ToHex(trusted));
  if (!VerifySignature(trusted, c.signed_text, c.signature))
    return PermissionDenied(
        "the signature does not verify with the trusted key " + ToHex(trusted) +
        ": the statement was altered after it was signed (or the signature was)");
  return OkStatus();
}

}  // namespace ledger::checkpoint
