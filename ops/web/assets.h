// The dashboard page's files, compiled into ledgerd (cmake/embed_files.cmake):
// index.html, app.js, app.css, and Chart.js from npm (ops/web/package.json,
// pinned in package-lock.json) with its licence — so the page works with no
// network access and ledgerd needs no files beside it.
//   /                          index.html
//   /static/app.js, /static/app.css
//   /static/chart.umd.min.js   Chart.js (MIT)
//   /static/chart.js-LICENSE.md
// Pure data; thread-safe.
#pragma once

#include <string_view>

namespace ledger::web {

struct Asset {
  std::string_view path;          // the URL path it is served at
  std::string_view content_type;
  std::string_view body;
};

// nullptr when no asset has this path.
const Asset* FindAsset(std::string_view path);

}  // namespace ledger::web
