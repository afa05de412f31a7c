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
#   connections=N       wrk -c for this scenario, both targets (default BENCH_CONNECTIONS)
#   after=fn            bash function run after the scenario's load (e.g. a check or a
#                       side measurement; it may write $RUN/<name>.after.txt, which
#                       goes into the results JSON as "after")
#   expect=2xx          status the sample request must get: 2xx (default) or a code
#   about='...'         one line for the README and the results JSON
#   default=no          run only when named (`bench/run scale`), not by `bench/run`
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
  about='tenant directory, first page (the 4 Durango tenants): cached like module GETs (public_reads.h)'

scenario tenant path=/v1/tenants/durango needs=durango \
  about='one tenant with its children slugs, cached'

scenario modules path=/v1/modules needs=durango \
  about='the installed modules with their permissions, cached'

scenario tenant-modules path=/v1/tenants/durango/modules needs=durango \
  about="a tenant's enabled modules with their public config, cached"

scenario list path='/v1/tenants/durango/public-works/projects?limit=20' needs=durango,projects \
  about='public list of one tenant, anonymous: 20 published projects'

scenario list-state \
  path='/v1/tenants/durango/public-works/projects?limit=20&include_descendants=true' \
  needs=durango,projects \
  about='state-level public list across its municipalities'

scenario item path='/v1/tenants/durango/public-works/projects/ITEM_ID' script=wrk/item.lua \
  setup=setup_item_path needs=durango,projects \
  about='one project by id, ids spread over the 60 of durango (wrk/item.lua)'

scenario revalidate path='/v1/tenants/durango/public-works/projects?limit=20' \
  setup=setup_list_etag expect=304 needs=durango,projects \
  about='conditional GET of the public list answered 304 Not Modified'

scenario summary path='/v1/tenants/durango/public-works/summary?include_descendants=true' \
  needs=durango,projects \
  about='follow-the-money totals for the state and its municipalities'

scenario login method=POST path=/v1/auth/login header='Content-Type: application/json' \
  body_file=wrk/login.json needs=durango,users after=after_login_argon2 connections=4 \
  about='password login: hashing cost and token issue (wrk -c4: Argon2id allows ~10/s per core)'

scenario create method=POST path=/v1/tenants/durango/public-works/projects \
  header='Content-Type: application/json' body_file=wrk/project.json script=wrk/create.lua \
  setup=setup_editor_token expect=201 needs=durango,users after=after_create_audit_verify \
  about='editor creates draft projects (write path, audit entry)'

# --- open-government (issue 17): every public GET, anonymous, over the demo --
# data of Durango's third Local Action Plan (dataset og-demo). Ids are looked up
# once the server is up (setup_og_path: the path's PLAN_ID, COMMITMENT_ID,
# MILESTONE_ID, MEMBER_ID, SESSION_ID). The dashboard and one of each kind run by default;
# the rest only when named (`bench/run og-plans og-history ...`).

scenario og-dashboard-state \
  path='/v1/tenants/durango/open-government/dashboard?include_descendants=true' needs=durango,og-demo \
  about='monitoring dashboard of the state and its 3 municipalities (plans, progress, STL roster, last session)'

scenario og-dashboard-state-uncached \
  path='/v1/tenants/durango/open-government/dashboard?include_descendants=true' \
  setup=setup_editor_token needs=durango,users,og-demo default=no \
  about='the same as the editor of durango: never cached (Authorization), so every request reads PostgreSQL (the cost of a cache miss)'

scenario og-dashboard path='/v1/tenants/municipio-durango/open-government/dashboard' \
  needs=durango,og-demo default=no \
  about='monitoring dashboard of one municipality (6 commitments)'

scenario og-commitment path='/v1/tenants/durango/open-government/commitments/COMMITMENT_ID' \
  setup=setup_og_path needs=durango,og-demo \
  about='one commitment with computed progress, milestones, history and its resolved public-works link'

scenario og-document path='/v1/tenants/municipio-durango/open-government/plans/PLAN_ID/document.json' \
  setup=setup_og_path needs=durango,og-demo \
  about='the whole plan as one JSON document (6 commitments, their milestones)'

scenario og-members path='/v1/tenants/municipio-durango/open-government/secretariat/members' \
  needs=durango,og-demo \
  about='STL member list of one municipality (7 members)'

scenario og-member path='/v1/tenants/municipio-durango/open-government/secretariat/members/MEMBER_ID' \
  setup=setup_og_path needs=durango,og-demo default=no about='one STL member'

scenario og-sessions path='/v1/tenants/municipio-durango/open-government/secretariat/sessions' \
  needs=durango,og-demo default=no about='STL session list'

scenario og-session path='/v1/tenants/municipio-durango/open-government/secretariat/sessions/SESSION_ID' \
  setup=setup_og_path needs=durango,og-demo default=no about='one STL session with its agreements'

scenario og-agreements \
  path='/v1/tenants/municipio-durango/open-government/secretariat/agreements?overdue=true' \
  needs=durango,og-demo default=no about='overdue STL agreements'

scenario og-decisions path='/v1/tenants/municipio-durango/open-government/secretariat/decisions' \
  needs=durango,og-demo default=no about='STL decision list (empty in the demo data)'

scenario og-plans path='/v1/tenants/municipio-durango/open-government/plans' \
  needs=durango,og-demo default=no about='plan list of one municipality'

scenario og-plan path='/v1/tenants/municipio-durango/open-government/plans/PLAN_ID' \
  setup=setup_og_path needs=durango,og-demo default=no about='one plan'

scenario og-commitments \
  path='/v1/tenants/municipio-durango/open-government/plans/PLAN_ID/commitments' \
  setup=setup_og_path needs=durango,og-demo default=no about='commitments of a plan with progress'

scenario og-milestones \
  path='/v1/tenants/durango/open-government/commitments/COMMITMENT_ID/milestones' \
  setup=setup_og_path needs=durango,og-demo default=no about='milestones of a commitment'

scenario og-milestone path='/v1/tenants/durango/open-government/milestones/MILESTONE_ID' \
  setup=setup_og_path needs=durango,og-demo default=no about='one milestone with its evidence'

scenario og-history path='/v1/tenants/durango/open-government/commitments/COMMITMENT_ID/history' \
  setup=setup_og_path needs=durango,og-demo default=no about='dated public history of a commitment'

scenario og-results-csv \
  path='/v1/tenants/municipio-durango/open-government/plans/PLAN_ID/results.csv' \
  setup=setup_og_path needs=durango,og-demo default=no \
  about='Decidim-shaped results export (CSV) of a plan'

scenario og-results-json \
  path='/v1/tenants/municipio-durango/open-government/plans/PLAN_ID/results.json' \
  setup=setup_og_path needs=durango,og-demo default=no \
  about='Decidim-shaped results export (JSON) of a plan'

# --- procedure-registry (issue 18): the catalogue and its Spanish search ------
# 10,000 published procedures in municipio-durango (procedures-10k). pr-list is
# the baseline: the public catalogue's first page, cached like any public GET.
# pr-search is a full-text search answered from the public cache; in
# pr-search-uncached every request spells q with another mix of upper and
# lower case (wrk/pr-uncached.lua), which misses the cache (its key is the
# request) yet runs the same SQL to the same bytes (the search lower-cases q).
# Compare the three rows' p99 in one run: `bench/run pr-list pr-search
# pr-search-uncached`. The state rows (default=no: 2,500 tenants to create)
# search the single catalogue of a state over its 2,500 municipalities.

scenario pr-list path='/v1/tenants/municipio-durango/procedure-registry/procedures?limit=20' \
  needs=durango,procedures-10k \
  about='public catalogue of 10,000 procedures, first page of 20 (cached): the baseline of the searches'

scenario pr-search \
  path='/v1/tenants/municipio-durango/procedure-registry/procedures?q=licencia%20construccion&limit=20' \
  needs=durango,procedures-10k \
  about='Spanish full-text search over 10,000 procedures, ranked, first 20 (cached)'

scenario pr-search-uncached \
  path='/v1/tenants/municipio-durango/procedure-registry/procedures?q=licencia%20construccion&limit=20' \
  script=wrk/pr-uncached.lua needs=durango,procedures-10k \
  about='the same search, every request a cache miss (q in another letter case each time: same SQL, same bytes)'

scenario pr-suggest-uncached default=no \
  path='/v1/tenants/municipio-durango/procedure-registry/procedures?q=lisencia%20de%20contruccion&limit=20' \
  script=wrk/pr-uncached.lua needs=durango,procedures-10k \
  about='a misspelling: full text finds nothing, trigram suggestions over the 10,000 names, every request a cache miss'

scenario pr-search-state default=no \
  path='/v1/tenants/bench-pr/procedure-registry/procedures?q=licencia%20construccion&include_descendants=true&limit=20' \
  needs=procedures-state-2500 \
  about='the state catalogue over 2,500 municipalities (4 procedures each), 2,500 matches ranked (cached)'

scenario pr-search-state-uncached default=no \
  path='/v1/tenants/bench-pr/procedure-registry/procedures?q=licencia%20construccion&include_descendants=true&limit=20' \
  script=wrk/pr-uncached.lua needs=procedures-state-2500 \
  about='the same state search, every request a cache miss (wrk/pr-uncached.lua)'

# --- procedure-registry (issue 18): the module's public GETs other than the ---
# catalogue list and search (pr-list, pr-search*), anonymous, over its demo data
# (dataset pr-demo: 13 published procedures and services of the four Durango
# tenants). PROCEDURE_ID in a path is the demo's "Licencia de construcción"
# (MDGO-DU-001) of the path's tenant, looked up once the server is up
# (setup_pr_path). One record and the state's JSON export run by default. The
# exports stream, and at most a quarter of the workers stream at once (503 with
# Retry-After beyond that: BENCH_WORKERS 8 -> 2), so they run with wrk -c2.

scenario pr-procedure \
  path='/v1/tenants/municipio-durango/procedure-registry/procedures/PROCEDURE_ID' \
  setup=setup_pr_path needs=durango,pr-demo \
  about='one procedure, public view (its current published version, every art. 46 item)'

scenario pr-versions \
  path='/v1/tenants/municipio-durango/procedure-registry/procedures/PROCEDURE_ID/versions' \
  setup=setup_pr_path needs=durango,pr-demo default=no \
  about='published versions of one procedure, newest first (cursor list)'

scenario pr-version \
  path='/v1/tenants/municipio-durango/procedure-registry/procedures/PROCEDURE_ID/versions/1' \
  setup=setup_pr_path needs=durango,pr-demo default=no \
  about='one published version exactly as it was published'

scenario pr-export-json \
  path='/v1/tenants/durango/procedure-registry/export.json?include_descendants=true' \
  needs=durango,pr-demo connections=2 \
  about='the state catalogue (13 fichas of 4 tenants) as JSON in the CNARTyS layout, streamed, never cached (wrk -c2: the stream limit)'

scenario pr-export-csv \
  path='/v1/tenants/durango/procedure-registry/export.csv?include_descendants=true' \
  needs=durango,pr-demo connections=2 default=no \
  about='the same catalogue as CSV (43 columns, lists flattened), streamed, never cached'

scenario pr-stats \
  path='/v1/tenants/durango/procedure-registry/stats?include_descendants=true' \
  needs=durango,pr-demo default=no \
  about='the catalogue figures (menos trámites) of the state and its municipalities'

# --- scholarships (issue 19): the calls, anonymous -----------------------------
# sch-calls: one tenant's public list (60 published calls of durango, dataset
# sch-calls), first page. sch-call: one call by id (CALL_ID: the dataset's
# call 1 of durango, open until 2099; setup_sch_path). The state rows
# (default=no: 571 tenants to create) are the single portal: the calls open
# now of a state and its 570 municipalities (include_descendants), cached, and
# the same as a signed-in user without a role there, whose answers are never
# cached (every request reads PostgreSQL: the cost of a cache miss).

scenario sch-calls path='/v1/tenants/durango/scholarships/calls?limit=20' \
  needs=durango,sch-calls \
  about='public list of the calls of one tenant (60 published), first page of 20 (cached)'

scenario sch-call path='/v1/tenants/durango/scholarships/calls/CALL_ID' \
  setup=setup_sch_path needs=durango,sch-calls \
  about='one call, public view (every publication duty, status and open from the clock)'

scenario sch-calls-state default=no \
  path='/v1/tenants/bench-sch/scholarships/calls?include_descendants=true&open=true&limit=20' \
  needs=sch-calls-state \
  about='the state portal: open calls of a state and its 570 municipalities (2,284 calls), first 20 (cached)'

scenario sch-calls-state-uncached default=no \
  path='/v1/tenants/bench-sch/scholarships/calls?include_descendants=true&open=true&limit=20' \
  setup=setup_editor_token needs=durango,users,sch-calls-state \
  about='the same portal page as a signed-in user (no role there): never cached, every request reads PostgreSQL'

# --- scholarships (issue 19): the public padrón of beneficiaries ------------
# dataset sch-padron: one resolved call of municipio-durango with 1,000
# beneficiaries (its fixed id is the path's). The export streams (wrk -c2: at
# most a quarter of the workers stream at once).

scenario sch-beneficiaries \
  path='/v1/tenants/municipio-durango/scholarships/calls/5c4b0000-0000-4000-8000-000000000001/beneficiaries?limit=20' \
  needs=durango,sch-padron \
  about='padrón of a resolved call (1,000 beneficiaries), first page of 20 by name, anonymous (cached)'

scenario sch-beneficiaries-csv \
  path='/v1/tenants/durango/scholarships/beneficiaries.csv?include_descendants=true' \
  needs=durango,sch-padron connections=2 \
  about='the state padrón (1,000 rows of 4 tenants) as CSV, streamed from a cursor, never cached (wrk -c2: the stream limit)'

# --- service-requests (issue 20): public reads, anonymous ----------------------
# dataset sr-requests: 500 requests over 3 services of gomez-palacio, 100 on
# tepehuanes's one. REQUEST_ID (setup_sr_path) is gomez-palacio's request with
# folio 15 (closed: 5 events of history). sr-o311-requests is Open311's
# default query: the last 90 days, up to 1,000 (all 500, newest first). The
# export streams (wrk -c2, as sch-beneficiaries-csv).

scenario sr-services path='/v1/tenants/gomez-palacio/service-requests/services?limit=20' \
  needs=durango,sr-requests \
  about='native list of the service types of one municipality (3), anonymous (cached)'

scenario sr-requests path='/v1/tenants/gomez-palacio/service-requests/requests?limit=20' \
  needs=durango,sr-requests \
  about='native list of requests (500), first page of 20 by [updated_at, id] (cached)'

scenario sr-request path='/v1/tenants/gomez-palacio/service-requests/requests/REQUEST_ID' \
  setup=setup_sr_path needs=durango,sr-requests \
  about='one request, public native view (cached)'

scenario sr-history path='/v1/tenants/gomez-palacio/service-requests/requests/REQUEST_ID/history' \
  setup=setup_sr_path needs=durango,sr-requests \
  about='the public history of one request (5 events, oldest first) (cached)'

scenario sr-o311-services path='/v1/tenants/gomez-palacio/service-requests/open311/v2/services.json' \
  needs=durango,sr-requests \
  about='Open311 GeoReport v2 services list (3 services) (cached)'

scenario sr-o311-definition \
  path='/v1/tenants/gomez-palacio/service-requests/open311/v2/services/limpieza-calles.json' \
  needs=durango,sr-requests \
  about='Open311 service definition with its 3 attributes (cached)'

scenario sr-o311-requests path='/v1/tenants/gomez-palacio/service-requests/open311/v2/requests.json' \
  needs=durango,sr-requests \
  about='Open311 requests.json, default window (90 days, up to 1,000): all 500, newest first (cached)'

scenario sr-o311-request path='/v1/tenants/gomez-palacio/service-requests/open311/v2/requests/15.json' \
  needs=durango,sr-requests \
  about='Open311 one request by service_request_id (cached)'

scenario sr-stats path='/v1/tenants/gomez-palacio/service-requests/stats' \
  needs=durango,sr-requests \
  about='counts by status and median hours to close of one municipality (500 requests, 3 services) (cached)'

scenario sr-stats-state path='/v1/tenants/durango/service-requests/stats?include_descendants=true' \
  needs=durango,sr-requests \
  about='the same figures state-wide: durango and its 3 municipalities (600 requests) (cached)'

scenario sr-export-csv \
  path='/v1/tenants/durango/service-requests/export.csv?include_descendants=true' \
  needs=durango,sr-requests connections=2 \
  about='every request of the state (600 rows of 2 municipalities) as CSV, streamed from a cursor, never cached (wrk -c2)'

# --- the public portal (issue 21): static files served from memory -----------
# dataset portal: a stand-in for portal/dist (CABILDO_PORTAL_DIR), an
# index.html and a ~100 KB script with a content hash in its name. Both are
# requested as a browser does (Accept-Encoding), so Cabildo answers the gzip
# bytes it compressed at start-up, and nginx serves those very bytes as a file.
scenario portal-index path=/ needs=portal header='Accept-Encoding: gzip, deflate, br' \
  about='the portal page (index.html, ~1 KB, no-cache, CSP), gzip accepted'

scenario portal-asset path=/assets/main-B3NCH21A.js needs=portal \
  header='Accept-Encoding: gzip, deflate, br' \
  about='a hashed ~100 KB script (immutable), gzip accepted: its precompressed ~37 KB'

# --- only when named: its data set would change every other row ---------------

# bench/run scale (alone): 2,500 tenants, 500,000 projects; compare its p99 with
# `list` of a default run (4 tenants, same request shape).
scenario scale default=no \
  path='/v1/tenants/bench-e1-m001/public-works/projects?limit=20' script=wrk/scale.lua \
  needs=tenants-2500 setup=setup_scale_warm after=after_scale_export \
  about='public lists spread over 2,500 tenants with 200 projects each (wrk/scale.lua)'

# --- setup / after functions (run by bench/run once the server is up) ----------

# item: the sample request (and the nginx ceiling) use the first project id.
setup_item_path() {
  local id
  id="$(head -n 1 "$RUN/project-ids.txt")"
  SCN[$1.path]="${SCN[$1.path]/ITEM_ID/$id}"
}

# scale: every tenant's list requested once before the warm-up, so the run
# measures the steady state (each list cached) like `list` does with its one
# tenant. Without it a 2 s warm-up reaches only a few hundred tenants and the
# measured run is mostly first reads from PostgreSQL (seen: ~2,100 misses).
setup_scale_warm() {
  local rest
  rest="${SCN[$1.path]#/v1/tenants/*/}"
  sed "s|.*|url = \"$CABILDO_URL/v1/tenants/&/$rest\"\noutput = /dev/null|" "$RUN/scale-slugs.txt" |
    curl -sS --max-time 300 -K - || { echo "bench: setup_scale_warm failed" >&2; return 1; }
}

# open-government: the ids in the path (PLAN_ID, COMMITMENT_ID, MEMBER_ID,
# SESSION_ID) of the path's tenant, from the demo data: its plan, its
# commitment number 1, its first titular government member, its session.
setup_og_path() {
  local path="${SCN[$1.path]}" slug id
  slug="${path#/v1/tenants/}" slug="${slug%%/*}"
  local -A sql=(
    [PLAN_ID]="SELECT p.id FROM open_government.plans p WHERE p.tenant_id = \$t ORDER BY p.period_start DESC, p.id LIMIT 1"
    [COMMITMENT_ID]="SELECT c.id FROM open_government.commitments c WHERE c.tenant_id = \$t AND c.number = '1' ORDER BY c.id LIMIT 1"
    [MEMBER_ID]="SELECT m.id FROM open_government.members m WHERE m.tenant_id = \$t ORDER BY m.sector = 'government' DESC, m.seat = 'titular' DESC, m.id LIMIT 1"
    [MILESTONE_ID]="SELECT m.id FROM open_government.milestones m JOIN open_government.commitments c ON c.tenant_id = m.tenant_id AND c.id = m.commitment_id WHERE m.tenant_id = \$t AND c.number = '1' ORDER BY m.due, m.id LIMIT 1"
    [SESSION_ID]="SELECT s.id FROM open_government.sessions s WHERE s.tenant_id = \$t ORDER BY s.held_on DESC, s.id LIMIT 1"
  )
  local key query tenant="(SELECT id FROM core.tenants WHERE slug = '$slug')"
  for key in "${!sql[@]}"; do
    [[ $path == *"$key"* ]] || continue
    query="${sql[$key]//\$t/$tenant}"
    id="$(bench_psql -At -c "SELECT set_config('cabildo.tenant_ids', (SELECT string_agg(id::text, ',') FROM core.tenants), false) = ''" \
      -c "$query" | grep -E '^[0-9a-f-]{36}$' | head -n 1)"
    [[ -n $id ]] || { echo "bench: setup_og_path: no $key for $slug" >&2; return 1; }
    path="${path/$key/$id}"
  done
  SCN[$1.path]="$path"
}

# procedure-registry: PROCEDURE_ID in the path is the demo's MDGO-DU-001 of the
# path's tenant (scripts/demo-data-procedure-registry.sql).
setup_pr_path() {
  local path="${SCN[$1.path]}" slug id
  slug="${path#/v1/tenants/}" slug="${slug%%/*}"
  id="$(bench_psql -At -c "SELECT set_config('cabildo.tenant_ids', (SELECT string_agg(id::text, ',') FROM core.tenants), false) = ''" \
    -c "SELECT p.id FROM procedure_registry.procedures p JOIN core.tenants t ON t.id = p.tenant_id WHERE t.slug = '$slug' AND p.homoclave = 'MDGO-DU-001'" |
    grep -E '^[0-9a-f-]{36}$' | head -n 1)"
  [[ -n $id ]] || { echo "bench: setup_pr_path: no MDGO-DU-001 in $slug" >&2; return 1; }
  SCN[$1.path]="${path//PROCEDURE_ID/$id}"
}

# scholarships: CALL_ID in the path is the sch-calls data set's call 1 of the
# path's tenant (its id is md5('bench-sch-<slug>-1') as a UUID).
setup_sch_path() {
  local path="${SCN[$1.path]}" slug hex
  slug="${path#/v1/tenants/}" slug="${slug%%/*}"
  hex="$(printf '%s' "bench-sch-$slug-1" | md5sum)" hex="${hex%% *}"
  SCN[$1.path]="${path//CALL_ID/${hex:0:8}-${hex:8:4}-${hex:12:4}-${hex:16:4}-${hex:20:12}}"
}

# service-requests: REQUEST_ID in the path is the sr-requests data set's
# request n=15 of the path's tenant (its id is md5('bench-sr-<slug>-15') as a UUID).
setup_sr_path() {
  local path="${SCN[$1.path]}" slug hex
  slug="${path#/v1/tenants/}" slug="${slug%%/*}"
  hex="$(printf '%s' "bench-sr-$slug-15" | md5sum)" hex="${hex%% *}"
  SCN[$1.path]="${path//REQUEST_ID/${hex:0:8}-${hex:8:4}-${hex:12:4}-${hex:16:4}-${hex:20:12}}"
}

# revalidate: the list's current ETag, sent back as If-None-Match.
setup_list_etag() {
  local etag
  etag="$(curl -sS --max-time 10 -o /dev/null -D - "$CABILDO_URL${SCN[$1.path]}" |
    awk -F': *' 'tolower($1) == "etag" { v = $2 } END { gsub(/\r/, "", v); print v }')"
  [[ -n $etag ]] || { echo "bench: setup_list_etag: no ETag on ${SCN[$1.path]}" >&2; return 1; }
  bench_header "If-None-Match: $etag"
}

bench_login() { # <email> <password>: prints an access token
  local body
  body="$(EMAIL="$1" PASSWORD="$2" "$PY" -c 'import json, os
print(json.dumps({"email": os.environ["EMAIL"], "password": os.environ["PASSWORD"]}))')"
  curl -sS --max-time 10 -H 'Content-Type: application/json' --data-binary "$body" \
    "$CABILDO_URL/v1/auth/login" |
    "$PY" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

# create: the editor's bearer token.
setup_editor_token() {
  local token
  token="$(bench_login "$BENCH_EDITOR_EMAIL" "$BENCH_EDITOR_PASSWORD")" || return 1
  [[ -n $token ]] || return 1
  bench_header "Authorization: Bearer $token"
}

# After create's load: the audit chain of durango must still verify.
after_create_audit_verify() {
  local token out
  token="$(bench_login "$BENCH_AUDITOR_EMAIL" "$BENCH_AUDITOR_PASSWORD")" || return 1
  out="$(curl -sS --max-time 60 -H "Authorization: Bearer $token" -w '\t%{http_code}' \
    "$CABILDO_URL/v1/tenants/durango/audit/verify")" || return 1
  say "create: GET /v1/tenants/durango/audit/verify -> ${out##*$'\t'} ${out%$'\t'*}"
  # How the appends went out: with their COMMIT (one round trip) or at once.
  say "create: audit appends since start:" "$(curl -s "$CABILDO_URL/metrics" |
    awk '/^cabildo_audit_appends_/ {sub("cabildo_audit_appends_", "", $1); printf "%s %d  ", $1, $2}')"
  printf '%s\n' "${out%$'\t'*}" >"$RUN/create.audit-verify.json"
  printf 'GET /v1/tenants/durango/audit/verify after the load (auditor): %s %s\n' \
    "${out##*$'\t'}" "${out%$'\t'*}" >"$RUN/create.after.txt"
  [[ ${out##*$'\t'} == 200 ]] && "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d.get("ok") is True else 1)' "$RUN/create.audit-verify.json"
}

# After scale: one state's CSV export over its 500 municipalities (100,000
# projects) streamed to curl. The export is read through a cursor and sent in
# chunks as it is produced: VmRSS before and after shows it is never held.
after_scale_export() {
  local path="/v1/tenants/bench-e1/public-works/export.csv?include_descendants=true"
  local rss_before hwm_before out code bytes seconds rss_after hwm_after
  rss_before="$(vm_kb "$server_pid" VmRSS)" hwm_before="$(vm_kb "$server_pid" VmHWM)"
  out="$(curl -sS --max-time 600 -o /dev/null -w '%{http_code}\t%{size_download}\t%{time_total}' \
    "$CABILDO_URL$path")" || return 1
  IFS=$'\t' read -r code bytes seconds <<<"$out"
  rss_after="$(vm_kb "$server_pid" VmRSS)" hwm_after="$(vm_kb "$server_pid" VmHWM)"
  [[ $code == 200 ]] || { echo "bench: after_scale_export: HTTP $code" >&2; return 1; }
  local line="export: GET $path -> $bytes bytes in ${seconds} s; VmRSS $rss_before -> $rss_after kB, VmHWM $hwm_before -> $hwm_after kB"
  say "scale: $line"
  printf '%s\n' "$line" >"$RUN/scale.after.txt"
}

# Beside login: Argon2id hashes/s measured alone, libsodium's
# crypto_pwhash_str at OPSLIMIT/MEMLIMIT_INTERACTIVE, one thread.
after_login_argon2() {
  local dir="$BENCH_STATE/argon2" rate
  mkdir -p "$dir"
  cat >"$dir/argon2.c" <<'C'
#include <sodium.h>
#include <stdio.h>
#include <time.h>
int main(void) {
  if (sodium_init() < 0) return 1;
  char out[crypto_pwhash_STRBYTES];
  const char *pw = "banco-pruebas-entrada-7";
  const int n = 20;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < n; i++)
    if (crypto_pwhash_str(out, pw, 20, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) return 1;
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  printf("%.1f hashes/s (%d crypto_pwhash_str in %.2f s, opslimit %llu, memlimit %zu MiB)\n",
         n / s, n, s, (unsigned long long)crypto_pwhash_OPSLIMIT_INTERACTIVE,
         (size_t)crypto_pwhash_MEMLIMIT_INTERACTIVE >> 20);
  return 0;
}
C
  cc -O2 -o "$dir/argon2" "$dir/argon2.c" -lsodium >>"$BENCH_LOG" 2>&1 || return 1
  rate="$("$dir/argon2")" || return 1
  say "login: Argon2id alone (one thread, server idle): $rate"
  printf "Argon2id alone (one thread): %s\n" "$rate" >"$RUN/login.after.txt"
}
