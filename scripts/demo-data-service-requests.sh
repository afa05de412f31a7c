#!/usr/bin/env bash
# service-requests demo data (run by scripts/demo-data.sh; CABILDO_DEMO_DATA=1
# of scripts/run): the commitments of issue 20 with citizen reports.
#
#   Gómez Palacio  limpieza-calles      (Limpieza de calles, realtime)
#                  separacion-residuos  (Separación de residuos, realtime)
#   Tepehuanes     senalamiento-vial    (Señalamiento vial, batch)
#   Municipio de Durango
#                  alumbrado-publico    (Alumbrado público, realtime; no demo
#                                        requests: the phone's day of
#                                        scripts/test.d/50-e2e.sh reports a
#                                        broken street light through Open311)
#
# with 26 requests in every internal status (received, assigned,
# in_progress, resolved, closed, rejected, duplicate) on real streets of
# each city (Av. Morelos, Calle Hidalgo, Blvd. Miguel Alemán, Av. Francisco
# I. Madero, Calzada Lázaro Cárdenas and Calle Centenario in Gómez Palacio;
# Calle Juárez, Calle Hidalgo, Av. Reforma and Calle Zaragoza in Tepehuanes),
# their public history (events) as the staff workflow leaves it, and four
# duplicates linked to the open request they repeat (within 30 m). Times are
# relative to the moment it is loaded (reported from 2 hours to 17 days
# before). No reporter: the demo holds no personal data.
#
# By SQL as the owner, with the tenant scope set (row-level security applies
# to the owner too). Ids and tokens are md5 of fixed keys. Idempotent: the
# services are inserted when missing (an instance loaded before a service was
# added here gets it on its next run); the requests only when none of the
# demo's exists yet.
set -euo pipefail
: "${CABILDO_DATABASE_ADMIN_URL:?export the services environment first (scripts/services env)}"

psql_owner() { psql "$CABILDO_DATABASE_ADMIN_URL" -v ON_ERROR_STOP=1 -qAtX "$@"; }

if [[ "$(psql_owner -c "SELECT to_regclass('service_requests.requests') IS NOT NULL")" != t ]]; then
  echo "demo-data: service-requests is not installed; skipped"
  exit 0
fi

psql_owner <<'SQL'
BEGIN;
\o /dev/null
SELECT set_config('cabildo.tenant_ids', (SELECT string_agg(id::text, ',') FROM core.tenants
                                          WHERE slug IN ('gomez-palacio', 'tepehuanes',
                                                         'municipio-durango')), true);
\o

-- The services, in the shapes of the module's reference services.
CREATE TEMP TABLE demo_services (slug text, code text, name text, description text,
  group_name text, keywords text[], type text, agency text, attributes jsonb) ON COMMIT DROP;
INSERT INTO demo_services VALUES
 ('gomez-palacio', 'limpieza-calles', 'Limpieza de calles',
  'Basura, escombro o ramas en la vía pública que requieren barrido o recolección.',
  'Limpieza y residuos', '{basura,barrido,escombro,limpieza}', 'realtime',
  'Dirección de Servicios Públicos Municipales',
  '[{"code": "aviso", "variable": false, "datatype": "text", "required": false, "order": 0,
     "datatype_description": "",
     "description": "Los reportes de limpieza se atienden en un máximo de 72 horas.", "values": []},
    {"code": "tipo_residuo", "variable": true, "datatype": "singlevaluelist", "required": true,
     "order": 1, "datatype_description": "", "description": "¿Qué hay en la calle?",
     "values": [{"key": "basura_domestica", "name": "Basura doméstica"},
                {"key": "escombro", "name": "Escombro"},
                {"key": "ramas", "name": "Ramas y hierba"},
                {"key": "animal_muerto", "name": "Animal muerto"}]},
    {"code": "volumen_m3", "variable": true, "datatype": "number", "required": false, "order": 2,
     "datatype_description": "Metros cúbicos aproximados, p. ej. 0.5",
     "description": "¿Cuánto volumen calcula?", "values": []}]'),
 ('gomez-palacio', 'separacion-residuos', 'Separación de residuos',
  'Contenedores de separación llenos, mezclados o dañados; recolección diferenciada que no pasó.',
  'Limpieza y residuos', '{reciclaje,separación,contenedor}', 'realtime',
  'Departamento de Ecología',
  '[{"code": "materiales", "variable": true, "datatype": "multivaluelist", "required": true,
     "order": 1, "datatype_description": "", "description": "¿Qué materiales hay?",
     "values": [{"key": "organico", "name": "Orgánico"}, {"key": "pet", "name": "PET"},
                {"key": "vidrio", "name": "Vidrio"}, {"key": "carton", "name": "Cartón"},
                {"key": "metal", "name": "Metal"}]},
    {"code": "visto_el", "variable": true, "datatype": "datetime", "required": false, "order": 2,
     "datatype_description": "", "description": "¿Cuándo lo vio?", "values": []}]'),
 ('tepehuanes', 'senalamiento-vial', 'Señalamiento vial dañado o faltante',
  'Señales de tránsito caídas, ilegibles, vandalizadas o que hacen falta.', 'Vialidad',
  '{señal,alto,tránsito}', 'batch', 'Dirección de Obras Públicas de Tepehuanes',
  '[{"code": "tipo_senal", "variable": true, "datatype": "singlevaluelist", "required": true,
     "order": 1, "datatype_description": "", "description": "¿Qué señal es?",
     "values": [{"key": "alto", "name": "Alto"}, {"key": "ceda_el_paso", "name": "Ceda el paso"},
                {"key": "velocidad", "name": "Límite de velocidad"},
                {"key": "nomenclatura", "name": "Nombre de calle"},
                {"key": "otra", "name": "Otra"}]},
    {"code": "referencia", "variable": true, "datatype": "string", "required": false, "order": 2,
     "datatype_description": "", "description": "Entre qué calles o frente a qué lugar",
     "values": []}]'),
 ('municipio-durango', 'alumbrado-publico', 'Alumbrado público',
  'Luminarias apagadas, que parpadean o que siguen encendidas de día, y postes dañados en calles y parques.',
  'Servicios públicos', '{luminaria,lámpara,poste,alumbrado}', 'realtime',
  'Dirección Municipal de Servicios Públicos',
  '[{"code": "falla", "variable": true, "datatype": "singlevaluelist", "required": true,
     "order": 1, "datatype_description": "", "description": "¿Qué le pasa a la luminaria?",
     "values": [{"key": "apagada", "name": "Está apagada"},
                {"key": "intermitente", "name": "Parpadea"},
                {"key": "encendida_de_dia", "name": "Sigue encendida de día"},
                {"key": "poste_danado", "name": "El poste está dañado o caído"}]},
    {"code": "numero_poste", "variable": true, "datatype": "string", "required": false,
     "order": 2, "datatype_description": "El número pintado en el poste, si lo tiene",
     "description": "Número del poste", "values": []}]');

INSERT INTO service_requests.services (tenant_id, service_code, name, description, group_name,
  keywords, type, attributes, agency_responsible)
SELECT t.id, d.code, d.name, d.description, d.group_name, d.keywords, d.type, d.attributes, d.agency
FROM demo_services d JOIN core.tenants t ON t.slug = d.slug
ON CONFLICT (tenant_id, service_code) WHERE deleted_at IS NULL DO NOTHING;

-- The requests: key (md5 of 'demo-sr-<key>' is the id), tenant, service,
-- the key of the open request a duplicate repeats, place, status, hours
-- since it was reported, hours it took to close (closed statuses), hours
-- until the expected date (open ones), description, staff notes, answers.
CREATE TEMP TABLE demo_requests (key text, slug text, code text, dup text, address text,
  zipcode text, lat double precision, lon double precision, status text, hours_ago int,
  hours_to_close int, expected_in int, description text, notes text, attributes jsonb)
  ON COMMIT DROP;
INSERT INTO demo_requests VALUES
 ('gp-01', 'gomez-palacio', 'limpieza-calles', NULL, 'Av. Morelos 215 Pte., Zona Centro', '35000',
  25.56152, -103.49871, 'received', 3, NULL, NULL,
  'Bolsas de basura acumuladas en la banqueta desde el fin de semana.', '',
  '{"tipo_residuo": "basura_domestica"}'),
 ('gp-02', 'gomez-palacio', 'limpieza-calles', 'gp-01', 'Av. Morelos 240 Pte., Zona Centro', '35000',
  25.56160, -103.49890, 'duplicate', 2, 0, NULL,
  'Hay basura tirada frente a la tienda de la esquina.', '', '{"tipo_residuo": "basura_domestica"}'),
 ('gp-03', 'gomez-palacio', 'limpieza-calles', NULL, 'Calle Hidalgo 118 Sur, Zona Centro', '35000',
  25.55890, -103.49620, 'assigned', 20, NULL, 30,
  'Montón de escombro de una obra que dejaron en la calle.', 'Asignado a la cuadrilla 3 de barrido.',
  '{"tipo_residuo": "escombro"}'),
 ('gp-04', 'gomez-palacio', 'limpieza-calles', NULL, 'Blvd. Miguel Alemán 1450, Col. Las Rosas', '35090',
  25.56930, -103.48250, 'in_progress', 30, NULL, 12,
  'Ramas de un árbol caído por el viento bloquean el carril derecho.',
  'La cuadrilla está retirando las ramas.', '{"tipo_residuo": "ramas"}'),
 ('gp-05', 'gomez-palacio', 'limpieza-calles', NULL, 'Av. Francisco I. Madero 560 Nte.', '35000',
  25.56610, -103.49730, 'resolved', 100, 26, NULL,
  'Escombro y tierra sobre la banqueta, no se puede pasar con carriola.',
  'Se retiró el escombro con volteo.', '{"tipo_residuo": "escombro"}'),
 ('gp-06', 'gomez-palacio', 'limpieza-calles', NULL, 'Calzada Lázaro Cárdenas 890', '35070',
  25.55210, -103.51080, 'closed', 200, 40, NULL,
  'Perro muerto a media calzada, frente a la gasolinera.', 'Atendido y confirmado por la vecina.',
  '{"tipo_residuo": "animal_muerto"}'),
 ('gp-07', 'gomez-palacio', 'limpieza-calles', NULL, 'Calle Centenario 77, Col. Santa Rosa', '35040',
  25.55480, -103.48870, 'rejected', 150, 8, NULL,
  'Terreno baldío lleno de hierba y basura.',
  'El predio es particular; corresponde a su propietario limpiarlo. Se turnó a Inspección.',
  '{"tipo_residuo": "ramas"}'),
 ('gp-08', 'gomez-palacio', 'limpieza-calles', NULL, 'Calle Hidalgo 402 Nte., Zona Centro', '35000',
  25.56720, -103.49580, 'resolved', 60, 18, NULL,
  'Contenedor desbordado, la basura está en la calle.', 'Se recogió y se barrió la zona.',
  '{"tipo_residuo": "basura_domestica"}'),
 ('gp-09', 'gomez-palacio', 'limpieza-calles', NULL, 'Blvd. Miguel Alemán 980, Col. Las Rosas', '35090',
  25.56640, -103.48790, 'received', 10, NULL, NULL,
  'Bolsas de basura en el camellón.', '', '{"tipo_residuo": "basura_domestica"}'),
 ('gp-10', 'gomez-palacio', 'limpieza-calles', NULL, 'Av. Morelos 1020 Ote., Zona Centro', '35000',
  25.56080, -103.48540, 'in_progress', 48, NULL, 24,
  'Escombro de una banqueta rota que nadie ha recogido.', 'Programado para el turno matutino.',
  '{"tipo_residuo": "escombro"}'),
 ('gp-11', 'gomez-palacio', 'limpieza-calles', NULL, 'Calzada Lázaro Cárdenas 1210', '35070',
  25.54960, -103.51430, 'closed', 300, 72, NULL,
  'Ramas cortadas apiladas en la banqueta desde hace una semana.', 'Recolectadas.',
  '{"tipo_residuo": "ramas"}'),
 ('gp-12', 'gomez-palacio', 'limpieza-calles', 'gp-10', 'Av. Morelos 1030 Ote., Zona Centro', '35000',
  25.56095, -103.48530, 'duplicate', 20, 0, NULL,
  'Sigue el escombro en la banqueta de Morelos.', '', '{"tipo_residuo": "escombro"}'),
 ('gp-13', 'gomez-palacio', 'separacion-residuos', NULL, 'Calle Centenario 150, Col. Santa Rosa', '35040',
  25.55530, -103.48690, 'received', 5, NULL, NULL,
  'El contenedor de reciclables está lleno y ya no cabe nada.', '',
  '{"materiales": ["pet", "carton"]}'),
 ('gp-14', 'gomez-palacio', 'separacion-residuos', NULL, 'Av. Morelos 800 Pte., Zona Centro', '35000',
  25.56200, -103.50560, 'assigned', 26, NULL, 20,
  'Mezclaron la basura orgánica con la de reciclaje en el contenedor.',
  'Asignado a la ruta de recolección diferenciada 2.', '{"materiales": ["organico"]}'),
 ('gp-15', 'gomez-palacio', 'separacion-residuos', NULL, 'Calle Hidalgo 55 Sur, Zona Centro', '35000',
  25.55780, -103.49640, 'in_progress', 40, NULL, 8,
  'Contenedor de vidrio roto, hay vidrios en la banqueta.', 'Se está cambiando el contenedor.',
  '{"materiales": ["vidrio", "metal"]}'),
 ('gp-16', 'gomez-palacio', 'separacion-residuos', NULL, 'Blvd. Miguel Alemán 2100, Col. Filadelfia', '35010',
  25.57380, -103.47640, 'resolved', 90, 30, NULL,
  'La recolección de PET no pasó el martes.', 'La ruta pasó el jueves.', '{"materiales": ["pet"]}'),
 ('gp-17', 'gomez-palacio', 'separacion-residuos', NULL, 'Calzada Lázaro Cárdenas 455', '35070',
  25.55420, -103.50700, 'closed', 250, 48, NULL,
  'Los contenedores de orgánico y cartón llevan dos semanas sin vaciarse.', 'Vaciados.',
  '{"materiales": ["organico", "carton"]}'),
 ('gp-18', 'gomez-palacio', 'separacion-residuos', NULL, 'Av. Francisco I. Madero 1200 Nte.', '35000',
  25.57310, -103.49780, 'rejected', 120, 6, NULL,
  'Quiero que pase la recolección diferenciada por mi calle.',
  'La recolección diferenciada aún no cubre esa colonia; está prevista para el próximo año.',
  '{"materiales": ["pet"]}'),
 ('gp-19', 'gomez-palacio', 'separacion-residuos', 'gp-13', 'Calle Centenario 160, Col. Santa Rosa', '35040',
  25.55545, -103.48680, 'duplicate', 4, 0, NULL,
  'Contenedor de reciclaje lleno en Centenario.', '', '{"materiales": ["carton"]}'),
 ('tp-01', 'tepehuanes', 'senalamiento-vial', NULL, 'Calle Juárez esq. Calle Hidalgo, Centro', '35300',
  25.33930, -105.72260, 'received', 4, NULL, NULL,
  'La señal de alto está tirada en el suelo.', '',
  '{"tipo_senal": "alto", "referencia": "Frente a la plaza principal"}'),
 ('tp-02', 'tepehuanes', 'senalamiento-vial', NULL, 'Av. Reforma 210, Centro', '35300',
  25.34150, -105.71950, 'assigned', 30, NULL, 72,
  'Falta el letrero de velocidad máxima a la entrada de la escuela.',
  'Asignado a la cuadrilla de señalamiento.', '{"tipo_senal": "velocidad"}'),
 ('tp-03', 'tepehuanes', 'senalamiento-vial', NULL, 'Calle Zaragoza 45, Centro', '35300',
  25.33780, -105.72410, 'in_progress', 70, NULL, 24,
  'No hay placa con el nombre de la calle en todo el cruce.', 'Placas en fabricación.',
  '{"tipo_senal": "nomenclatura"}'),
 ('tp-04', 'tepehuanes', 'senalamiento-vial', NULL, 'Calle Hidalgo 300, Centro', '35300',
  25.33650, -105.72080, 'resolved', 150, 96, NULL,
  'La señal de ceda el paso está pintada con grafiti y no se lee.', 'Señal sustituida.',
  '{"tipo_senal": "ceda_el_paso"}'),
 ('tp-05', 'tepehuanes', 'senalamiento-vial', NULL, 'Av. Reforma 500, Barrio de Guadalupe', '35300',
  25.34410, -105.71640, 'closed', 400, 120, NULL,
  'Alto doblado por un camión.', 'Se enderezó y se reforzó el poste.', '{"tipo_senal": "alto"}'),
 ('tp-06', 'tepehuanes', 'senalamiento-vial', NULL, 'Calle Juárez 15, salida a Santiago', '35300',
  25.34620, -105.72890, 'rejected', 200, 10, NULL,
  'Falta señalamiento en la carretera a Santiago Papasquiaro.',
  'Es tramo de carretera estatal; se turnó a la Secretaría de Comunicaciones y Obras Públicas.',
  '{"tipo_senal": "otra"}'),
 ('tp-07', 'tepehuanes', 'senalamiento-vial', 'tp-01', 'Calle Juárez esq. Calle Hidalgo, Centro', '35300',
  25.33940, -105.72250, 'duplicate', 2, 0, NULL,
  'Alto caído en Juárez e Hidalgo.', '', '{"tipo_senal": "alto"}');

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM service_requests.requests r JOIN demo_requests d
             ON r.id = md5('demo-sr-' || d.key)::uuid) THEN
    RAISE NOTICE 'demo-data: service-requests already has its demo requests; skipped';
    RETURN;
  END IF;
  -- Folios after each tenant's last one; the originals before their duplicates.
  WITH numbered AS (
    SELECT d.*, t.id AS tenant_id, s.id AS service_id, s.agency_responsible AS agency,
           coalesce((SELECT f.last FROM service_requests.folios f WHERE f.tenant_id = t.id), 0)
             + row_number() OVER (PARTITION BY d.slug ORDER BY d.hours_ago DESC, d.key) AS folio,
           now() - make_interval(hours => d.hours_ago) AS requested_at
    FROM demo_requests d JOIN core.tenants t ON t.slug = d.slug
    JOIN service_requests.services s ON s.tenant_id = t.id AND s.service_code = d.code
      AND s.deleted_at IS NULL)
  INSERT INTO service_requests.requests (tenant_id, id, folio, token, service_id, status,
    status_notes, agency_responsible, service_notice, description, lat, long, address, zipcode,
    attributes, duplicate_of, requested_at, updated_at, expected_at, closed_at)
  SELECT n.tenant_id, md5('demo-sr-' || n.key)::uuid, n.folio, md5('demo-sr-token-' || n.key),
         n.service_id, n.status, n.notes, n.agency,
         CASE WHEN n.dup IS NULL
              THEN 'Recibimos su reporte con folio ' || n.folio || '; lo atiende ' || n.agency || '.'
              ELSE 'Ya teníamos un reporte abierto de lo mismo a menos de 30 metros (folio '
                   || (SELECT o.folio FROM numbered o WHERE o.key = n.dup)
                   || '); su reporte se sumó a ese y verá ahí su avance.' END,
         n.description, n.lat, n.lon, n.address, n.zipcode, n.attributes,
         md5('demo-sr-' || n.dup)::uuid, n.requested_at,
         -- updated: when it closed, else halfway to now once staff touched it
         CASE WHEN n.hours_to_close IS NOT NULL
                THEN n.requested_at + make_interval(hours => n.hours_to_close)
              WHEN n.status = 'received' THEN n.requested_at
              ELSE n.requested_at + make_interval(hours => n.hours_ago / 2) END,
         now() + make_interval(hours => n.expected_in),
         n.requested_at + make_interval(hours => n.hours_to_close)
  FROM numbered n;

  INSERT INTO service_requests.folios (tenant_id, last)
  SELECT tenant_id, max(folio) FROM service_requests.requests GROUP BY tenant_id
  ON CONFLICT (tenant_id) DO UPDATE SET last = greatest(service_requests.folios.last, EXCLUDED.last);

  -- The public history: the path of statuses each request went through,
  -- spread from its report to its last change; notes, agency and expected
  -- date on the last step.
  INSERT INTO service_requests.events (tenant_id, request_id, status, status_notes,
    agency_responsible, expected_at, at)
  SELECT r.tenant_id, r.id, e.status,
         CASE WHEN e.i = e.steps THEN r.status_notes ELSE '' END, r.agency_responsible,
         CASE WHEN e.i = e.steps THEN r.expected_at END,
         r.requested_at + (r.updated_at - r.requested_at) * (e.i - 1) / greatest(e.steps - 1, 1)
  FROM service_requests.requests r JOIN demo_requests d ON r.id = md5('demo-sr-' || d.key)::uuid
  CROSS JOIN LATERAL (
    SELECT p.status, p.i, count(*) OVER () AS steps
    FROM unnest(CASE r.status
                  WHEN 'received' THEN ARRAY['received']
                  WHEN 'assigned' THEN ARRAY['received', 'assigned']
                  WHEN 'in_progress' THEN ARRAY['received', 'assigned', 'in_progress']
                  WHEN 'resolved' THEN ARRAY['received', 'assigned', 'in_progress', 'resolved']
                  WHEN 'closed' THEN ARRAY['received', 'assigned', 'in_progress', 'resolved',
                                           'closed']
                  WHEN 'rejected' THEN ARRAY['received', 'rejected']
                  ELSE ARRAY['duplicate'] END) WITH ORDINALITY AS p(status, i)) e
  ORDER BY r.requested_at, e.i;
  RAISE NOTICE 'demo-data: service-requests loaded (% services, % requests)',
    (SELECT count(*) FROM demo_services), (SELECT count(*) FROM demo_requests);
END $$;
COMMIT;
SQL
