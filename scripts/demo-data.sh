#!/usr/bin/env bash
# Demo data for a local instance (scripts/run calls it with CABILDO_DEMO_DATA=1
# and the local services' environment exported). Idempotent: does nothing
# when the data is already there or a module is not installed.
#
# public-works: ~10 obras of the Estado de Durango, the Municipio de Durango
# (unidades deportivas) and Tepehuanes (señalamiento vial), with funding from
# FAIS, FORTAMUN, estatal and municipal, and progress reports. The module is
# enabled by `cabildo tenants apply` where tenants/durango.json lists it.
#
# open-government: Durango's third Local Action Plan in the four tenants
# (scripts/demo-data-open-government.sql), after public-works so the state's
# public-works commitment can link to its demo project.
#
# procedure-registry: a dozen published procedures and services of the four
# tenants with every item of LGMR art. 46, and one draft missing legal items
# (scripts/demo-data-procedure-registry.sql), after open-government.
#
# scholarships: three calls (the state's open one and its closed one awaiting
# results, the Municipio de Durango's resolved one with its padrón) with
# applications in every status, personal data sealed with the instance's
# CABILDO_DATA_KEY through `$CABILDO_BIN data-key seal`
# (scripts/demo-data-scholarships.sh; skipped without CABILDO_BIN).
#
# service-requests: Gómez Palacio's street-cleaning and waste-separation
# services and Tepehuanes's road-sign service, with 26 requests in every
# status on real streets, their public history and some duplicates, and the
# Municipio de Durango's street-lighting service without requests
# (scripts/demo-data-service-requests.sh).
set -euo pipefail
: "${CABILDO_DATABASE_ADMIN_URL:?export the services environment first (scripts/services env)}"

psql_owner() { psql "$CABILDO_DATABASE_ADMIN_URL" -v ON_ERROR_STOP=1 -qAtX "$@"; }

installed() { [[ "$(psql_owner -c "SELECT to_regclass('$1') IS NOT NULL")" == t ]]; }

if ! installed public_works.projects; then
  echo "demo-data: public-works is not installed; skipped"
else
psql_owner <<'SQL'
BEGIN;

CREATE TEMP TABLE demo_projects (
  slug text, external_id text, title text, description text, status text, type text,
  sector text, budget numeric(16,2), lat numeric, lon numeric, address text, cvegeo text,
  contractor text, rfc text, method text, contract numeric(16,2), start_date date,
  end_date date, published boolean
) ON COMMIT DROP;
INSERT INTO demo_projects VALUES
 ('durango', 'SECOPE-2025-001', 'Rehabilitación del Hospital General de Santiago Papasquiaro',
  'Sustitución de instalaciones hidrosanitarias y eléctricas del área de urgencias.',
  'implementation', 'rehabilitation', 'salud', 18500000.00, 25.0439, -105.4194,
  'Calle Hidalgo s/n, Santiago Papasquiaro', '10032', 'Edificaciones del Norte SA de CV',
  'ENO0503117K2', 'open', 17950000.00, '2025-02-10', '2025-11-30', true),
 ('durango', 'SECOPE-2025-014', 'Ampliación de la carretera Durango–Mezquital, tramo km 12 a 18',
  'Ampliación a cuatro carriles con acotamientos.', 'implementation', 'expansion', 'transporte',
  42000000.00, 23.9500, -104.5900, 'Carretera Durango–Mezquital km 12', '10005',
  'Caminos y Puentes de Durango SA de CV', 'CPD981120QX5', 'open', 40800000.00, '2025-03-01',
  '2026-02-28', true),
 ('durango', 'SECOPE-2025-021', 'Construcción del Centro de Salud Rural de Canatlán',
  'Centro de salud con dos consultorios y área de vacunación.', 'preparation', 'construction',
  'salud', 6200000.00, 24.5236, -104.7753, 'Av. Juárez 210, Canatlán', '10003', NULL, NULL,
  NULL, NULL, '2025-09-01', NULL, false),
 ('municipio-durango', 'OP-MD-2025-003', 'Unidad Deportiva Sur: pista de atletismo y alumbrado',
  'Pista sintética de 400 m y alumbrado LED en la Unidad Deportiva Sur.', 'implementation',
  'rehabilitation', 'deportes', 9800000.00, 23.9967, -104.6712,
  'Blvd. Domingo Arrieta s/n, Durango', '10005', 'Constructora Guadiana SA de CV',
  'CGU010203AB1', 'open', 9650000.00, '2025-01-20', '2025-08-31', true),
 ('municipio-durango', 'OP-MD-2025-007', 'Unidad Deportiva Jardines de Durango: canchas de usos múltiples',
  'Construcción de tres canchas techadas de usos múltiples.', 'completion', 'construction',
  'deportes', 4350000.00, 24.0512, -104.6389, 'Calle Encino 300, Jardines de Durango', '10005',
  'Obras y Proyectos La Sierra SA de CV', 'OPS120415HT3', 'selective', 4290000.00, '2024-10-01',
  '2025-04-30', true),
 ('municipio-durango', 'OP-MD-2025-011', 'Unidad Deportiva Villas del Guadiana: vestidores y sanitarios',
  'Vestidores, sanitarios accesibles y cisterna.', 'implementation', 'construction', 'deportes',
  2180000.50, 24.0123, -104.6021, 'Av. Villas del Guadiana 1500, Durango', '10005',
  'Construcciones Mezquital SA de CV', 'CME150812LM9', 'direct', 2150000.00, '2025-04-01',
  '2025-10-15', true),
 ('municipio-durango', 'OP-MD-2025-015', 'Unidad Deportiva Francisco Villa: rehabilitación de alberca',
  'Impermeabilización, filtros y calentamiento solar de la alberca semiolímpica.',
  'identification', 'rehabilitation', 'deportes', 3100000.00, 24.0301, -104.6550,
  'Calle Negrete 800, Durango', '10005', NULL, NULL, NULL, NULL, NULL, NULL, false),
 ('tepehuanes', 'OP-TEP-2025-001', 'Señalamiento vial en la cabecera municipal',
  'Señalamiento horizontal y vertical en 35 cruceros del centro de Santa Catarina de Tepehuanes.',
  'implementation', 'construction', 'transporte', 1450000.00, 25.3392, -105.7228,
  'Centro, Santa Catarina de Tepehuanes', '10035', 'Señalamientos Viales de la Sierra SA de CV',
  'SVS170301PA8', 'selective', 1398000.00, '2025-03-15', '2025-07-31', true),
 ('tepehuanes', 'OP-TEP-2025-002', 'Señalamiento vial en el acceso carretero a Tepehuanes',
  'Defensas metálicas, vialetas y señales preventivas en 4 km del acceso.', 'completion',
  'replacement', 'transporte', 980000.00, 25.3201, -105.7015, 'Carretera Durango–Tepehuanes km 180',
  '10035', 'Señalamientos Viales de la Sierra SA de CV', 'SVS170301PA8', 'direct', 965000.00,
  '2024-11-04', '2025-02-28', true),
 ('tepehuanes', 'OP-TEP-2025-003', 'Señalamiento escolar en comunidades de Tepehuanes',
  'Zonas escolares señalizadas en 12 comunidades.', 'preparation', 'construction', 'educación',
  620000.00, 25.3400, -105.7200, 'Varias comunidades', '10035', NULL, NULL, NULL, NULL,
  '2025-10-01', NULL, true);

CREATE TEMP TABLE demo_funding (external_id text, position int, origin text, fund text,
                                amount numeric(16,2)) ON COMMIT DROP;
INSERT INTO demo_funding VALUES
 ('SECOPE-2025-001', 0, 'federal', 'FAIS', 10000000.00),
 ('SECOPE-2025-001', 1, 'state', 'Estatal', 8500000.00),
 ('SECOPE-2025-014', 0, 'state', 'Estatal', 42000000.00),
 ('SECOPE-2025-021', 0, 'federal', 'FAIS', 6200000.00),
 ('OP-MD-2025-003', 0, 'federal', 'FORTAMUN', 6000000.00),
 ('OP-MD-2025-003', 1, 'municipal', 'Municipal', 3800000.00),
 ('OP-MD-2025-007', 0, 'federal', 'FAIS', 4350000.00),
 ('OP-MD-2025-011', 0, 'municipal', 'Municipal', 2180000.50),
 ('OP-MD-2025-015', 0, 'federal', 'FORTAMUN', 3100000.00),
 ('OP-TEP-2025-001', 0, 'federal', 'FORTAMUN', 1000000.00),
 ('OP-TEP-2025-001', 1, 'municipal', 'Municipal', 450000.00),
 ('OP-TEP-2025-002', 0, 'federal', 'FORTAMUN', 980000.00),
 ('OP-TEP-2025-003', 0, 'federal', 'FAIS', 620000.00);

CREATE TEMP TABLE demo_progress (external_id text, report_date date, physical numeric(5,2),
                                 financial numeric(5,2), spent numeric(16,2), note text)
  ON COMMIT DROP;
INSERT INTO demo_progress VALUES
 ('SECOPE-2025-001', '2025-04-30', 20, 25, 4487500.00, 'Anticipo del 25 % y desmantelamiento.'),
 ('SECOPE-2025-001', '2025-07-31', 55, 50, 8975000.00, NULL),
 ('SECOPE-2025-014', '2025-06-30', 30, 30, 12240000.00, 'Terracerías en los km 12 a 15.'),
 ('OP-MD-2025-003', '2025-04-15', 40, 45, 4342500.00, NULL),
 ('OP-MD-2025-003', '2025-07-15', 85, 80, 7720000.00, 'Pista colocada; falta alumbrado.'),
 ('OP-MD-2025-007', '2025-04-30', 100, 100, 4290000.00, 'Obra terminada y entregada.'),
 ('OP-MD-2025-011', '2025-07-01', 45, 40, 860000.00, NULL),
 ('OP-TEP-2025-001', '2025-05-31', 60, 50, 699000.00, NULL),
 ('OP-TEP-2025-002', '2025-02-28', 100, 100, 965000.00, 'Finiquito firmado.');

DO $$
BEGIN
  -- Row-level security applies to the owner too: scope this transaction to
  -- the demo tenants.
  PERFORM set_config('cabildo.tenant_ids',
                     (SELECT string_agg(id::text, ',') FROM core.tenants
                      WHERE slug IN ('durango', 'municipio-durango', 'tepehuanes')), true);
  IF EXISTS (SELECT 1 FROM public_works.projects) THEN
    RAISE NOTICE 'demo-data: public-works already has data; skipped';
    RETURN;
  END IF;
  INSERT INTO public_works.projects (tenant_id, external_id, title, description, status, type,
    sector, budget_mxn, lat, lon, address, cvegeo, contractor_name, contractor_rfc,
    procurement_method, contract_value_mxn, start_date, end_date, published)
  SELECT t.id, d.external_id, d.title, d.description, d.status, d.type, d.sector, d.budget,
         d.lat, d.lon, d.address, d.cvegeo, d.contractor, d.rfc, d.method, d.contract,
         d.start_date, d.end_date, d.published
  FROM demo_projects d JOIN core.tenants t ON t.slug = d.slug;
  INSERT INTO public_works.project_funding (tenant_id, project_id, position, origin, fund, amount_mxn)
  SELECT p.tenant_id, p.id, f.position, f.origin, f.fund, f.amount
  FROM demo_funding f JOIN public_works.projects p ON p.external_id = f.external_id;
  INSERT INTO public_works.progress_reports (tenant_id, project_id, report_date, physical_pct,
    financial_pct, spent_mxn, note)
  SELECT p.tenant_id, p.id, r.report_date, r.physical, r.financial, r.spent, r.note
  FROM demo_progress r JOIN public_works.projects p ON p.external_id = r.external_id
  ORDER BY r.report_date;
  -- Current figures = the latest report's.
  UPDATE public_works.projects p SET physical_progress_pct = r.physical_pct,
    financial_progress_pct = r.financial_pct, spent_mxn = r.spent_mxn
  FROM (SELECT DISTINCT ON (tenant_id, project_id) tenant_id, project_id, physical_pct,
               financial_pct, spent_mxn
        FROM public_works.progress_reports
        ORDER BY tenant_id, project_id, report_date DESC, created_at DESC) r
  WHERE p.tenant_id = r.tenant_id AND p.id = r.project_id;
  RAISE NOTICE 'demo-data: public-works loaded';
END $$;
COMMIT;
SQL
fi

if installed open_government.plans && installed open_government.members; then
  psql_owner -f "$(dirname "${BASH_SOURCE[0]}")/demo-data-open-government.sql"
else
  echo "demo-data: open-government is not installed; skipped"
fi

if installed procedure_registry.procedures && installed procedure_registry.versions; then
  psql_owner -f "$(dirname "${BASH_SOURCE[0]}")/demo-data-procedure-registry.sql"
else
  echo "demo-data: procedure-registry is not installed; skipped"
fi

bash "$(dirname "${BASH_SOURCE[0]}")/demo-data-scholarships.sh"

bash "$(dirname "${BASH_SOURCE[0]}")/demo-data-service-requests.sh"
