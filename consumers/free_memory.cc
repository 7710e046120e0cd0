#include "consumers/free_memory.h"

#include <malloc.h>

#include <cstddef>

// A weak reference: null in a program on glibc's malloc.
extern "C" void MallocExtension_ReleaseFreeMemory() __attribute__((weak));
extern "C" int MallocExtension_SetNumericProperty(const char* property, size_t value) __attribute__((weak));

namespace ledger {

void ReleaseFreeMemory() {
  if (MallocExtension_ReleaseFreeMemory != nullptr) MallocExtension_ReleaseFreeMemory();
  else malloc_trim(0);
}

void ReturnFreedMemoryAtOnce() {
  if (MallocExtension_SetNumericProperty != nullptr)
    MallocExtension_SetNumericProperty("tcmalloc.aggressive_memory_decommit", 1);
}

}  // namespace ledger
