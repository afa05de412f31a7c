// Conditional requests of module routes: the ETag of a streamed body (from
// the request and the handler's etag_basis, before any row is read), the
// request fingerprint that public cache keys and those ETags share, and
// If-Match against the current item. (The ETag of a buffered body and
// If-None-Match are http.h's StrongEtag / NotModified.)
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "cabildo/api/http.h"
#include "cabildo/core/status.h"

namespace cabildo::api {

// The request part of a public cache key: path and sorted query, each name
// and value prefixed by its length, since decoded values may hold '&' and '='
// (q=a%26status%3Dx is not q=a&status=x). Short ones stay readable and cost
// no hashing on the revalidation path; a long one is hashed, which bounds
// what a key holds (a digest never starts with '/', so the two can't meet).
std::string RequestFingerprint(const Request& request);

// The strong ETag of a streamed body: the request's fingerprint and the
// handler's description of the content.
std::string StreamEtag(const Request& request, const std::string& etag_basis);

// OK without If-Match or when it names the ETag of `current` (the item as its
// GET returns it); kIfMatchFailed (412) otherwise.
Status IfMatchCurrent(const Request& request, const nlohmann::json& current);

}  // namespace cabildo::api
