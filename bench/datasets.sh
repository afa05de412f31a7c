# shellcheck shell=bash
# Data sets of bench/run, sourced by it. `needs=a,b` in bench/scenarios.sh calls
# dataset_a and dataset_b (a '-' in the name becomes '_'), each once per run, in
# the order first needed, after `cabildo migrate` on a freshly recreated
# database and before `cabildo serve` starts.
#
# A data set must be deterministic (same rows on every run, no randomness
# without a fixed seed, no clock-dependent content that changes response sizes)
# so that runs on different commits compare. Write rows through the binary's
# CLI (`"$BENCH_BIN" ...`, environment already points at the bench database) or
# through `bench_psql` (psql as the database owner). Send chatter to
# "$BENCH_LOG"; a failing command stops the run.
#
# tenants-2500 is only loaded by the scale scenario (not in the default run).

# The 4 tenants of the pilot: the State of Durango and three municipalities.
dataset_durango() {
  "$BENCH_BIN" tenants apply "$ROOT/tenants/durango.json" >>"$BENCH_LOG" 2>&1
}

# Public-works projects: 60 published projects per tenant that enabled the
# module, with fixed ids (md5 of slug and number), titles, amounts and dates,
# two funding rows and one progress report each. The ids of durango's projects
# go to $RUN/project-ids.txt for wrk/item.lua.
dataset_projects() {
  bench_psql >>"$BENCH_LOG" 2>&1 <<'SQL'
BEGIN;
-- Row-level security applies to the owner too (tenant_modules included).
SELECT set_config('cabildo.tenant_ids', (SELECT string_agg(id::text, ',') FROM core.tenants), true)
  <> '' AS scoped;
INSERT INTO public_works.projects (tenant_id, id, external_id, title, description, status, type,
  sector, budget_mxn, lat, lon, address, cvegeo, contractor_name, contractor_rfc,
  procurement_method, contract_value_mxn, start_date, end_date, physical_progress_pct,
  financial_progress_pct, spent_mxn, published, created_at, updated_at)
SELECT t.id, md5('bench-project-' || t.slug || '-' || n)::uuid,
       'BENCH-' || upper(left(t.slug, 3)) || '-' || lpad(n::text, 4, '0'),
       'Obra de prueba ' || n || ' de ' || t.name,
       'Pavimentación y alumbrado de la calle ' || n || ' (datos de benchmark).',
       (ARRAY['preparation', 'implementation', 'completion'])[1 + n % 3],
       (ARRAY['construction', 'rehabilitation', 'expansion'])[1 + n % 3],
       (ARRAY['transporte', 'salud', 'deportes', 'educación'])[1 + n % 4],
       (1000000 + n * 12345)::numeric(16,2), 24.0 + n / 1000.0, -104.6 - n / 1000.0,
       'Calle ' || n || ', ' || t.name, coalesce(t.inegi_code, '10'),
       'Constructora Bench SA de CV', 'CBE010203AB1', 'open',
       (950000 + n * 12000)::numeric(16,2),
       date '2025-01-01' + n, date '2025-12-31' + n, (n % 100)::numeric(5,2),
       (n % 90)::numeric(5,2), (n * 5000)::numeric(16,2), true,
       timestamptz '2025-01-01 00:00:00+00' + n * interval '1 hour',
       timestamptz '2025-06-01 00:00:00+00' + n * interval '1 hour'
FROM core.tenants t
JOIN core.tenant_modules m ON m.tenant_id = t.id AND m.module = 'public-works' AND m.enabled
CROSS JOIN generate_series(1, 60) n;
INSERT INTO public_works.project_funding (tenant_id, project_id, position, origin, fund, amount_mxn)
SELECT p.tenant_id, p.id, f.position, f.origin, f.fund,
       round(p.budget_mxn * f.share, 2)
FROM public_works.projects p
CROSS JOIN (VALUES (0, 'federal', 'FAIS', 0.6), (1, 'municipal', 'Municipal', 0.4))
  AS f(position, origin, fund, share);
INSERT INTO public_works.progress_reports (tenant_id, id, project_id, report_date, physical_pct,
  financial_pct, spent_mxn, note, created_at)
SELECT p.tenant_id, md5('bench-report-' || p.id::text)::uuid, p.id, date '2025-05-31',
       p.physical_progress_pct, p.financial_progress_pct, p.spent_mxn, 'Avance de benchmark.',
       timestamptz '2025-06-01 00:00:00+00'
FROM public_works.projects p;
COMMIT;
SQL
  bench_psql -At -c "SELECT set_config('cabildo.tenant_ids', (SELECT id::text FROM core.tenants WHERE slug = 'durango'), false) = ''" \
    -c "SELECT p.id FROM public_works.projects p JOIN core.tenants t ON t.id = p.tenant_id
        WHERE t.slug = 'durango' ORDER BY p.id" | grep -E '^[0-9a-f-]{36}$' >"$RUN/project-ids.txt"
  [[ $(wc -l <"$RUN/project-ids.txt") -ge 60 ]] || { echo "projects: durango has no projects" >>"$BENCH_LOG"; return 1; }
}

# open-government: Durango's third Local Action Plan, the demo data of
# scripts/run (scripts/demo-data.sh: public-works demo projects too, unless the
# projects data set already filled that table; then the state's commitment has
# no link). Deterministic content; ids are random, looked up by setup_og_path.
dataset_og_demo() {
  bash "$ROOT/scripts/demo-data.sh" >>"$BENCH_LOG" 2>&1
}

# procedure-registry: its demo data (scripts/demo-data.sh loads every module's;
# idempotent, so og-demo and pr-demo together load it once): 13 published
# procedures and services of the four tenants and one draft, fixed content and
# dates; ids are random, looked up by setup_pr_path.
dataset_pr_demo() {
  bash "$ROOT/scripts/demo-data.sh" >>"$BENCH_LOG" 2>&1
}

# Accounts (fixed passwords, bench only): an editor and an auditor at durango,
# and a plain user for the login scenario.
BENCH_EDITOR_EMAIL=editor@bench.cabildo.test BENCH_EDITOR_PASSWORD='banco-pruebas-edicion-7'
BENCH_AUDITOR_EMAIL=auditor@bench.cabildo.test BENCH_AUDITOR_PASSWORD='banco-pruebas-revision-7'
BENCH_LOGIN_EMAIL=login@bench.cabildo.test BENCH_LOGIN_PASSWORD='banco-pruebas-entrada-7'
dataset_users() {
  {
    printf '%s' "$BENCH_EDITOR_PASSWORD" | "$BENCH_BIN" user create --email "$BENCH_EDITOR_EMAIL" \
      --name 'Editora Bench' --password-stdin &&
      printf '%s' "$BENCH_AUDITOR_PASSWORD" | "$BENCH_BIN" user create --email "$BENCH_AUDITOR_EMAIL" \
        --name 'Auditor Bench' --password-stdin &&
      printf '%s' "$BENCH_LOGIN_PASSWORD" | "$BENCH_BIN" user create --email "$BENCH_LOGIN_EMAIL" \
        --name 'Usuaria Bench' --password-stdin
  } >>"$BENCH_LOG" 2>&1 || return 1
  bench_psql >>"$BENCH_LOG" 2>&1 <<SQL
BEGIN;
SELECT set_config('cabildo.tenant_ids', (SELECT id::text FROM core.tenants WHERE slug = 'durango'), true);
INSERT INTO core.role_assignments (tenant_id, user_id, role)
SELECT t.id, u.id, r.role
FROM (VALUES ('$BENCH_EDITOR_EMAIL', 'editor'), ('$BENCH_AUDITOR_EMAIL', 'auditor')) AS r(email, role)
JOIN core.users u ON u.email = r.email
JOIN core.tenants t ON t.slug = 'durango';
DO \$\$ BEGIN
  IF (SELECT count(*) FROM core.role_assignments ra JOIN core.tenants t ON t.id = ra.tenant_id
      WHERE t.slug = 'durango') < 2 THEN RAISE EXCEPTION 'users: role assignments missing'; END IF;
END \$\$;
COMMIT;
SQL
}

# 2,500 municipality tenants under 5 states (INEGI codes 20-24, 500 each, slugs
# bench-e<state>-m<nnn>), public-works enabled on all, 200 published projects
# per municipality (500,000 rows, no funding or progress rows), inserted with
# one INSERT ... SELECT generate_series per state's batch of 500 tenants. The
# municipality slugs go to $RUN/scale-slugs.txt for wrk/scale.lua.
dataset_tenants_2500() {
  local file="$RUN/tenants-2500.json"
  "$PY" - "$file" "$RUN/scale-slugs.txt" <<'PY'
import json, sys
tenants, slugs = [], []
for s in range(1, 6):
    code = str(19 + s)
    tenants.append({"slug": f"bench-e{s}", "name": f"Estado Bench {s}", "kind": "state",
                    "parent": None, "inegi_code": code, "modules": ["public-works"]})
    for m in range(1, 501):
        slug = f"bench-e{s}-m{m:03d}"
        slugs.append(slug)
        tenants.append({"slug": slug, "name": f"Municipio Bench {s}-{m:03d}",
                        "kind": "municipality", "parent": f"bench-e{s}",
                        "inegi_code": f"{code}{m:03d}", "modules": ["public-works"]})
with open(sys.argv[1], "w") as f:
    json.dump({"instance": "bench-2500", "description": "bench/run scale: 2,500 municipalities",
               "tenants": tenants}, f)
with open(sys.argv[2], "w") as f:
    f.write("\n".join(slugs) + "\n")
PY
  "$BENCH_BIN" tenants apply "$file" >>"$BENCH_LOG" 2>&1 || return 1
  local s
  for s in 1 2 3 4 5; do
    bench_psql >>"$BENCH_LOG" 2>&1 <<SQL || return 1
BEGIN;
SELECT set_config('cabildo.tenant_ids', (SELECT string_agg(id::text, ',') FROM core.tenants
  WHERE slug LIKE 'bench-e$s-m%'), true) <> '' AS scoped;
INSERT INTO public_works.projects (tenant_id, id, external_id, title, status, type, sector,
  budget_mxn, contract_value_mxn, start_date, physical_progress_pct, financial_progress_pct,
  spent_mxn, published, created_at, updated_at)
SELECT t.id, md5('bench-scale-' || t.slug || '-' || n)::uuid, 'SCALE-' || lpad(n::text, 4, '0'),
       'Obra de escala ' || n || ' de ' || t.name,
       (ARRAY['preparation', 'implementation', 'completion'])[1 + n % 3],
       (ARRAY['construction', 'rehabilitation', 'expansion'])[1 + n % 3],
       (ARRAY['transporte', 'salud', 'deportes', 'educación'])[1 + n % 4],
       (500000 + n * 7919)::numeric(16,2), (480000 + n * 7000)::numeric(16,2),
       date '2025-01-01' + n, (n % 100)::numeric(5,2), (n % 90)::numeric(5,2),
       (n * 2500)::numeric(16,2), true,
       timestamptz '2025-01-01 00:00:00+00' + n * interval '1 hour',
       timestamptz '2025-06-01 00:00:00+00' + n * interval '1 hour'
FROM core.tenants t CROSS JOIN generate_series(1, 200) n
WHERE t.slug LIKE 'bench-e$s-m%';
COMMIT;
SQL
  done
  bench_psql -c 'ANALYZE public_works.projects' >>"$BENCH_LOG" 2>&1
}

# --- procedure-registry (issue 18): the search scenarios ----------------------

# SQL that publishes `count` procedures in every tenant `tenant_where` (a
# condition on core.tenants t) selects: a procedures row (status published,
# the working copy = the document without homoclave) and its version 1
# (current), inserted as the owner with the tenant scope set. Deterministic:
# ids md5(<prefix>-<slug>-<n>), names composed from 12 actions x 40 subjects x
# 21 qualifiers (10,080 distinct names; n = 1 is "Licencia de construcción"),
# descriptions, keywords, requirements, figures and times all derived from n.
pr_published_sql() { # <tenant_where> <count> <id prefix>
  cat <<SQL
BEGIN;
SELECT set_config('cabildo.tenant_ids', (SELECT string_agg(t.id::text, ',') FROM core.tenants t
  WHERE $1), true) <> '' AS scoped;
CREATE TEMP TABLE pr_seed ON COMMIT DROP AS
SELECT t.id AS tenant_id, md5('$3-' || t.slug || '-' || n)::uuid AS id, n,
       timestamptz '2026-01-01 00:00:00+00' + n * interval '1 minute' AS at,
       jsonb_build_object(
         'homoclave', 'BENCH-' || lpad(n::text, 5, '0'),
         'kind', CASE WHEN i % 4 = 3 THEN 'service' ELSE 'procedure' END,
         'audience', (ARRAY['citizens', 'businesses', 'both'])[1 + i % 3],
         'name', a || ' ' || s || q,
         'description', 'Trámite ante la ' || ag || ' para obtener ' || lower(a) || ' ' || s || q
           || '. ' || (ARRAY['Se presenta en ventanilla con los requisitos completos.',
                             'La resolución se entrega por escrito en el plazo legal.',
                             'Aplica a predios y establecimientos dentro del municipio.',
                             'El pago de derechos se realiza en la Tesorería Municipal.',
                             'Puede solicitarse por medio de un representante legal.',
                             'Requiere inspección previa del inmueble.',
                             'Se renueva cada año calendario.'])[1 + i % 7],
         'agency', ag,
         'category', c,
         'keywords', jsonb_build_array(s, c, (ARRAY['permiso', 'trámite municipal', 'ventanilla única',
                                                    'pago de derechos', 'inspección'])[1 + i % 5]),
         'requirements', jsonb_build_array(
           jsonb_build_object('description', 'Identificación oficial vigente', 'original', true,
                              'copies', 1),
           jsonb_build_object('description', (ARRAY['Comprobante de domicilio reciente',
             'Planos arquitectónicos firmados por perito', 'Escritura o título de propiedad',
             'Constancia de situación fiscal', 'Recibo de pago del impuesto predial',
             'Acta constitutiva de la empresa', 'Fotografías del inmueble',
             'Dictamen de protección civil', 'Croquis de ubicación',
             'Carta poder firmada ante dos testigos'])[1 + i % 10], 'original', i % 2 = 0,
             'copies', i % 3)),
         'online', i % 3 = 0,
         'online_url', CASE WHEN i % 3 = 0 THEN 'https://tramites.example.gob.mx/' || n END,
         'resolution_term', jsonb_build_object('value', 5 + i % 26, 'unit', 'days',
                                               'business_days', true),
         'cost', CASE WHEN i % 5 = 0 THEN jsonb_build_object('free', true)
                 ELSE jsonb_build_object('free', false,
                                         'amount_mxn', ((100 + i % 900) || '.50')) END,
         'offices', jsonb_build_array(jsonb_build_object(
           'name', 'Ventanilla Única', 'address', 'Calle 5 de Febrero 800 Poniente, Zona Centro',
           'hours', 'Lunes a viernes de 8:00 a 15:00'))) AS doc
FROM core.tenants t
CROSS JOIN generate_series(1, $2) n
CROSS JOIN LATERAL (SELECT n - 1 AS i) k
CROSS JOIN LATERAL (SELECT
  (ARRAY['Licencia de', 'Permiso de', 'Constancia de', 'Certificado de', 'Registro de',
         'Autorización de', 'Renovación de la licencia de', 'Dictamen de', 'Visto bueno de',
         'Inscripción al padrón de', 'Cancelación del permiso de',
         'Consulta del expediente de'])[1 + i % 12] AS a,
  (ARRAY['construcción', 'funcionamiento', 'uso de suelo', 'anuncios publicitarios', 'demolición',
         'alineamiento y número oficial', 'subdivisión de predios', 'fusión de predios',
         'protección civil', 'impacto ambiental', 'venta de bebidas alcohólicas',
         'espectáculos públicos', 'ocupación de la vía pública', 'comercio en tianguis',
         'comercio ambulante', 'conexión de agua potable', 'descarga al drenaje',
         'poda y derribo de árboles', 'perforación de pozos', 'ruptura de pavimento',
         'terminación de obra', 'regularización de obra', 'antenas de telecomunicaciones',
         'estacionamientos públicos', 'transporte de carga', 'rastro municipal',
         'panteón municipal', 'residencia', 'identidad', 'dependencia económica',
         'no adeudo predial', 'valor catastral', 'traslado de dominio', 'fraccionamientos',
         'condominios', 'gasolineras', 'talleres mecánicos', 'guarderías', 'eventos deportivos',
         'mascotas'])[1 + (i / 12) % 40] AS s,
  (ARRAY['', ' para vivienda unifamiliar', ' para comercio', ' para industria',
         ' para obra menor', ' para obra mayor', ' en zona centro', ' en zona rural',
         ' para escuelas', ' para hospitales', ' temporal', ' por primera vez', ' urgente',
         ' para personas morales', ' para personas físicas', ' en fraccionamiento',
         ' en el Centro Histórico', ' para eventos masivos', ' para mercados', ' para templos',
         ' de temporada'])[1 + (i / 480) % 21] AS q,
  (ARRAY['Dirección Municipal de Desarrollo Urbano', 'Dirección de Protección Civil',
         'Tesorería Municipal', 'Dirección de Medio Ambiente', 'Secretaría del Ayuntamiento',
         'Dirección de Inspección y Verificación'])[1 + i % 6] AS ag,
  (ARRAY['desarrollo urbano', 'comercio', 'medio ambiente', 'protección civil',
         'servicios públicos', 'hacienda', 'registro civil', 'transporte'])[1 + (i / 12) % 8] AS c
) w
WHERE $1;
INSERT INTO procedure_registry.procedures (tenant_id, id, homoclave, status, draft,
  published_version, public_updated_at, created_at, updated_at)
SELECT tenant_id, id, doc ->> 'homoclave', 'published', doc - 'homoclave', 1, at, at, at FROM pr_seed;
INSERT INTO procedure_registry.versions (tenant_id, procedure_id, version, document, published_at)
SELECT tenant_id, id, 1, doc, at FROM pr_seed;
COMMIT;
ANALYZE procedure_registry.procedures;
ANALYZE procedure_registry.versions;
ANALYZE procedure_registry.search_terms;
SQL
}

# 10,000 published procedures in municipio-durango (needs durango: the tenants
# file enables procedure-registry there).
dataset_procedures_10k() {
  pr_published_sql "t.slug = 'municipio-durango'" 10000 bench-pr | bench_psql >>"$BENCH_LOG" 2>&1
}

# One state (bench-pr, INEGI 25) with 2,500 municipality tenants (bench-pr-m0001
# ... bench-pr-m2500, no INEGI codes: a state has at most 999), procedure-registry
# enabled on all, from a generated tenants file + `tenants apply` (as
# tenants-2500 does), then 4 published procedures each (10,000 rows) in one
# INSERT ... SELECT.
dataset_procedures_state_2500() {
  local file="$RUN/procedures-state-2500.json"
  "$PY" - "$file" <<'PY'
import json, sys
tenants = [{"slug": "bench-pr", "name": "Estado Bench Trámites", "kind": "state", "parent": None,
            "inegi_code": "25", "modules": ["procedure-registry"]}]
for m in range(1, 2501):
    tenants.append({"slug": f"bench-pr-m{m:04d}", "name": f"Municipio Bench Trámites {m:04d}",
                    "kind": "municipality", "parent": "bench-pr",
                    "modules": ["procedure-registry"]})
with open(sys.argv[1], "w") as f:
    json.dump({"instance": "bench-pr-2500",
               "description": "bench/run pr-search-state: a state with 2,500 municipalities",
               "tenants": tenants}, f)
PY
  "$BENCH_BIN" tenants apply "$file" >>"$BENCH_LOG" 2>&1 || return 1
  pr_published_sql "t.slug LIKE 'bench-pr-m%'" 4 bench-pr-state | bench_psql >>"$BENCH_LOG" 2>&1
}

# --- scholarships (issue 19): the calls ---------------------------------------

# SQL that publishes `count` calls in every tenant `tenant_where` (a condition
# on core.tenants t) selects, inserted as the owner with the tenant scope set,
# as POST /calls + /publish leave them: every publication duty in the
# document, amount, slots and window in their columns. Deterministic: ids
# md5(<prefix>-<slug>-<n>), content and times derived from n; two thirds open
# (from 2026 to 2099), one third closed (n divisible by 3: its window ended in
# March 2025), so status and open never change during a run.
sch_calls_sql() { # <tenant_where> <count> <id prefix>
  cat <<SQL
BEGIN;
SELECT set_config('cabildo.tenant_ids', (SELECT string_agg(t.id::text, ',') FROM core.tenants t
  WHERE $1), true) <> '' AS scoped;
INSERT INTO scholarships.calls (tenant_id, id, status, document, amount_mxn, slots, opens_at,
  closes_at, results_at, published_at, created_at, updated_at)
SELECT t.id, md5('$3-' || t.slug || '-' || n)::uuid, 'published',
       jsonb_build_object(
         'title', (ARRAY['Beca de permanencia escolar', 'Beca de transporte escolar',
                         'Beca de excelencia académica', 'Beca para madres estudiantes',
                         'Beca de alimentación', 'Beca de idiomas'])[1 + n % 6]
                  || ' ' || n || ', ' || t.name,
         'description', 'Apoyo económico mensual para estudiantes con buen promedio y necesidad '
                        'económica (datos de benchmark, convocatoria ' || n || ').',
         'program', 'Programa de Becas para la Permanencia Escolar',
         'area', (ARRAY['Secretaría de Educación', 'Dirección de Desarrollo Social',
                        'Instituto de la Juventud'])[1 + n % 3],
         'target_population', 'Estudiantes de 15 a 29 años inscritos en escuelas públicas',
         'objectives', 'Reducir el abandono escolar en educación media superior y superior.',
         'requirements', jsonb_build_array('Constancia de estudios del ciclo vigente',
                                           'Boleta con promedio mínimo de 8.0',
                                           'Comprobante de domicilio', 'CURP'),
         'eligibility', jsonb_build_object('min_age', 15, 'max_age', 29, 'min_gpa', 8.0,
                                           'education_levels',
                                           jsonb_build_array('media_superior', 'superior')),
         'selection_criteria', jsonb_build_array('Promedio general (60 %)',
                                                 'Condición socioeconómica (30 %)',
                                                 'Residencia en localidades rurales (10 %)'),
         'budget_mxn', ((3000 + n * 100) * (5 + n % 20)) || '.00',
         'legal_basis', jsonb_build_array(jsonb_build_object(
           'instrument', 'Ley de Educación del Estado de Durango', 'article', 'Artículo 12')),
         'rules_url', 'https://becas.example.gob.mx/' || t.slug || '/reglas-' || n || '.pdf',
         'privacy_notice_url', 'https://becas.example.gob.mx/' || t.slug || '/aviso-de-privacidad.pdf',
         'complaints_procedure', 'Quejas ante el Órgano Interno de Control, de lunes a viernes '
                                 'de 9:00 a 15:00.',
         'contact', jsonb_build_object('name', 'Departamento de Becas',
                                       'email', 'becas@example.gob.mx', 'phone', '6181370000'),
         'questions', jsonb_build_array(jsonb_build_object(
           'code', 'motivo', 'text', '¿Por qué necesitas la beca?', 'required', true))),
       (3000 + n * 100)::numeric(14, 2), 5 + n % 20,
       CASE WHEN n % 3 = 0 THEN timestamptz '2025-01-01 15:00:00+00'
            ELSE timestamptz '2026-01-01 15:00:00+00' END + n * interval '1 hour',
       CASE WHEN n % 3 = 0 THEN timestamptz '2025-03-01 06:00:00+00'
            ELSE timestamptz '2099-12-31 06:00:00+00' END,
       NULL,
       timestamptz '2025-12-01 00:00:00+00' + n * interval '1 minute',
       timestamptz '2025-12-01 00:00:00+00' + n * interval '1 minute',
       timestamptz '2025-12-01 00:00:00+00' + n * interval '1 minute'
FROM core.tenants t CROSS JOIN generate_series(1, $2) n
WHERE $1;
COMMIT;
ANALYZE scholarships.calls;
SQL
}

# 60 published calls in each tenant of the pilot that enabled the module (the
# State of Durango and the Municipio de Durango, per tenants/durango.json).
dataset_sch_calls() {
  sch_calls_sql "t.slug IN ('durango', 'municipio-durango')" 60 bench-sch | bench_psql >>"$BENCH_LOG" 2>&1
}

# A state (bench-sch, INEGI 26) with 570 municipalities (bench-sch-m001 ...
# bench-sch-m570: as many as Oaxaca, the most of any Mexican state), the
# module enabled on all, from a generated tenants file + `tenants apply` (as
# procedures-state-2500 does), then 4 published calls each and 4 of the
# state (2,284 calls) in one INSERT ... SELECT.
dataset_sch_calls_state() {
  local file="$RUN/sch-calls-state.json"
  "$PY" - "$file" <<'PY'
import json, sys
tenants = [{"slug": "bench-sch", "name": "Estado Bench Becas", "kind": "state", "parent": None,
            "inegi_code": "26", "modules": ["scholarships"]}]
for m in range(1, 571):
    tenants.append({"slug": f"bench-sch-m{m:03d}", "name": f"Municipio Bench Becas {m:03d}",
                    "kind": "municipality", "parent": "bench-sch",
                    "inegi_code": f"26{m:03d}", "modules": ["scholarships"]})
with open(sys.argv[1], "w") as f:
    json.dump({"instance": "bench-sch-570",
               "description": "bench/run sch-calls-state: a state with 570 municipalities",
               "tenants": tenants}, f)
PY
  "$BENCH_BIN" tenants apply "$file" >>"$BENCH_LOG" 2>&1 || return 1
  sch_calls_sql "t.slug LIKE 'bench-sch%'" 4 bench-sch-state | bench_psql >>"$BENCH_LOG" 2>&1
}

# scholarships (issue 19), the padrón: one resolved call of municipio-durango
# with a fixed id (SCH_PADRON_CALL, the scenarios' path) and 1,000
# beneficiaries, names from 20 given names x 50 surname pairs, ages 15-29,
# municipalities over Durango's 39, fixed ids (md5 of the number). The
# applications behind them hold a placeholder, not a sealed document
# ('v1.' + md5: it opens under no key): the padrón's reads never open
# personal data, and the bench has no business holding any.
SCH_PADRON_CALL=5c4b0000-0000-4000-8000-000000000001
dataset_sch_padron() {
  bench_psql >>"$BENCH_LOG" 2>&1 <<SQL
BEGIN;
SELECT set_config('cabildo.tenant_ids', (SELECT string_agg(id::text, ',') FROM core.tenants), true)
  <> '' AS scoped;
INSERT INTO scholarships.calls (tenant_id, id, status, document, amount_mxn, slots, opens_at,
  closes_at, published_at, resolved_at)
SELECT t.id, '$SCH_PADRON_CALL', 'resolved',
  '{"title": "Becas Municipales de Excelencia (banco)", "program": "Banco de pruebas"}'::jsonb,
  2500.00, 1000, '2026-01-05T15:00:00Z', '2026-02-05T06:00:00Z', '2026-01-04T15:00:00Z',
  '2026-03-01T18:00:00Z'
FROM core.tenants t WHERE t.slug = 'municipio-durango';
INSERT INTO scholarships.applications (tenant_id, id, call_id, applicant_id, curp_digest,
  personal_data, status, score, decided_at, submitted_at)
SELECT c.tenant_id, md5('sch-app-' || n)::uuid, c.id, md5('sch-user-' || n)::uuid,
  md5('sch-curp-' || n) || md5('sch-curp2-' || n), 'v1.' || md5('sch-sealed-' || n), 'approved',
  80 + n % 20, '2026-02-20T18:00:00Z', '2026-01-10T18:00:00Z'
FROM scholarships.calls c, generate_series(1, 1000) AS n WHERE c.id = '$SCH_PADRON_CALL';
INSERT INTO scholarships.beneficiaries (tenant_id, call_id, application_id, name, amount_mxn,
  municipality_code, municipality, age, sex, published_at)
SELECT c.tenant_id, c.id, md5('sch-app-' || n)::uuid,
  (ARRAY['Ana', 'Bruno', 'Carla', 'Diego', 'Elena', 'Fernando', 'Gabriela', 'Héctor', 'Irene',
         'Jorge', 'Karen', 'Luis', 'Mariana', 'Néstor', 'Olga', 'Pablo', 'Rosa', 'Sergio',
         'Teresa', 'Úrsula'])[1 + n % 20] || ' ' ||
  (ARRAY['Gómez', 'Herrera', 'Ibarra', 'Jiménez', 'López', 'Martínez', 'Navarro', 'Olvera',
         'Peña', 'Quintero'])[1 + (n / 20) % 10] || ' ' ||
  (ARRAY['Ruiz', 'Soto', 'Luna', 'Mata', 'Núñez'])[1 + (n / 200) % 5],
  c.amount_mxn, m.code, m.name, 15 + n % 15, (ARRAY['H', 'M'])[1 + n % 2], c.resolved_at
FROM scholarships.calls c, generate_series(1, 1000) AS n
JOIN scholarships.municipalities m ON m.code = '10' || lpad((1 + n % 39)::text, 3, '0')
WHERE c.id = '$SCH_PADRON_CALL';
COMMIT;
SQL
}

# --- service-requests (issue 20): citizen requests ------------------------------

# Gómez Palacio's three services (limpieza-calles, separacion-residuos,
# alumbrado) with 500 requests, and Tepehuanes's senalamiento-vial with 100,
# inserted as the owner as the intake leaves them. Deterministic: ids
# md5('bench-sr-<slug>-<n>') (the scenarios' REQUEST_ID is gomez-palacio's n=15),
# folio n, token md5, coordinates, texts and statuses from n (blocks of 20 on
# one service: 4 received, 3 assigned, 3 in_progress, 4 resolved, 3 closed,
# 1 rejected, 2 duplicates of the block's first). Times are relative to the
# load (request n reported n x 3 hours before the hour it is loaded: all
# within Open311's default 90-day window), so contents move with the clock but
# sizes do not. Each request's history: the path of statuses it went through
# (1 to 5 events; n=15 is closed: 5).
dataset_sr_requests() {
  bench_psql >>"$BENCH_LOG" 2>&1 <<'SQL'
BEGIN;
SELECT set_config('cabildo.tenant_ids', (SELECT string_agg(id::text, ',') FROM core.tenants), true)
  <> '' AS scoped;
CREATE TEMP TABLE sr_services (slug text, code text, name text, description text, group_name text,
  type text, agency text, attributes jsonb) ON COMMIT DROP;
INSERT INTO sr_services VALUES
 ('gomez-palacio', 'limpieza-calles', 'Limpieza de calles',
  'Basura, escombro o ramas en la vía pública que requieren barrido o recolección.',
  'Limpieza y residuos', 'realtime', 'Dirección de Servicios Públicos Municipales',
  '[{"code": "aviso", "variable": false, "datatype": "text", "order": 0,
     "description": "Los reportes de limpieza se atienden en un máximo de 72 horas."},
    {"code": "tipo_residuo", "variable": true, "datatype": "singlevaluelist", "required": true,
     "order": 1, "description": "¿Qué hay en la calle?",
     "values": [{"key": "basura_domestica", "name": "Basura doméstica"},
                {"key": "escombro", "name": "Escombro"}, {"key": "ramas", "name": "Ramas y hierba"},
                {"key": "animal_muerto", "name": "Animal muerto"}]},
    {"code": "volumen_m3", "variable": true, "datatype": "number", "required": false, "order": 2,
     "datatype_description": "Metros cúbicos aproximados, p. ej. 0.5",
     "description": "¿Cuánto volumen calcula?"}]'),
 ('gomez-palacio', 'separacion-residuos', 'Separación de residuos',
  'Contenedores de separación llenos, mezclados o dañados; recolección diferenciada que no pasó.',
  'Limpieza y residuos', 'realtime', 'Departamento de Ecología',
  '[{"code": "materiales", "datatype": "multivaluelist", "required": true, "order": 1,
     "description": "¿Qué materiales hay?",
     "values": [{"key": "organico", "name": "Orgánico"}, {"key": "pet", "name": "PET"},
                {"key": "vidrio", "name": "Vidrio"}, {"key": "carton", "name": "Cartón"},
                {"key": "metal", "name": "Metal"}]},
    {"code": "visto_el", "datatype": "datetime", "required": false, "order": 2,
     "description": "¿Cuándo lo vio?"}]'),
 ('gomez-palacio', 'alumbrado', 'Alumbrado público',
  'Luminarias apagadas, encendidas de día o dañadas.', 'Alumbrado', 'realtime',
  'Dirección de Alumbrado Público', '[]'),
 ('tepehuanes', 'senalamiento-vial', 'Señalamiento vial dañado o faltante',
  'Señales de tránsito caídas, ilegibles, vandalizadas o que hacen falta.', 'Vialidad', 'batch',
  'Dirección de Obras Públicas de Tepehuanes',
  '[{"code": "tipo_senal", "datatype": "singlevaluelist", "required": true, "order": 1,
     "description": "¿Qué señal es?",
     "values": [{"key": "alto", "name": "Alto"}, {"key": "ceda_el_paso", "name": "Ceda el paso"},
                {"key": "velocidad", "name": "Límite de velocidad"},
                {"key": "nomenclatura", "name": "Nombre de calle"}, {"key": "otra", "name": "Otra"}]},
    {"code": "referencia", "datatype": "string", "required": false, "order": 2,
     "description": "Entre qué calles o frente a qué lugar"}]');
INSERT INTO service_requests.services (tenant_id, id, service_code, name, description, group_name,
  keywords, type, attributes, agency_responsible, created_at, updated_at)
SELECT t.id, md5('bench-sr-service-' || t.slug || '-' || s.code)::uuid, s.code, s.name,
       s.description, s.group_name, '{}', s.type, s.attributes, s.agency,
       timestamptz '2025-12-01 00:00:00+00', timestamptz '2025-12-01 00:00:00+00'
FROM sr_services s JOIN core.tenants t ON t.slug = s.slug;

-- Per tenant: its n-th request goes to its services in blocks of 20
-- (gomez-palacio: 3 services, tepehuanes: 1); status by n mod 20.
CREATE TEMP TABLE sr_requests ON COMMIT DROP AS
SELECT t.id AS tenant_id, t.slug, n,
       md5('bench-sr-' || t.slug || '-' || n)::uuid AS id,
       (SELECT array_agg(s.code ORDER BY s.code) FROM sr_services s WHERE s.slug = t.slug) AS codes,
       (ARRAY['received', 'received', 'received', 'received', 'assigned', 'assigned', 'assigned',
              'in_progress', 'in_progress', 'in_progress', 'resolved', 'resolved', 'resolved',
              'resolved', 'closed', 'closed', 'closed', 'rejected', 'duplicate',
              'duplicate'])[1 + n % 20] AS status,
       date_trunc('hour', now()) - n * interval '3 hours' AS requested_at,
       (ARRAY['Av. Morelos', 'Calle Hidalgo', 'Blvd. Miguel Alemán', 'Av. Francisco I. Madero',
              'Calzada Lázaro Cárdenas', 'Calle Centenario'])[1 + n % 6] AS street
FROM core.tenants t
JOIN (VALUES ('gomez-palacio', 500), ('tepehuanes', 100)) AS c(slug, count) ON c.slug = t.slug
CROSS JOIN LATERAL generate_series(1, c.count) AS n;

INSERT INTO service_requests.requests (tenant_id, id, folio, token, service_id, status,
  status_notes, agency_responsible, service_notice, description, lat, long, address, zipcode,
  attributes, duplicate_of, requested_at, updated_at, expected_at, closed_at)
SELECT r.tenant_id, r.id, r.n, md5('bench-sr-token-' || r.slug || '-' || r.n), s.id, r.status,
       CASE WHEN r.status IN ('received', 'duplicate') THEN ''
            ELSE 'Atendido por la cuadrilla ' || (1 + r.n % 5) || ' (datos de benchmark).' END,
       s.agency_responsible,
       'Recibimos su reporte con folio ' || r.n || '; lo atiende ' || s.agency_responsible || '.',
       'Reporte de prueba ' || r.n || ' en ' || r.street || ' (datos de benchmark).',
       CASE r.slug WHEN 'tepehuanes' THEN 25.3392 ELSE 25.5611 END + (r.n % 50) * 0.0007,
       CASE r.slug WHEN 'tepehuanes' THEN -105.7228 ELSE -103.4983 END - (r.n / 50) * 0.0007,
       r.street || ' ' || (100 + r.n), lpad((35000 + r.n % 100)::text, 5, '0'), '{}',
       CASE WHEN r.status = 'duplicate'
            THEN md5('bench-sr-' || r.slug || '-' || (r.n - r.n % 20 + 1))::uuid END,
       r.requested_at,
       r.requested_at + CASE WHEN r.status = 'received' THEN interval '0'
                             WHEN r.status = 'duplicate' THEN interval '0'
                             ELSE (4 + r.n % 48) * interval '1 hour' END,
       CASE WHEN r.status IN ('assigned', 'in_progress') THEN r.requested_at + interval '7 days' END,
       CASE WHEN r.status IN ('resolved', 'closed', 'rejected')
              THEN r.requested_at + (4 + r.n % 48) * interval '1 hour'
            WHEN r.status = 'duplicate' THEN r.requested_at END
FROM sr_requests r
JOIN service_requests.services s ON s.tenant_id = r.tenant_id
 AND s.service_code = r.codes[1 + (r.n / 20) % cardinality(r.codes)]
ORDER BY r.tenant_id, r.n;

INSERT INTO service_requests.folios (tenant_id, last)
SELECT tenant_id, max(folio) FROM service_requests.requests GROUP BY tenant_id;

INSERT INTO service_requests.events (tenant_id, request_id, status, status_notes,
  agency_responsible, expected_at, at)
SELECT r.tenant_id, r.id, p.status, CASE WHEN p.i = p.steps THEN r.status_notes ELSE '' END,
       r.agency_responsible, CASE WHEN p.i = p.steps THEN r.expected_at END,
       r.requested_at + (r.updated_at - r.requested_at) * (p.i - 1) / greatest(p.steps - 1, 1)
FROM service_requests.requests r
CROSS JOIN LATERAL (
  SELECT u.status, u.i, count(*) OVER () AS steps
  FROM unnest(CASE r.status
                WHEN 'received' THEN ARRAY['received']
                WHEN 'assigned' THEN ARRAY['received', 'assigned']
                WHEN 'in_progress' THEN ARRAY['received', 'assigned', 'in_progress']
                WHEN 'resolved' THEN ARRAY['received', 'assigned', 'in_progress', 'resolved']
                WHEN 'closed' THEN ARRAY['received', 'assigned', 'in_progress', 'resolved', 'closed']
                WHEN 'rejected' THEN ARRAY['received', 'rejected']
                ELSE ARRAY['duplicate'] END) WITH ORDINALITY AS u(status, i)) p
ORDER BY r.tenant_id, r.requested_at, p.i;
COMMIT;
ANALYZE service_requests.services;
ANALYZE service_requests.requests;
ANALYZE service_requests.events;
SQL
}

# The public portal (issue 21): a stand-in for portal/dist written into the run
# dir and served through CABILDO_PORTAL_DIR: an index.html (~1 KB) and
# assets/main-B3NCH21A.js, ~100 KB of generated minified-looking JavaScript
# (fixed seed: the same bytes every run) that gzip takes to ~37 KB, about the
# ratio of a real minified bundle.
dataset_portal() {
  local dir="$RUN/portal"
  mkdir -p "$dir/assets"
  "$PY" - "$dir" >>"$BENCH_LOG" 2>&1 <<'PY' || return 1
import random, sys
root = sys.argv[1]
rng = random.Random(21)
letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$"
words = ("tenant obra plan compromiso avance tramite beca reporte municipio estado vista "
         "lista tabla fila celda enlace datos cache etag pagina mapa punto monto fondo").split()
def ident():
    return "".join(rng.choice(letters) for _ in range(rng.randint(1, 3)))
parts, size = [], 0
while size < 100_000:
    kind = rng.random()
    if kind < 0.4:
        s = (f"function {ident()}({ident()},{ident()}){{const {ident()}={ident()}."
             f"{rng.choice(words)}??{rng.randint(0, 99)};if({ident()}>{rng.randint(0, 999)})"
             f"return {ident()}({ident()},\"{rng.choice(words)}-{rng.choice(words)}\");"
             f"return {ident()}.{rng.choice(words)}({ident()}*{rng.randint(2, 97)})}}")
    elif kind < 0.55:
        s = f"var {ident()}=[{','.join(str(rng.randint(0, 255)) for _ in range(rng.randint(3, 12)))}];"
    else:
        s = f"{ident()}.{rng.choice(words)}=\"{' '.join(rng.choice(words) for _ in range(rng.randint(2, 8)))}\";"
    parts.append(s)
    size += len(s)
with open(f"{root}/assets/main-B3NCH21A.js", "w") as out:
    out.write("".join(parts) + "\n")
page = """<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gobierno abierto · Cabildo</title>
<meta name="description" content="Portal de datos abiertos: plan de acción, obras públicas, trámites, becas y reportes ciudadanos.">
<link rel="stylesheet" href="/assets/main-B3NCH21A.css">
<script type="module" src="/assets/main-B3NCH21A.js"></script>
</head>
<body>
<a class="skip-link" href="#contenido">Saltar al contenido</a>
<header class="site-header"><p class="site-title"><a href="#/">Gobierno abierto</a></p></header>
<main id="contenido" tabindex="-1" data-state="loading">
<p>Cargando…</p>
<noscript><p>Este portal necesita JavaScript para mostrar los datos. Los mismos datos
están disponibles como CSV y JSON en la API pública: <a href="/v1/openapi.json">/v1/openapi.json</a>.</p></noscript>
</main>
<footer class="site-footer"><p>Datos publicados por cada gobierno con Cabildo. Los datos abiertos
se pueden reutilizar citando la fuente.</p></footer>
</body>
</html>
"""
with open(f"{root}/index.html", "w") as out:
    out.write(page)
PY
  export CABILDO_PORTAL_DIR="$dir"
}
