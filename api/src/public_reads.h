// Public GETs served from the public cache (cabildo/api/public_cache.h):
// the helpers module routes and the core's public reads share.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cabildo/api/app.h"
#include "cabildo/api/public_cache.h"
#include "cabildo/api/router.h"

namespace cabildo::api {

// Removes the query parameters a GET route does not document (`declared`,
// sorted). They are ignored, not refused: the handler never sees them, so
// they cannot change the answer, and the public cache key never holds them,
// so junk parameters (?x=1, ?x=2, ...) cannot mint cache entries, Redis keys
// and database queries. In place: no allocation on the reactor thread.
void KeepDeclaredQuery(Request& request, const std::vector<std::string>& declared);

// A cached answer; the body is shared, not copied.
Response FromCache(const std::shared_ptr<const CachedResponse>& cached);

// The core's public reads (the tenant directory, a tenant, its modules, the
// installed modules) answer the same to everyone, so they are cached like
// module GETs, under one instance-wide generation that AfterCoreWrite moves
// after every write to tenants or their modules through the API: visible at
// once on the replica that took it, within the cache's max staleness on the
// others. Writes that bypass the API (`cabildo tenants apply`, SQL by hand)
// show within kCoreCacheTtl, the longest an entry is served.
inline constexpr std::chrono::seconds kCoreCacheTtl{5};

// Registers GET `path` answered by `compute` on a miss; a 200 is cached (with
// its ETag) and served from this process's memory on the reactor thread
// afterwards. `declared_query` (sorted) are the parameters it reads.
void AddCachedPublicGet(Router& router, AppContext& app, const std::string& path,
                        std::vector<std::string> declared_query, Handler compute);

// `response` of a write to tenants or their modules, after bumping the
// core's generation when it succeeded (2xx: committed).
Response AfterCoreWrite(AppContext& app, Response response);

}  // namespace cabildo::api
