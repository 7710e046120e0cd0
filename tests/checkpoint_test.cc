// `ledger checkpoint` and `ledger verify --checkpoint` (issue 15, item 5) as
// an operator and an auditor meet them, on a real embedded log on disk: a
// small `ledger demo`, a checkpoint, then, each on a fresh copy of the data
// directory, history rewritten the ways the segment format allows while still
// reading (frames re-encoded with their crc32, offsets renumbered): an event
// altered, a record deleted, two events of a stream swapped, a segment file
// removed, a partition truncated — each refused, naming where. A ledger that
// only grew verifies; an edited checkpoint, or another key's, is refused.
// Also `ledger export --with-body`: every hash recomputed from the export's
// text alone with libsodium.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "events/codec.h"
#include "events/embedded/frame.h"
#include "events/testing/temp_dir.h"
#include "tests/ledger_runner.h"

namespace {

namespace fs = std::filesystem;
using ledger::testing::CliRun;
using ledger::testing::RunLedger;
using ledger::testing::FileBytes;

// A run of records of one key in a segment file (events/embedded/frame.h):
// its values at base, base + 1, …, and whether its frame was compressed. A
// stored frame holds a partition's share of a whole commit (several keys);
// each run is written back as a frame of its own, which holds the same records
// at the same offsets.
struct Frame {
  int64_t base = 0;
  std::string key;
  std::vector<std::string> values;
  bool compressed = false;
};

std::vector<Frame> ReadSegment(const fs::path& file) {
  const std::string bytes = FileBytes(file);
  std::vector<Frame> frames;
  for (size_t pos = 0; pos < bytes.size();) {
    const ledger::embedded::FramePrefix p =
        ledger::embedded::ParsePrefix(std::string_view(bytes).substr(pos));
    std::vector<std::pair<std::string_view, std::string_view>> records;
    std::string scratch;
    const std::string_view payload = std::string_view(bytes).substr(pos + 12, p.payload_len);
    EXPECT_EQ(ledger::embedded::DecodeRecords(p, payload, &scratch, &records), "");
    const bool compressed = p.magic == ledger::embedded::kCompressedFrameMagic;
    for (size_t i = 0; i < records.size(); ++i) {
      if (i == 0 || records[i].first != records[i - 1].first)
        frames.push_back(Frame{p.base_offset + static_cast<int64_t>(i),
                               std::string(records[i].first), {}, compressed});
      frames.back().values.emplace_back(records[i].second);
    }
    pos += static_cast<size_t>(p.frame_bytes());
  }
  return frames;
}

// Writes `frames` as a segment, each frame re-encoded as it was stored (its
// crc32 recomputed).
void WriteSegment(const fs::path& file, const std::vector<Frame>& frames) {
  std::string bytes, frame;
  for (const Frame& f : frames) {
    std::string records;
    ledger::embedded::AppendRecords(f.key, f.values, &records);
    ledger::embedded::EncodeFrame(f.base, static_cast<uint32_t>(f.values.size()), records,
                                  f.compressed ? ledger::embedded::FrameCompression::kZstd
                                               : ledger::embedded::FrameCompression::kNone,
                                  &frame);
    bytes += frame;
  }
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
}

std::string SegmentName(int64_t base) {
  char name[32];
  std::snprintf(name, sizeof name, "%020lld.seg", static_cast<long long>(base));
  return name;
}

ledger::DecodedRecord Decode(const std::string& value) {
  ledger::Result<ledger::DecodedRecord> d = ledger::DecodeRecord(value);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return d.ok() ? *d : ledger::DecodedRecord{};
}

std::string Position(int partition, int64_t offset, const ledger::Event& e) {
  return "log partition " + std::to_string(partition) + " offset " + std::to_string(offset) +
         ": stream " + e.stream.str() + " seq " + std::to_string(e.seq) + ": ";
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<uint8_t> Unhex(const std::string& hex) {
  std::vector<uint8_t> out(hex.size() / 2);
  size_t len = 0;
  EXPECT_EQ(sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &len, nullptr),
            0);
  return out;
}

class CheckpointTest : public ::testing::Test {
 protected:
  // One demo and its checkpoint for the whole suite; each test works on a copy.
  static void SetUpTestSuite() {
    pristine_ = new ledger::testing::TempDir("ckpt-pristine");
    const fs::path d = pristine_->path() / "data";
    CliRun demo = RunLedger({"demo", "--scale", "0.005", "--data", d.string()}, pristine_->path());
    ASSERT_EQ(demo.code, 0) << demo.err;
    first_ = new CliRun(
        RunLedger({"checkpoint", "-o", Ckpt().string(), "--data", d.string()}, pristine_->path()));
    ASSERT_EQ(first_->code, 0) << first_->err;
    export_ = new CliRun(
        RunLedger({"export", "--format", "jsonl", "--data", d.string()}, pristine_->path()));
    ASSERT_EQ(export_->code, 0) << export_->err;
  }
  static void TearDownTestSuite() {
    delete pristine_;
    delete first_;
    delete export_;
  }
  static fs::path Ckpt() { return pristine_->path() / "first.ckpt"; }

  void SetUp() override {
    fs::copy(pristine_->path() / "data", data_, fs::copy_options::recursive);
  }

  CliRun Ledger(std::vector<std::string> args) {
    args.push_back("--data");
    args.push_back(data_.string());
    return RunLedger(args, tmp_.path());
  }
  CliRun Verify(const fs::path& ckpt = Ckpt()) {
    return Ledger({"verify", "--checkpoint", ckpt.string()});
  }

  // verify exits 1 with this message (after "ledger: DATA_LOSS: ").
  void ExpectBroken(const std::string& message) {
    CliRun r = Verify();
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "ledger: DATA_LOSS: the log does not extend checkpoint " + Ckpt().string() +
                         ": " + message + "\n");
    std::printf("  %s", r.err.c_str());  // for the reader of the test's output
  }

  fs::path PartitionDir(int p) const {
    char name[8];
    std::snprintf(name, sizeof name, "p%03d", p);
    return data_ / "log" / name;
  }
  // The partition holding the most frames (its only segment: the demo's log
  // is far below 64 MiB a partition).
  int BusiestPartition() const {
    int best = 0;
    uintmax_t best_size = 0;
    for (int p = 0; fs::exists(PartitionDir(p)); ++p)
      if (uintmax_t s = fs::file_size(PartitionDir(p) / SegmentName(0)); s > best_size)
        best = p, best_size = s;
    return best;
  }
  // The checkpoint's end offset of partition p, read from its text.
  static int64_t StatedEnd(int p) {
    const std::string text = FileBytes(Ckpt());
    const std::string tag = "partition " + std::to_string(p) + " end_offset ";
    const size_t at = text.find(tag) + tag.size();
    return std::stoll(text.substr(at, text.find(' ', at) - at));
  }
  static std::string StatementLine(const std::string& key) {
    for (const std::string& line : SplitLines(FileBytes(Ckpt())))
      if (line.starts_with(key + " ")) return line.substr(key.size() + 1);
    return "";
  }

  static ledger::testing::TempDir* pristine_;
  static CliRun* first_;
  static CliRun* export_;
  ledger::testing::TempDir tmp_{"ckpt"};
  const fs::path data_ = tmp_.path() / "data";
};

ledger::testing::TempDir* CheckpointTest::pristine_ = nullptr;
CliRun* CheckpointTest::first_ = nullptr;
CliRun* CheckpointTest::export_ = nullptr;

TEST_F(CheckpointTest, FirstUseCreatesThePrivateKeyAndSaysWhereItsPublicHalfIs) {
  const fs::path d = pristine_->path() / "data";
  EXPECT_EQ(first_->err,
            "ledger checkpoint: created the signing key " + (d / "checkpoint.key").string() +
                " (mode 0600: keep it secret and back it up); its public half is " +
                (d / "checkpoint.pub").string() +
                ": give a copy of that file to auditors (ledger verify --public-key)\n");
  EXPECT_EQ(fs::status(d / "checkpoint.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_TRUE(FileBytes(d / "checkpoint.key").starts_with("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_TRUE(FileBytes(d / "checkpoint.pub").starts_with("-----BEGIN PUBLIC KEY-----\n"));
  EXPECT_TRUE(first_->out.starts_with("checkpoint " + Ckpt().string() + ": 12 partitions, " +
                                      std::to_string(SplitLines(export_->out).size()) +
                                      " records, "))
      << first_->out;

  // The second checkpoint uses the same key, silently, and states the same log.
  CliRun again = Ledger({"checkpoint", "-o", (tmp_.path() / "again.ckpt").string()});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.err, "");
  const std::string a = FileBytes(Ckpt()), b = FileBytes(tmp_.path() / "again.ckpt");
  auto body = [](const std::string& t) {
    return t.substr(t.find("partitions "), t.find("signature ") - t.find("partitions "));
  };
  EXPECT_EQ(body(a), body(b)) << "same partitions, root and key";

  // A key others can read is refused, naming the file and its mode.
  fs::permissions(data_ / "checkpoint.key", fs::perms::group_read | fs::perms::others_read,
                  fs::perm_options::add);
  CliRun open = Ledger({"checkpoint", "-o", (tmp_.path() / "x.ckpt").string()});
  EXPECT_EQ(open.code, 1);
  EXPECT_NE(
      open.err.find(
          (data_ / "checkpoint.key").string() +
          ": the signing key is accessible to others (mode 0644): it must be private to its owner"),
      std::string::npos)
      << open.err;
  EXPECT_FALSE(fs::exists(tmp_.path() / "x.ckpt"));
}

TEST_F(CheckpointTest, TheCommandsExplainThemselves) {
  CliRun all = RunLedger(std::vector<std::string>{"--help"}, tmp_.path());
  EXPECT_EQ(all.code, 0);
  EXPECT_NE(all.out.find("\n  checkpoint "), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("\n  verify "), std::string::npos) << all.out;
  for (const auto& [sub, flags] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"checkpoint", {"-o,--output", "--key", "--data", "--log"}},
           {"verify", {"--checkpoint", "--public-key", "--data", "--log"}},
           {"export", {"--with-body"}}}) {
    CliRun r = RunLedger({sub, "--help"}, tmp_.path());
    EXPECT_EQ(r.code, 0) << sub;
    for (const std::string& flag : flags)
      EXPECT_NE(r.out.find(flag), std::string::npos) << sub << " " << flag;
  }
  EXPECT_EQ(Ledger({"verify"}).code, 2) << "--checkpoint is required";
  EXPECT_EQ(Ledger({"checkpoint"}).code, 2) << "-o is required";
}

TEST_F(CheckpointTest, TheUntouchedLedgerVerifies) {
  CliRun r = Verify();
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with(
      "checkpoint " + Ckpt().string() + " verified: the log extends it — 12 partitions, " +
      std::to_string(SplitLines(export_->out).size()) +
      " records up to its end offsets and 0 appended since, every chain of "))
      << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "one line";
  EXPECT_EQ(r.err, "");
}

TEST_F(CheckpointTest, TheLedgerThatGrewAfterwardsVerifies) {
  // Pupils still schooled at the end of the year change class: new events on
  // existing streams, in several partitions.
  std::map<std::string, std::string> last_type;  // pupil stream -> type of its last event
  for (const std::string& line : SplitLines(export_->out)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    const std::string stream = j["stream"];
    if (j["type"] == "AccountCreated" && j["data"]["kind"] == "pupil")
      last_type[stream] = "AccountCreated";
    else if (last_type.count(stream))
      last_type[stream] = j["type"];
  }
  std::string commands;
  int n = 0;
  for (const auto& [pupil, type] : last_type) {
    if (type == "AccountClosed") continue;
    commands +=
        R"({"command_id":"ckpt-)" + std::to_string(n) +
        R"(","at":"2023-08-25T09:00:00Z","actor":{"kind":"system","id":"siecle"},"type":"ChangeClass","pupil":")" +
        pupil + R"(","class":"9Z)" + std::to_string(n) + "\"}\n";
    if (++n == 5) break;
  }
  std::ofstream(tmp_.path() / "more.jsonl") << commands;
  CliRun submit = Ledger({"submit", (tmp_.path() / "more.jsonl").string()});
  ASSERT_EQ(submit.code, 0) << submit.out << submit.err;

  CliRun r = Verify();
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string pub = StatementLine("public_key").substr(std::string("ed25519 ").size());
  size_t streams = 0;
  {
    std::map<std::string, int> seen;
    for (const std::string& line : SplitLines(export_->out))
      seen[nlohmann::json::parse(line)["stream"]] = 1;
    streams = seen.size();
  }
  EXPECT_EQ(r.out, "checkpoint " + Ckpt().string() +
                       " verified: the log extends it — 12 partitions, " +
                       std::to_string(SplitLines(export_->out).size()) +
                       " records up to its end offsets and 5 appended since, every chain of " +
                       std::to_string(streams) + " streams verified from its first event; signed " +
                       StatementLine("created_at") + " by key " + pub.substr(0, 16) +
                       "… (trusted: " + (data_ / "checkpoint.pub").string() + ")\n");
}

TEST_F(CheckpointTest, AnAlteredEventWhoseFrameStillReadsIsNamed) {
  const int p = BusiestPartition();
  const fs::path seg = PartitionDir(p) / SegmentName(0);
  std::vector<Frame> frames = ReadSegment(seg);
  // From the middle on, the first record where one letter changed alters the
  // payload alone (the envelope, stream and seq still decode the same).
  for (size_t f = frames.size() / 2; f < frames.size(); ++f) {
    const ledger::DecodedRecord before = Decode(frames[f].values[0]);
    std::string& value = frames[f].values[0];
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] < 'a' || value[i] > 'y') continue;
      ++value[i];
      ledger::Result<ledger::DecodedRecord> after = ledger::DecodeRecord(value);
      if (after.ok() && after->event.payload != before.event.payload) {
        ledger::Event same = before.event;
        same.payload = after->event.payload;
        if (same == after->event) {
          WriteSegment(seg, frames);
          ExpectBroken(Position(p, frames[f].base, before.event) +
                       "stored hash does not match the event's bytes (altered)");
          return;
        }
      }
      --value[i];
    }
  }
  FAIL() << "no payload letter to alter in partition " << p;
}

TEST_F(CheckpointTest, ADeletedRecordIsNamedWhereItsStreamSkipsIt) {
  const int p = BusiestPartition();
  const fs::path seg = PartitionDir(p) / SegmentName(0);
  std::vector<Frame> frames = ReadSegment(seg);
  // A frame from the middle whose stream has a later frame: removed, and the
  // frames after it renumbered so that the partition's offsets stay dense.
  for (size_t k = frames.size() / 2; k < frames.size(); ++k) {
    auto later = std::find_if(frames.begin() + k + 1, frames.end(),
                              [&](const Frame& f) { return f.key == frames[k].key; });
    if (later == frames.end()) continue;
    const ledger::Event removed = Decode(frames[k].values[0]).event;
    const ledger::Event next = Decode(later->values[0]).event;
    const int64_t shift = static_cast<int64_t>(frames[k].values.size());
    const int64_t next_offset = later->base - shift;
    frames.erase(frames.begin() + k);
    for (size_t i = k; i < frames.size(); ++i) frames[i].base -= shift;
    WriteSegment(seg, frames);
    ExpectBroken(Position(p, next_offset, next) + "out of sequence, expected seq " +
                 std::to_string(removed.seq) + " (gap)");
    return;
  }
  FAIL() << "no stream with two frames in partition " << p;
}

TEST_F(CheckpointTest, TwoEventsOfAStreamSwappedAreNamed) {
  const int p = BusiestPartition();
  const fs::path seg = PartitionDir(p) / SegmentName(0);
  std::vector<Frame> frames = ReadSegment(seg);
  // The first two consecutive events of one stream after the first third of
  // the partition, wherever they are (one frame or two): values exchanged.
  std::map<std::string, std::pair<std::string*, uint64_t>> last;  // stream -> its last value, seq
  for (size_t f = 0; f < frames.size(); ++f) {
    for (size_t v = 0; v < frames[f].values.size(); ++v) {
      const ledger::Event e = Decode(frames[f].values[v]).event;
      auto it = last.find(e.stream.str());
      if (f > frames.size() / 3 && it != last.end() && it->second.second + 1 == e.seq) {
        const ledger::Event first = Decode(*it->second.first).event;
        int64_t first_offset = -1;  // where the earlier one is
        for (const Frame& g : frames)
          for (size_t w = 0; w < g.values.size(); ++w)
            if (&g.values[w] == it->second.first) first_offset = g.base + static_cast<int64_t>(w);
        std::swap(*it->second.first, frames[f].values[v]);
        WriteSegment(seg, frames);
        ExpectBroken(Position(p, first_offset, e) + "out of sequence, expected seq " +
                     std::to_string(first.seq) + " (gap)");
        return;
      }
      last[e.stream.str()] = {&frames[f].values[v], e.seq};
    }
  }
  FAIL() << "no stream with two events in partition " << p;
}

TEST_F(CheckpointTest, ARemovedSegmentFileIsNamed) {
  const int p = BusiestPartition();
  const std::vector<Frame> frames = ReadSegment(PartitionDir(p) / SegmentName(0));
  ASSERT_GE(frames.size(), 3u);
  // The partition in three segments, as a log written with smaller ones is:
  // the same records, so the checkpoint still holds.
  const size_t cuts[] = {0, frames.size() / 3, 2 * frames.size() / 3, frames.size()};
  std::vector<fs::path> files;
  for (int i = 0; i < 3; ++i) {
    files.push_back(PartitionDir(p) / SegmentName(frames[cuts[i]].base));
    WriteSegment(files.back(),
                 std::vector<Frame>(frames.begin() + cuts[i], frames.begin() + cuts[i + 1]));
  }
  ASSERT_EQ(Verify().code, 0) << Verify().err;

  fs::remove(files[1]);
  ExpectBroken(
      "partition " + std::to_string(p) + ": offsets " + std::to_string(frames[cuts[1]].base) +
      " to " + std::to_string(frames[cuts[2]].base - 1) + " missing: segment file " +
      files[1].string() + " absent (the next segment present is " + files[2].filename().string() +
      "); the embedded log keeps every segment, so restore the file from a backup");

  // The middle one back, the last one gone: the partition just ends early.
  WriteSegment(files[1], std::vector<Frame>(frames.begin() + cuts[1], frames.begin() + cuts[2]));
  fs::remove(files[2]);
  const int64_t end = frames[cuts[2]].base;
  ExpectBroken("partition " + std::to_string(p) + ": the log ends at offset " +
               std::to_string(end) + ", before the checkpoint's end offset " +
               std::to_string(StatedEnd(p)) + ": offsets " + std::to_string(end) + " to " +
               std::to_string(StatedEnd(p) - 1) +
               " are gone (the partition was truncated, or records were removed)");
}

TEST_F(CheckpointTest, ATruncatedPartitionIsNamedWithBothEndOffsets) {
  const int p = BusiestPartition();
  const fs::path seg = PartitionDir(p) / SegmentName(0);
  std::vector<Frame> frames = ReadSegment(seg);
  frames.resize(frames.size() * 3 / 4);  // the tail cut at a frame boundary
  const int64_t end = frames.back().base + static_cast<int64_t>(frames.back().values.size());
  WriteSegment(seg, frames);
  ASSERT_LT(end, StatedEnd(p));
  ExpectBroken("partition " + std::to_string(p) + ": the log ends at offset " +
               std::to_string(end) + ", before the checkpoint's end offset " +
               std::to_string(StatedEnd(p)) + ": offsets " + std::to_string(end) + " to " +
               std::to_string(StatedEnd(p) - 1) +
               " are gone (the partition was truncated, or records were removed)");

  // Cut inside a frame, as a torn write leaves it: the same (a read-only open
  // does not read a torn tail).
  fs::resize_file(seg, fs::file_size(seg) - 5);
  const int64_t torn_end = frames.back().base;
  ExpectBroken("partition " + std::to_string(p) + ": the log ends at offset " +
               std::to_string(torn_end) + ", before the checkpoint's end offset " +
               std::to_string(StatedEnd(p)) + ": offsets " + std::to_string(torn_end) + " to " +
               std::to_string(StatedEnd(p) - 1) +
               " are gone (the partition was truncated, or records were removed)");
}

TEST_F(CheckpointTest, AnEditedCheckpointIsRefused) {
  // Partition 0 said to end one record earlier, as if its last record had
  // never been stated (the file still reads: its root is over heads only).
  std::string text = FileBytes(Ckpt());
  const int64_t end = StatedEnd(0);
  const std::string from =
      "partition 0 end_offset " + std::to_string(end) + " records " + std::to_string(end);
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(
      text.find(from), from.size(),
      "partition 0 end_offset " + std::to_string(end - 1) + " records " + std::to_string(end - 1));
  const fs::path edited = tmp_.path() / "edited.ckpt";
  std::ofstream(edited) << text;
  CliRun r = Verify(edited);
  EXPECT_EQ(r.code, 1);
  const std::string pub = StatementLine("public_key").substr(std::string("ed25519 ").size());
  EXPECT_EQ(r.err, "ledger: PERMISSION_DENIED: checkpoint " + edited.string() +
                       " refused (trusted key " + (data_ / "checkpoint.pub").string() +
                       "): the signature does not verify with the trusted key " + pub +
                       ": the statement was altered after it was signed (or the signature was)\n");

  // A number spelled otherwise (the same value) is refused too: one statement, one text.
  std::string respelled = FileBytes(Ckpt());
  respelled.replace(respelled.find("partitions 12"), 13, "partitions 012");
  std::ofstream(edited, std::ios::trunc) << respelled;
  CliRun r2 = Verify(edited);
  EXPECT_EQ(r2.code, 1);
  EXPECT_EQ(
      r2.err,
      "ledger: INVALID_ARGUMENT: checkpoint " + edited.string() +
          " is not a valid checkpoint: line 3: not in canonical form (one space between words, "
          "lowercase hex, numbers without leading zeros, every line ending in \"\\n\")\n");
}

TEST_F(CheckpointTest, AnotherKeysCheckpointIsRefusedUnlessThatKeyIsTrusted) {
  const fs::path other_key = tmp_.path() / "other.key", other_ckpt = tmp_.path() / "other.ckpt";
  CliRun c = Ledger({"checkpoint", "-o", other_ckpt.string(), "--key", other_key.string()});
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.err.find("its public half is " + (tmp_.path() / "other.pub").string()),
            std::string::npos)
      << c.err;
  std::string other_pub;
  for (const std::string& line : SplitLines(FileBytes(other_ckpt)))
    if (line.starts_with("public_key ed25519 ")) other_pub = line.substr(19);
  const std::string pub = StatementLine("public_key").substr(std::string("ed25519 ").size());
  ASSERT_NE(other_pub, pub);

  CliRun r = Verify(other_ckpt);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "ledger: PERMISSION_DENIED: checkpoint " + other_ckpt.string() +
                       " refused (trusted key " + (data_ / "checkpoint.pub").string() +
                       "): signed by another key: the checkpoint names public key " + other_pub +
                       ", the trusted key is " + pub + "\n");
  CliRun trusted = Ledger({"verify", "--checkpoint", other_ckpt.string(), "--public-key",
                           (tmp_.path() / "other.pub").string()});
  EXPECT_EQ(trusted.code, 0) << trusted.err;
  EXPECT_NE(trusted.out.find("(trusted: " + (tmp_.path() / "other.pub").string() + ")"),
            std::string::npos);

  CliRun missing =
      Ledger({"verify", "--checkpoint", Ckpt().string(), "--public-key", "/nonexistent.pub"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("no trusted public key at /nonexistent.pub"), std::string::npos)
      << missing.err;
}

TEST_F(CheckpointTest, ExportWithBodyLetsAnyoneRecomputeEveryHash) {
  CliRun with = Ledger({"export", "--format", "jsonl", "--with-body"});
  ASSERT_EQ(with.code, 0) << with.err;
  const std::vector<std::string> lines = SplitLines(with.out), plain = SplitLines(export_->out);
  ASSERT_EQ(lines.size(), plain.size());
  ASSERT_EQ(sodium_init() >= 0, true);
  std::map<std::string, std::pair<uint64_t, std::string>> head;  // stream -> seq, hash (hex)
  for (size_t i = 0; i < lines.size(); ++i) {
    const nlohmann::json j = nlohmann::json::parse(lines[i]);
    // The default line is this one without its last key, byte for byte.
    const size_t body_at = lines[i].rfind(",\"body\":\"");
    ASSERT_NE(body_at, std::string::npos);
    EXPECT_EQ(lines[i].substr(0, body_at) + "}", plain[i]);

    const std::string b64 = j["body"];
    std::vector<uint8_t> body(b64.size());
    size_t body_len = 0;
    ASSERT_EQ(sodium_base642bin(body.data(), body.size(), b64.data(), b64.size(), nullptr,
                                &body_len, nullptr, sodium_base64_VARIANT_ORIGINAL),
              0);
    body.resize(body_len);
    const std::vector<uint8_t> prev = Unhex(j["prev_hash"]);
    ASSERT_EQ(prev.size(), 32u);
    uint8_t hash[32];
    crypto_generichash_state st;
    crypto_generichash_init(&st, nullptr, 0, sizeof hash);
    crypto_generichash_update(&st, prev.data(), prev.size());
    crypto_generichash_update(&st, body.data(), body.size());
    crypto_generichash_final(&st, hash, sizeof hash);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    ASSERT_EQ(std::string(hex), j["hash"].get<std::string>()) << "line " << i + 1;

    const std::string stream = j["stream"];
    const uint64_t seq = j["seq"];
    auto it = head.find(stream);
    EXPECT_EQ(seq, it == head.end() ? 1u : it->second.first + 1) << stream;
    EXPECT_EQ(j["prev_hash"].get<std::string>(),
              it == head.end() ? std::string(64, '0') : it->second.second);
    head[stream] = {seq, j["hash"]};
  }
  EXPECT_GT(head.size(), 100u);
}

}  // namespace
