// Boost.URL's compiled part, built into this library (Debian ships its
// sources as headers: boost/url/src.hpp) — the query-string decoding of
// http_server.cc, not code of ours.
#include <boost/url/src.hpp>
