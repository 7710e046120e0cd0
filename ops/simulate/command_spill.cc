#include "ops/simulate/command_spill.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "aggregates/command_bytes.h"

namespace ledger::sim {
namespace {

constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(kNonce == 24 && crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

CommandSpill::CommandSpill(std::filesystem::path dir, size_t run_size)
    : dir_(std::move(dir)), run_size_(std::max<size_t>(run_size, 1)) {}

CommandSpill::~CommandSpill() {
  runs_.clear();  // closes the files
  sodium_memzero(key_.data(), key_.size());
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Result<std::unique_ptr<CommandSpill>> CommandSpill::Create(std::filesystem::path dir, size_t run_size) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  std::error_code ec;
  if (std::filesystem::exists(dir, ec))
    return FailedPrecondition(dir.string() + " exists: an earlier run's spill (remove it)");
  if (!std::filesystem::create_directories(dir, ec))
    return Unavailable("cannot create " + dir.string() + ": " + ec.message());
  std::unique_ptr<CommandSpill> spill(new CommandSpill(std::move(dir), run_size));
  randombytes_buf(spill->key_.data(), spill->key_.size());
  return spill;
}

Status CommandSpill::Add(Command c) {
  if (finished_) return Internal("CommandSpill::Add after Finish");
  pending_.push_back(std::move(c));
  ++added_;
  return pending_.size() >= run_size_ ? SpillRun() : OkStatus();
}

Status CommandSpill::Finish() {
  if (finished_) return OkStatus();
  finished_ = true;
  if (!pending_.empty()) LEDGER_RETURN_IF_ERROR(SpillRun());
  for (auto& run : runs_) {
    run->in.open(run->file, std::ios::binary);
    if (!run->in) return Unavailable("cannot read " + run->file.string());
    LEDGER_RETURN_IF_ERROR(Refill(*run));
  }
  for (size_t i = 0; i < runs_.size(); ++i)
    if (!runs_[i]->chunk.empty()) heap_.emplace_back(runs_[i]->chunk.front().at, i);
  std::make_heap(heap_.begin(), heap_.end(), Later);
  return OkStatus();
}

// One run: chunks of u32 length ‖ nonce ‖ sealed CBOR array of commands.
Status CommandSpill::SpillRun() {
  std::stable_sort(pending_.begin(), pending_.end(), [](const Command& a, const Command& b) { return a.at < b.at; });
  auto run = std::make_unique<Run>();
  run->file = dir_ / ("run-" + std::to_string(runs_.size()));
  std::ofstream out(run->file, std::ios::binary | std::ios::trunc);
  for (size_t i = 0; i < pending_.size() && out; i += kChunk) {
    std::string plain;
    for (size_t k = i; k < std::min(pending_.size(), i + kChunk); ++k) AppendCommandBytes(pending_[k], plain);
    std::string sealed(kNonce + plain.size() + kTag, '\0');
    unsigned char* nonce = reinterpret_cast<unsigned char*>(sealed.data());
    std::memset(nonce, 0, kNonce);
    const uint64_t counter = ++nonce_counter_;  // one key per spill, a nonce per chunk
    std::memcpy(nonce, &counter, sizeof counter);
    unsigned long long len = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + kNonce, &len, U(plain), plain.size(), nullptr, 0,
                                               nullptr, nonce, key_.data());
    sodium_memzero(plain.data(), plain.size());
    const uint32_t size = static_cast<uint32_t>(sealed.size());
    out.write(reinterpret_cast<const char*>(&size), sizeof size);
    out.write(sealed.data(), static_cast<std::streamsize>(sealed.size()));
  }
  out.flush();
  if (!out) return Unavailable("cannot write " + run->file.string() + " (is the disk full?)");
  pending_.clear();
  runs_.push_back(std::move(run));
  return OkStatus();
}

Status CommandSpill::Refill(Run& run) {
  run.chunk.clear();
  run.pos = 0;
  uint32_t size = 0;
  const std::string where = run.file.string() + " chunk " + std::to_string(run.chunks_read);
  if (!run.in.read(reinterpret_cast<char*>(&size), sizeof size)) {
    if (run.in.gcount() == 0 && run.in.eof()) return OkStatus();  // the run's end
    return DataLoss(where + ": cut short");
  }
  if (size < kNonce + kTag || size > (64u << 20)) return DataLoss(where + ": a chunk of " + std::to_string(size) + " bytes");
  std::string sealed(size, '\0');
  if (!run.in.read(sealed.data(), size)) return DataLoss(where + ": cut short");
  std::string plain(size - kNonce - kTag, '\0');
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()), &len, nullptr,
                                                 U(sealed) + kNonce, size - kNonce, nullptr, 0, U(sealed),
                                                 key_.data()) != 0)
    return DataLoss(where + ": does not authenticate");
  Status read;
  for (std::string_view in = plain; !in.empty() && read.ok();) {
    Result<Command> c = ReadCommandBytes(in);
    if (c.ok()) {
      run.chunk.push_back(std::move(*c));
    } else {
      read = c.status().WithContext(where);
    }
  }
  sodium_memzero(plain.data(), plain.size());
  if (!read.ok()) return read;
  if (run.chunk.empty()) return DataLoss(where + ": no command in it");
  ++run.chunks_read;
  return OkStatus();
}

// Heap entries (head time, run index), earliest on top; ties go to the
// earlier run, whose commands were added first.
bool CommandSpill::Later(const std::pair<Timestamp, size_t>& a, const std::pair<Timestamp, size_t>& b) {
  return a > b;
}

Result<std::vector<Command>> CommandSpill::Next(size_t n) {
  if (!finished_) return Internal("CommandSpill::Next before Finish");
  std::vector<Command> out;
  while (out.size() < n && !heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    const size_t index = heap_.back().second;
    heap_.pop_back();
    Run& run = *runs_[index];
    out.push_back(std::move(run.chunk[run.pos++]));
    if (run.pos >= run.chunk.size()) LEDGER_RETURN_IF_ERROR(Refill(run));
    if (run.pos < run.chunk.size()) {
      heap_.emplace_back(run.chunk[run.pos].at, index);
      std::push_heap(heap_.begin(), heap_.end(), Later);
    }
  }
  return out;
}

}  // namespace ledger::sim
