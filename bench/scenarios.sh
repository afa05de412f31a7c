# shellcheck shell=bash
# The scenario table of bench/run: one `scenario` call per entry, sourced by
# bench/run (see bench/README.md, "Adding a scenario").
#
#   scenario <name> key=value ...
#
#   method=GET          request method
#   path=/v1/...        request target, query string included (required unless stand_in)
#   header='K: v'       a request header; repeat the key for more
#   body='{"a":1}'      request body, inline      | body_file=wrk/x.json (relative to bench/)
#   script=wrk/x.lua    extra wrk script for the Cabildo run (varying requests, see
#                       bench/README.md); the nginx ceiling always replays the fixed
#                       method/path/headers/body above
#   needs=a,b           data sets (bench/datasets.sh: dataset_<name>) loaded before serve
#   setup=fn            bash function run once the server is up (e.g. log in and
#                       `bench_header "Authorization: Bearer ..."`)
#   expect=2xx          status the sample request must get: 2xx (default) or a code
#   about='...'         one line for the README and the results JSON
#   state=pending       not runnable yet; needs waits='<the feature it waits for>'
#   stand_in=<name>     (pending only) run this available scenario's request under
#                       the pending name until the feature exists
#
# healthz is special: it is always measured, because it is the framework ceiling
# ("vs healthz" column) of every other row.

# --- available ---------------------------------------------------------------

scenario healthz path=/healthz \
  about='framework ceiling: the cheapest route through the HTTP layer and worker pool'

scenario tenants path='/v1/tenants?limit=20' needs=durango \
  about='tenant directory, first page (the 4 Durango tenants): 1 indexed SELECT'

scenario tenant path=/v1/tenants/durango needs=durango \
  about='one tenant with its children slugs'

# --- pending: declared now so the harness and README know what is coming -------

# Until the public-works module exists, `bench/run list` runs the tenant list
# under the name `list`, so scripts/test's smoke run exercises the whole pipeline.
scenario list state=pending stand_in=tenants \
  waits='public-works module' \
  path='/v1/tenants/durango/public-works/projects?limit=20' needs=durango,projects \
  about='public list of one tenant, anonymous: 20 published projects'

scenario list-state state=pending \
  waits='public-works module (include_descendants)' \
  path='/v1/tenants/durango/public-works/projects?limit=20&include_descendants=true' \
  needs=durango,projects \
  about='state-level public list across its municipalities'

scenario item state=pending \
  waits='public-works module' \
  path='/v1/tenants/durango/public-works/projects/1' script=wrk/item.lua needs=durango,projects \
  about='one project by id, ids spread over the data set'

scenario revalidate state=pending \
  waits='public-works module with ETag / If-None-Match' \
  path='/v1/tenants/durango/public-works/projects?limit=20' setup=setup_list_etag expect=304 \
  needs=durango,projects \
  about='conditional GET of the public list answered 304 Not Modified'

scenario login state=pending \
  waits='accounts (POST /v1/auth/login)' \
  method=POST path=/v1/auth/login header='Content-Type: application/json' \
  body_file=wrk/login.json needs=durango,users \
  about='password login: hashing cost and token issue'

scenario create state=pending \
  waits='accounts and the public-works module' \
  method=POST path=/v1/tenants/durango/public-works/projects \
  header='Content-Type: application/json' body_file=wrk/project.json script=wrk/create.lua \
  setup=setup_editor_token expect=201 needs=durango,users \
  about='editor creates draft projects (write path, audit entry)'

scenario summary state=pending \
  waits='public-works module (/summary)' \
  path='/v1/tenants/durango/public-works/summary?include_descendants=true' \
  needs=durango,projects \
  about='follow-the-money totals for the state and its municipalities'

scenario scale state=pending \
  waits='public-works module and the 2,500-tenant data set' \
  path='/v1/tenants/durango/public-works/projects?limit=20' script=wrk/scale.lua \
  needs=tenants-2500,projects \
  about='public lists spread over 2,500 tenants (cache and pool behaviour at scale)'
