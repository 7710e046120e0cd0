#include "consumers/external_sorter.h"

#include <algorithm>
#include <cstring>

#include <lz4.h>

#include "consumers/run_file.h"

namespace ledger {
namespace {

constexpr size_t kHeader = 8;  // u32 key length, u32 value length
// Runs are written in LZ4 blocks of whole entries, about this size: the
// log's records take about half as much (a scale-20 rebuild's runs: 27 GB raw).
constexpr size_t kBlockBytes = size_t{128} << 10;
// A run being merged reads its file this many bytes at a time (run_file.h:
// past the page cache). Hundreds of runs are merged at once at scale 20.
constexpr size_t kReadBytes = size_t{256} << 10;

std::string_view KeyAt(const char* entry) {
  uint32_t k;
  std::memcpy(&k, entry, 4);
  return {entry + kHeader, k};
}

uint64_t BigEndian8(const char* p, size_t n) {  // n ≤ 8 bytes, zero padded
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | (i < n ? static_cast<unsigned char>(p[i]) : 0u);
  return v;
}

}  // namespace

// A sorted run read back from its file, which it removes when done: blocks
// of whole entries, each "u32 raw size, u32 compressed size, LZ4 bytes"
// (compressed size 0: the raw bytes).
class ExternalSorter::RunReader final : public SortedEntries {
 public:
  explicit RunReader(std::filesystem::path path) : path_(std::move(path)) {}
  ~RunReader() override {
    file_.reset();
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  Result<bool> Next() override {
    if (file_ == nullptr) {
      LEDGER_ASSIGN_OR_RETURN(file_, RunFileReader::Open(path_, kReadBytes));
    }
    if (at_ == block_.size()) {
      LEDGER_ASSIGN_OR_RETURN(bool more, ReadBlock());
      if (!more) return false;
    }
    if (block_.size() - at_ < kHeader) return Corrupt();
    uint32_t k, v;
    std::memcpy(&k, block_.data() + at_, 4);
    std::memcpy(&v, block_.data() + at_ + 4, 4);
    if (block_.size() - at_ - kHeader < size_t{k} + v) return Corrupt();
    key_ = std::string_view(block_.data() + at_ + kHeader, k);
    value_ = std::string_view(block_.data() + at_ + kHeader + k, v);
    at_ += kHeader + k + v;
    return true;
  }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }

 private:
  Result<bool> ReadBlock() {
    char header[8];
    LEDGER_ASSIGN_OR_RETURN(bool any, file_->Read(header, sizeof header));
    if (!any) return false;
    uint32_t raw, packed;
    std::memcpy(&raw, header, 4);
    std::memcpy(&packed, header + 4, 4);
    block_.resize(raw);
    at_ = 0;
    if (packed == 0) {  // stored as it is
      LEDGER_ASSIGN_OR_RETURN(bool read, file_->Read(block_.data(), raw));
      return read ? Result<bool>(true) : CutShort();
    }
    packed_.resize(packed);
    LEDGER_ASSIGN_OR_RETURN(bool read, file_->Read(packed_.data(), packed));
    if (!read) return CutShort();
    if (LZ4_decompress_safe(packed_.data(), block_.data(), static_cast<int>(packed), static_cast<int>(raw)) !=
        static_cast<int>(raw))
      return Corrupt();
    return true;
  }
  Status CutShort() const { return Unavailable("sort file " + path_.string() + ": cut short"); }
  Status Corrupt() const { return Unavailable("sort file " + path_.string() + ": a block does not decode"); }

  std::filesystem::path path_;
  std::unique_ptr<RunFileReader> file_;
  std::string packed_, block_;
  size_t at_ = 0;
  std::string_view key_, value_;
};

// The last buffer, sorted in memory and never written.
class ExternalSorter::MemoryReader final : public SortedEntries {
 public:
  MemoryReader(std::vector<char> buffer, std::vector<Slot> slots)
      : buffer_(std::move(buffer)), slots_(std::move(slots)) {}
  Result<bool> Next() override { return ++i_ < slots_.size(); }
  std::string_view key() const override { return KeyAt(buffer_.data() + slots_[i_].at); }
  std::string_view value() const override {
    const char* e = buffer_.data() + slots_[i_].at;
    uint32_t k, v;
    std::memcpy(&k, e, 4);
    std::memcpy(&v, e + 4, 4);
    return {e + kHeader + k, v};
  }

 private:
  std::vector<char> buffer_;
  std::vector<Slot> slots_;
  size_t i_ = static_cast<size_t>(-1);
};

// Several sorted inputs as one: a heap of their current entries, ties to the
// earlier input.
class ExternalSorter::Merger final : public SortedEntries {
 public:
  explicit Merger(std::vector<std::unique_ptr<SortedEntries>> in) : in_(std::move(in)) {}
  Result<bool> Next() override {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < in_.size(); ++i) {
        LEDGER_ASSIGN_OR_RETURN(bool more, in_[i]->Next());
        if (more) Push(i);
      }
    } else if (!heap_.empty()) {
      const size_t top = heap_.front();
      std::pop_heap(heap_.begin(), heap_.end(), After{this});
      heap_.pop_back();
      LEDGER_ASSIGN_OR_RETURN(bool more, in_[top]->Next());
      if (more) Push(top);
      else in_[top].reset();  // a run's file goes as soon as it is read
    }
    return !heap_.empty();
  }
  std::string_view key() const override { return in_[heap_.front()]->key(); }
  std::string_view value() const override { return in_[heap_.front()]->value(); }

 private:
  struct After {  // the heap's order: the greatest key (then the later input) sinks
    const Merger* m;
    bool operator()(size_t a, size_t b) const {
      const int c = m->in_[a]->key().compare(m->in_[b]->key());
      return c != 0 ? c > 0 : a > b;
    }
  };
  void Push(size_t i) {
    heap_.push_back(i);
    std::push_heap(heap_.begin(), heap_.end(), After{this});
  }
  std::vector<std::unique_ptr<SortedEntries>> in_;
  std::vector<size_t> heap_;
  bool started_ = false;
};

ExternalSorter::ExternalSorter(std::filesystem::path dir, std::string name, size_t memory_bytes, bool compress)
    : dir_(std::move(dir)), name_(std::move(name)), memory_bytes_(memory_bytes), compress_(compress) {
  buffer_.reserve(memory_bytes_);
}

ExternalSorter::~ExternalSorter() {
  std::error_code ec;
  for (const auto& r : runs_) std::filesystem::remove(r, ec);
}

Status ExternalSorter::Add(std::string_view key, std::string_view value) {
  const size_t need = kHeader + key.size() + value.size();
  if (!buffer_.empty() && buffer_.size() + (slots_.size() + 1) * sizeof(Slot) + need > memory_bytes_)
    LEDGER_RETURN_IF_ERROR(Spill());
  const size_t at = buffer_.size();
  buffer_.resize(at + need);
  const uint32_t k = static_cast<uint32_t>(key.size()), v = static_cast<uint32_t>(value.size());
  char* e = buffer_.data() + at;
  std::memcpy(e, &k, 4);
  std::memcpy(e + 4, &v, 4);
  std::memcpy(e + kHeader, key.data(), k);
  std::memcpy(e + kHeader + k, value.data(), v);
  const size_t first = std::min<size_t>(k, 8);
  slots_.push_back({{BigEndian8(key.data(), first), BigEndian8(key.data() + first, std::min<size_t>(k - first, 8))},
                    at});
  ++entries_;
  return OkStatus();
}

void ExternalSorter::SortBuffer() {
  const char* base = buffer_.data();
  std::sort(slots_.begin(), slots_.end(), [base](const Slot& a, const Slot& b) {
    if (a.prefix[0] != b.prefix[0]) return a.prefix[0] < b.prefix[0];
    if (a.prefix[1] != b.prefix[1]) return a.prefix[1] < b.prefix[1];
    const int c = KeyAt(base + a.at).compare(KeyAt(base + b.at));
    return c != 0 ? c < 0 : a.at < b.at;  // equal keys in their order of arrival
  });
}

Status ExternalSorter::Spill() {
  SortBuffer();
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  const std::filesystem::path path = dir_ / (name_ + "-" + std::to_string(runs_.size()) + ".run");
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<RunFileWriter> f, RunFileWriter::Create(path));
  runs_.push_back(path);
  std::string raw, packed;
  auto flush = [&]() -> Status {
    if (raw.empty()) return OkStatus();
    if (!compress_) {
      const uint32_t sizes[2] = {static_cast<uint32_t>(raw.size()), 0};
      LEDGER_RETURN_IF_ERROR(f->Append(reinterpret_cast<const char*>(sizes), 8));
      LEDGER_RETURN_IF_ERROR(f->Append(raw.data(), raw.size()));
      raw.clear();
      return OkStatus();
    }
    packed.resize(sizeof(uint32_t) * 2 + static_cast<size_t>(LZ4_compressBound(static_cast<int>(raw.size()))));
    const int n = LZ4_compress_default(raw.data(), packed.data() + 8, static_cast<int>(raw.size()),
                                       static_cast<int>(packed.size() - 8));
    if (n <= 0) return Unavailable("sort file " + path.string() + ": a block does not compress");
    const uint32_t sizes[2] = {static_cast<uint32_t>(raw.size()), static_cast<uint32_t>(n)};
    std::memcpy(packed.data(), sizes, 8);
    LEDGER_RETURN_IF_ERROR(f->Append(packed.data(), 8 + static_cast<size_t>(n)));
    raw.clear();
    return OkStatus();
  };
  for (const Slot& slot : slots_) {
    const char* e = buffer_.data() + slot.at;
    uint32_t k, v;
    std::memcpy(&k, e, 4);
    std::memcpy(&v, e + 4, 4);
    if (!raw.empty() && raw.size() + kHeader + k + v > kBlockBytes) LEDGER_RETURN_IF_ERROR(flush());
    raw.append(e, kHeader + k + v);
  }
  LEDGER_RETURN_IF_ERROR(flush());
  LEDGER_RETURN_IF_ERROR(f->Close());
  buffer_.clear();
  slots_.clear();
  return OkStatus();
}

Result<std::unique_ptr<SortedEntries>> ExternalSorter::Merge(std::vector<ExternalSorter*> sorters) {
  std::vector<std::unique_ptr<SortedEntries>> in;
  for (ExternalSorter* s : sorters) {
    for (auto& r : s->runs_) in.push_back(std::make_unique<RunReader>(std::move(r)));
    s->runs_.clear();
    s->SortBuffer();
    in.push_back(std::make_unique<MemoryReader>(std::move(s->buffer_), std::move(s->slots_)));
    s->buffer_ = {};
    s->slots_ = {};
  }
  return std::unique_ptr<SortedEntries>(std::make_unique<Merger>(std::move(in)));
}

}  // namespace ledger
