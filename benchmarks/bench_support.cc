#include "benchmarks/bench_support.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "aggregates/testing/workload.h"
#include "events/embedded/embedded_event_log.h"

// gperftools' version query; a weak reference, null without tcmalloc.
extern "C" const char* tc_version(int* major, int* minor, const char** patch) __attribute__((weak));
// Its figures by name (gperftools' malloc_extension_c.h); null without it.
extern "C" int MallocExtension_GetNumericProperty(const char* property, size_t* value) __attribute__((weak));

namespace ledger::bench {

std::vector<Command> Workload(size_t families, uint32_t seed) {
  return testing::GenerateWorkload({families, seed, "b"});
}

size_t WriteCommands(EventLog& log, std::span<const Command> commands, PersonalDataVault* vault,
                     WriteStateOptions state, size_t group) {
  auto h = CommandHandler::Open(log, [] { return Timestamp{1'790'000'000'000'000}; }, vault, state);
  if (!h.ok()) std::abort();
  size_t events = 0;
  for (size_t i = 0; i < commands.size(); i += group) {
    for (const auto& r : (*h)->HandleBatch(commands.subspan(i, std::min(group, commands.size() - i)))) {
      if (!r.ok()) std::abort();
      events += r->count;
    }
  }
  return events;
}

size_t FillWorkload(EventLog& log, size_t families, uint32_t seed, PersonalDataVault* vault) {
  return WriteCommands(log, Workload(families, seed), vault);
}

void FillLongHistory(EventLog& log, const std::string& account, size_t events) {
  auto h = CommandHandler::Open(log, [] { return Timestamp{1'790'000'000'000'000}; });
  if (!h.ok()) std::abort();
  const Uai uai("0350033W");
  const AccountId id(account);
  Timestamp t = *ParseRfc3339("2026-09-01T06:00:00Z");
  auto at = [&]() { return t = Timestamp{t.micros + 3600LL * 1000000}; };
  const Actor head{ActorKind::kEstablishmentHead, "head-0350033W", uai, {}, true};
  const Actor staff{ActorKind::kStaff, "staff-long", uai, Module::kAccountsAdmin, true};
  const Actor pupil{ActorKind::kPupil, account, {}, {}, false};
  const Actor import{ActorKind::kSystem, "siecle", {}, {}, false};
  std::vector<Command> cmds;
  int n = 0;
  auto add = [&](Actor a, CommandBody b) {
    cmds.push_back(Command{CommandId(account + "-" + std::to_string(n++)), at(), std::move(a), std::move(b)});
  };
  add(head, DelegateRights{uai, StaffId("staff-long"), Module::kAccountsAdmin, EndOfSchoolYear(t), "bench"});
  add(import, CreateAccount{id, AccountCreated{AccountKind::kPupil, "e.long", SourceSystem::kSiecle, "1",
                                               "f.xml", Placement{uai, "035", "rennes", Level::kCollege, "4E1"},
                                               Ine("123456789AZ"), Date{2012, 1, 1}, "", "", false, true, {}}});
  add(staff, NotifyAccount{id, NotifyChannel::kLetter, {}, false});
  add(pupil, ActivateAccount{id, ActivationMethod::kProvisionalPassword, Date{2012, 1, 1}});
  while (cmds.size() - 1 < events) {
    add(staff, ResetPassword{id, ResetChannel::kStaff});
    add(pupil, CompletePasswordReset{id});
  }
  cmds.resize(events + 1);
  for (const auto& r : (*h)->HandleBatch(cmds))
    if (!r.ok()) std::abort();
}

double RawRocksDbBatchedWriteRate(const std::filesystem::path& dir, size_t records,
                                  size_t value_bytes, size_t batch) {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.write_buffer_size = 64 << 20;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(o, dir.string(), &raw).ok()) std::abort();
  std::unique_ptr<rocksdb::DB> db(raw);
  std::mt19937_64 rng(1);
  std::string value(value_bytes, 'x');
  for (char& c : value) c = static_cast<char>('a' + rng() % 26);
  auto start = std::chrono::steady_clock::now();
  rocksdb::WriteBatch wb;
  char key[32];
  for (size_t i = 0; i < records; ++i) {
    std::snprintf(key, sizeof key, "k|%016llx", static_cast<unsigned long long>(rng()));
    wb.Put(key, value);
    if (wb.Count() == static_cast<uint32_t>(batch) || i + 1 == records) {
      if (!db->Write(rocksdb::WriteOptions(), &wb).ok()) std::abort();
      wb.Clear();
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(records) / secs;
}

double Percentile(std::vector<double>& samples, double q) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  size_t i = static_cast<size_t>(q * static_cast<double>(samples.size() - 1) + 0.5);
  return samples[std::min(i, samples.size() - 1)];
}

double Median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  if (n == 0) return 0;
  return n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

uint64_t DirectoryBytes(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  return total;
}

int64_t ProcStatusKiB(std::string_view field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)  // "VmRSS:  123 kB"
    if (line.size() > field.size() && line.starts_with(field) && line[field.size()] == ':')
      return std::stoll(line.substr(field.size() + 1));
  return 0;
}

MemoryNow Memory() {
  MemoryNow m;
  m.resident = ProcStatusKiB("VmRSS") * 1024;
  if (MallocExtension_GetNumericProperty == nullptr) return m;
  auto property = [](const char* name) -> int64_t {
    size_t v = 0;
    return MallocExtension_GetNumericProperty(name, &v) ? static_cast<int64_t>(v) : 0;
  };
  m.allocated = property("generic.current_allocated_bytes");
  m.allocator_free = property("tcmalloc.pageheap_free_bytes") + property("tcmalloc.central_cache_free_bytes") +
                     property("tcmalloc.transfer_cache_free_bytes") + property("tcmalloc.thread_cache_free_bytes");
  return m;
}

}  // namespace ledger::bench

namespace ledger::bench {

double RawLogAppendRate(const std::filesystem::path& dir, size_t records, size_t bytes) {
  EmbeddedLogOptions o;
  o.create_if_missing = true;
  auto log = EmbeddedEventLog::Open(dir, o);
  if (!log.ok()) return 0;
  const std::string value(bytes, 'x');
  auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < records; ++i) {
    const std::string key = "acc-" + std::to_string(i);
    if (!(*log)->AppendAsync(key, {&value, 1}, [](int64_t) {}).ok()) return 0;
    if (i % 512 == 511 && !(*log)->Flush().ok()) return 0;
  }
  if (!(*log)->Flush().ok()) return 0;
  return static_cast<double>(records) / Seconds(t0);
}

std::string AllocatorName() {
  if (tc_version == nullptr) return "glibc malloc";
  int major = 0, minor = 0;
  const char* patch = "";
  tc_version(&major, &minor, &patch);
  return "tcmalloc " + std::to_string(major) + "." + std::to_string(minor) + (patch != nullptr ? patch : "");
}

}  // namespace ledger::bench
