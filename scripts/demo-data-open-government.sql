-- Demo data of open-government (run by scripts/demo-data.sh when the module's
-- tables exist): Durango's third Local Action Plan (Plan de Acción Local,
-- 2025-2027) as the four Local Technical Secretariats co-created it — the
-- State of Durango (public works transparency), Tepehuanes (road signs),
-- Gómez Palacio (street cleaning and waste separation; a suicide-prevention
-- support network) and the Municipio de Durango (crime prevention;
-- environment and waste; registry of procedures and services; sports units;
-- fewer procedures; the single scholarship portal).
--
-- Each Secretariat: government, civil society (titular and alternate), the
-- transparency guarantor and a facilitator with a voice seat; its
-- installation session with 2-3 agreements. Each commitment: 2-4 milestones
-- with statuses that give a realistic progress, and its dated public
-- history. The state's public-works commitment links to the demo project
-- SECOPE-2025-001 when public-works has it. People and organisations are
-- fictional.
--
-- Idempotent: does nothing when any of the four tenants already has a plan.
-- tests/dashboard_itest.cc computes its expected figures from this file.
BEGIN;

CREATE TEMP TABLE og_members (
  slug text, key text, name text, sector text, institution text, position text, seat text,
  alternate_of text
) ON COMMIT DROP;
INSERT INTO og_members VALUES
 -- Estado de Durango
 ('durango', 'gob', 'Mtra. Rosa Elena Quiñones Arreola', 'government',
  'Secretaría de la Contraloría del Estado de Durango', 'Directora de Transparencia y Gobierno Abierto', 'titular', NULL),
 ('durango', 'gob-s', 'Lic. Héctor Manuel Salas Ontiveros', 'government',
  'Secretaría de Comunicaciones y Obras Públicas del Estado', 'Jefe de la Unidad de Transparencia', 'alternate', 'gob'),
 ('durango', 'osc', 'Ing. Daniela Ibarra Contreras', 'civil_society',
  'Observatorio Ciudadano de Obra Pública de Durango, A.C.', 'Coordinadora general', 'titular', NULL),
 ('durango', 'osc-s', 'Lic. Jorge Alberto Medina Soto', 'civil_society',
  'Observatorio Ciudadano de Obra Pública de Durango, A.C.', 'Investigador', 'alternate', 'osc'),
 ('durango', 'osc2', 'Dra. Patricia Álvarez Reyes', 'civil_society',
  'Colectivo Durango Transparente, A.C.', 'Presidenta', 'titular', NULL),
 ('durango', 'garante', 'Mtro. Luis Fernando Gurrola Nevárez', 'guarantor',
  'Órgano garante de transparencia del Estado de Durango', 'Comisionado', 'titular', NULL),
 ('durango', 'facilita', 'Dra. Ana Lucía Herrera Campos', 'facilitator',
  'Universidad Juárez del Estado de Durango', 'Profesora investigadora, Facultad de Derecho', 'voice', NULL),
 -- Municipio de Durango
 ('municipio-durango', 'gob', 'Lic. Ricardo Soto Valenzuela', 'government',
  'Ayuntamiento de Durango', 'Secretario Técnico del Ayuntamiento', 'titular', NULL),
 ('municipio-durango', 'gob-s', 'Lic. Claudia Berenice Rocha Ávila', 'government',
  'Dirección Municipal de Mejora Regulatoria', 'Directora', 'alternate', 'gob'),
 ('municipio-durango', 'osc', 'Mtro. Ernesto Villarreal Bermúdez', 'civil_society',
  'Consejo Ciudadano de Seguridad de Durango, A.C.', 'Presidente', 'titular', NULL),
 ('municipio-durango', 'osc-s', 'Lic. Mariana Castañeda Luna', 'civil_society',
  'Consejo Ciudadano de Seguridad de Durango, A.C.', 'Secretaria técnica', 'alternate', 'osc'),
 ('municipio-durango', 'osc2', 'Biól. Andrea Saucedo Meraz', 'civil_society',
  'Guadiana Verde, A.C.', 'Directora', 'titular', NULL),
 ('municipio-durango', 'garante', 'Mtra. Verónica Ramírez Carrillo', 'guarantor',
  'Órgano garante de transparencia del Estado de Durango', 'Comisionada', 'titular', NULL),
 ('municipio-durango', 'facilita', 'Mtro. Óscar Iván Reyes Moncada', 'facilitator',
  'Instituto Tecnológico de Durango', 'Coordinador de vinculación', 'voice', NULL),
 -- Gómez Palacio
 ('gomez-palacio', 'gob', 'Ing. Miguel Ángel Barraza Ríos', 'government',
  'Ayuntamiento de Gómez Palacio', 'Director de Servicios Públicos Municipales', 'titular', NULL),
 ('gomez-palacio', 'gob-s', 'Lic. Sandra Luz Fierro Méndez', 'government',
  'Ayuntamiento de Gómez Palacio', 'Titular de la Unidad de Transparencia', 'alternate', 'gob'),
 ('gomez-palacio', 'osc', 'Psic. Laura Estela Orozco Favela', 'civil_society',
  'Red Lagunera por la Vida, A.C.', 'Coordinadora', 'titular', NULL),
 ('gomez-palacio', 'osc-s', 'Lic. Tomás Esparza Lugo', 'civil_society',
  'Red Lagunera por la Vida, A.C.', 'Voluntario', 'alternate', 'osc'),
 ('gomez-palacio', 'osc2', 'Arq. Fernanda Garza Olvera', 'civil_society',
  'Vecinos por un Gómez Limpio, A.C.', 'Presidenta', 'titular', NULL),
 ('gomez-palacio', 'garante', 'Mtro. Luis Fernando Gurrola Nevárez', 'guarantor',
  'Órgano garante de transparencia del Estado de Durango', 'Comisionado', 'titular', NULL),
 ('gomez-palacio', 'facilita', 'Dr. Raúl Enrique Cisneros Mata', 'facilitator',
  'Universidad Autónoma de La Laguna', 'Coordinador del Observatorio de Políticas Públicas', 'voice', NULL),
 -- Tepehuanes
 ('tepehuanes', 'gob', 'C. José Luis Chávez Alvarado', 'government',
  'Ayuntamiento de Tepehuanes', 'Secretario del Ayuntamiento', 'titular', NULL),
 ('tepehuanes', 'gob-s', 'Ing. Marco Antonio Herrera Nájera', 'government',
  'Ayuntamiento de Tepehuanes', 'Director de Obras Públicas', 'alternate', 'gob'),
 ('tepehuanes', 'osc', 'Profra. Guadalupe Soto Cháirez', 'civil_society',
  'Comité Ciudadano de Santa Catarina de Tepehuanes', 'Representante', 'titular', NULL),
 ('tepehuanes', 'osc-s', 'C. Ramón Quiñones Vega', 'civil_society',
  'Comité Ciudadano de Santa Catarina de Tepehuanes', 'Secretario', 'alternate', 'osc'),
 ('tepehuanes', 'garante', 'Mtra. Verónica Ramírez Carrillo', 'guarantor',
  'Órgano garante de transparencia del Estado de Durango', 'Comisionada', 'titular', NULL),
 ('tepehuanes', 'facilita', 'Dra. Ana Lucía Herrera Campos', 'facilitator',
  'Universidad Juárez del Estado de Durango', 'Profesora investigadora, Facultad de Derecho', 'voice', NULL);

CREATE TEMP TABLE og_sessions (slug text, held_on date, minutes_url text) ON COMMIT DROP;
INSERT INTO og_sessions VALUES
 ('durango', '2025-06-16', 'https://transparencia.durango.gob.mx/gobierno-abierto/actas/2025-06-16-instalacion-stl.pdf'),
 ('municipio-durango', '2025-06-23', 'https://www.municipiodurango.gob.mx/gobierno-abierto/actas/2025-06-23-instalacion-stl.pdf'),
 ('gomez-palacio', '2025-06-27', 'https://www.gomezpalacio.gob.mx/gobierno-abierto/actas/2025-06-27-instalacion-stl.pdf'),
 ('tepehuanes', '2025-07-04', 'https://www.tepehuanes.gob.mx/gobierno-abierto/actas/2025-07-04-instalacion-stl.pdf');

CREATE TEMP TABLE og_agreements (slug text, position int, text text, responsible text, due date,
                                 done boolean) ON COMMIT DROP;
INSERT INTO og_agreements VALUES
 ('durango', 1, 'Aprobar el reglamento interno del Secretariado Técnico Local.', 'Secretaría de la Contraloría del Estado', '2025-07-31', true),
 ('durango', 2, 'Realizar tres mesas de cocreación sobre obra pública con organizaciones y colegios de profesionistas.', 'Observatorio Ciudadano de Obra Pública de Durango, A.C.', '2025-09-30', true),
 ('durango', 3, 'Publicar el micrositio de seguimiento del Plan de Acción Local.', 'Secretaría de la Contraloría del Estado', '2026-12-31', false),
 ('municipio-durango', 1, 'Aprobar el reglamento interno del Secretariado Técnico Local.', 'Secretaría Técnica del Ayuntamiento', '2025-07-31', true),
 ('municipio-durango', 2, 'Convocar a consulta pública sobre los trámites de mayor demanda.', 'Dirección Municipal de Mejora Regulatoria', '2025-10-31', true),
 ('municipio-durango', 3, 'Presentar al Cabildo el informe semestral de avance del plan.', 'Secretaría Técnica del Ayuntamiento', '2026-01-31', false),
 ('gomez-palacio', 1, 'Aprobar el reglamento interno del Secretariado Técnico Local.', 'Unidad de Transparencia', '2025-07-31', true),
 ('gomez-palacio', 2, 'Integrar la mesa de salud mental con instituciones de salud y organizaciones.', 'Red Lagunera por la Vida, A.C.', '2025-09-15', true),
 ('tepehuanes', 1, 'Aprobar el reglamento interno del Secretariado Técnico Local.', 'Secretaría del Ayuntamiento', '2025-08-15', true),
 ('tepehuanes', 2, 'Recorrer con vecinos los cruceros de la cabecera para el diagnóstico de señalamiento.', 'Dirección de Obras Públicas', '2025-10-31', false);

CREATE TEMP TABLE og_commitments (
  slug text, number text, title text, problem text, baseline text, objective text,
  ogp_values text[], theme text, lead_institution text, lead_contact text,
  co_responsible text[], start_date date, end_date date, linked_project text
) ON COMMIT DROP;
INSERT INTO og_commitments VALUES
 ('durango', '1', 'Transparencia proactiva en la obra pública estatal',
  'La información de las obras públicas del Estado está dispersa, en formatos no reutilizables y sin avance físico-financiero actualizado.',
  'En 2024 solo el 20 % de las obras estatales publicaba su avance, y ninguna en datos abiertos.',
  'Publicar todas las obras estatales en el Estándar de Datos para las Contrataciones Abiertas de Infraestructura (OC4IDS), con avance, fotografías y contraloría social.',
  '{access_to_information,public_accountability,technology_and_innovation}', 'Obra pública',
  'Secretaría de Comunicaciones y Obras Públicas del Estado', 'transparencia.secope@durango.gob.mx',
  '{"Observatorio Ciudadano de Obra Pública de Durango, A.C.","Secretaría de la Contraloría del Estado"}',
  '2025-09-01', '2027-05-31', 'SECOPE-2025-001'),
 ('tepehuanes', '1', 'Señalamiento vial y seguridad peatonal en la cabecera municipal',
  'Los cruceros del centro de Santa Catarina de Tepehuanes y los accesos a escuelas carecen de señalamiento; se registran atropellamientos.',
  'Sin señalamiento en 35 cruceros del centro ni en las zonas escolares de 12 comunidades.',
  'Diagnosticar con la población los cruceros peligrosos y señalizarlos, con seguimiento público de la obra.',
  '{civic_participation,public_accountability}', 'Movilidad y seguridad vial',
  'Dirección de Obras Públicas de Tepehuanes', 'obraspublicas@tepehuanes.gob.mx',
  '{"Comité Ciudadano de Santa Catarina de Tepehuanes"}', '2025-09-01', '2027-03-31', NULL),
 ('gomez-palacio', '1', 'Limpieza de calles y separación de residuos con participación vecinal',
  'Rutas y horarios de recolección desconocidos para la población y tiraderos clandestinos en colonias periféricas.',
  'Ninguna colonia separa residuos; 48 tiraderos clandestinos reportados en 2024.',
  'Publicar rutas y horarios en datos abiertos, separar residuos en 10 colonias piloto y dar seguimiento público a los reportes ciudadanos.',
  '{access_to_information,civic_participation}', 'Servicios públicos y medio ambiente',
  'Dirección de Servicios Públicos Municipales de Gómez Palacio', 'serviciospublicos@gomezpalacio.gob.mx',
  '{"Vecinos por un Gómez Limpio, A.C."}', '2025-09-01', '2027-05-31', NULL),
 ('gomez-palacio', '2', 'Red de apoyo para la prevención del suicidio',
  'La población no conoce los servicios de atención en salud mental disponibles ni cómo actuar ante una crisis.',
  'Sin directorio público de servicios ni personas capacitadas como primer respondiente fuera del sector salud.',
  'Integrar una red municipal de apoyo con directorio público, capacitación de primeros respondientes y una línea de apoyo con reporte periódico.',
  '{access_to_information,civic_participation}', 'Salud mental',
  'Dirección Municipal de Salud de Gómez Palacio', 'salud@gomezpalacio.gob.mx',
  '{"Red Lagunera por la Vida, A.C.","Universidad Autónoma de La Laguna"}', '2025-10-01', '2027-05-31', NULL),
 ('municipio-durango', '1', 'Prevención social de la violencia y la delincuencia con participación ciudadana',
  'Las acciones de prevención no se planean con las colonias y no hay información pública de incidencia por colonia.',
  'Sin comités vecinales de prevención activos; incidencia publicada solo a nivel municipal.',
  'Instalar comités vecinales de prevención en colonias prioritarias y publicar la incidencia delictiva por colonia.',
  '{access_to_information,civic_participation}', 'Seguridad ciudadana',
  'Dirección Municipal de Seguridad Pública', 'prevencion@municipiodurango.gob.mx',
  '{"Consejo Ciudadano de Seguridad de Durango, A.C."}', '2025-09-01', '2027-05-31', NULL),
 ('municipio-durango', '2', 'Medio ambiente y residuos: centros de acopio y reciclaje',
  'Los residuos reciclables terminan en el relleno sanitario por falta de centros de acopio y de información.',
  'Dos centros de acopio municipales, sin datos públicos de lo recolectado.',
  'Abrir tres centros de acopio, publicar lo recolectado en datos abiertos y llevar la separación a las escuelas.',
  '{access_to_information,civic_participation}', 'Medio ambiente',
  'Dirección Municipal de Medio Ambiente', 'medioambiente@municipiodurango.gob.mx',
  '{"Guadiana Verde, A.C."}', '2025-09-01', '2027-05-31', NULL),
 ('municipio-durango', '3', 'Registro Municipal de Trámites y Servicios',
  'Las personas no encuentran en un solo lugar los requisitos, costos y plazos de los trámites municipales.',
  'Información de trámites en 14 páginas distintas, incompleta respecto de la Ley General de Mejora Regulatoria.',
  'Publicar el registro municipal de trámites y servicios completo, en línea y validado por la ciudadanía.',
  '{access_to_information,technology_and_innovation}', 'Mejora regulatoria',
  'Dirección Municipal de Mejora Regulatoria', 'mejoraregulatoria@municipiodurango.gob.mx',
  '{"Colectivo Durango Transparente, A.C."}', '2025-09-01', '2026-12-31', NULL),
 ('municipio-durango', '4', 'Unidades deportivas con seguimiento ciudadano',
  'Las unidades deportivas se rehabilitan sin información pública de su estado ni participación de quienes las usan.',
  'Sin información pública del estado de las 12 unidades deportivas municipales.',
  'Publicar el estado y las obras de cada unidad deportiva e instalar comités de usuarios que den seguimiento.',
  '{access_to_information,civic_participation,public_accountability}', 'Deporte',
  'Instituto Municipal del Deporte', 'deporte@municipiodurango.gob.mx',
  '{"Ligas deportivas municipales"}', '2025-09-01', '2027-05-31', NULL),
 ('municipio-durango', '5', 'Menos trámites: simplificación y eliminación de requisitos',
  'Trámites de alta demanda piden requisitos duplicados y visitas presenciales innecesarias.',
  'Los 30 trámites de mayor demanda piden en promedio 7 requisitos.',
  'Eliminar o simplificar 15 trámites de alta demanda con propuestas de la ciudadanía.',
  '{civic_participation,technology_and_innovation}', 'Mejora regulatoria',
  'Dirección Municipal de Mejora Regulatoria', 'mejoraregulatoria@municipiodurango.gob.mx',
  '{"Consejo Coordinador Empresarial de Durango"}', '2026-06-01', '2027-05-31', NULL),
 ('municipio-durango', '6', 'Portal único de becas municipales',
  'Cada programa de becas tiene su propia convocatoria y ventanilla; el padrón no se publica en formato abierto.',
  'Cuatro convocatorias separadas y solicitud solo presencial.',
  'Reunir todas las becas en un portal único con solicitud en línea y padrón público sin datos personales.',
  '{access_to_information,technology_and_innovation}', 'Educación',
  'Dirección Municipal de Educación', 'educacion@municipiodurango.gob.mx',
  '{"Colectivo Durango Transparente, A.C."}', '2025-09-01', '2027-05-31', NULL);

-- Equal weights unless given. Progress (met 100, partially_met 50, else 0):
-- durango 1: 62.5; tepehuanes 1: 50; gomez-palacio 1: 62.5, 2: 50 (weights
-- 1, 2, 1); municipio-durango 1: 62.5, 2: 25 (weights 1, 2, 1), 3: 100,
-- 4: 25, 5: 0, 6: 62.5.
CREATE TEMP TABLE og_milestones (slug text, number text, title text, deliverable text, due date,
                                 weight numeric, status text, evidence jsonb) ON COMMIT DROP;
INSERT INTO og_milestones VALUES
 ('durango', '1', 'Obras estatales de 2025 publicadas en OC4IDS', 'Paquete de proyectos OC4IDS en el portal de datos abiertos', '2026-02-27', 1, 'met',
  '[{"url": "https://transparencia.durango.gob.mx/datos-abiertos/obra-publica/oc4ids-2025.json", "note": "Paquete publicado con 48 obras.", "at": "2026-02-20"}]'),
 ('durango', '1', 'Micrositio de seguimiento de obra con avance físico-financiero', 'Micrositio con fotografías y avance de cada obra', '2026-06-30', 1, 'met',
  '[{"url": "https://obras.durango.gob.mx/seguimiento", "note": "Micrositio en línea.", "at": "2026-06-26"}]'),
 ('durango', '1', 'Contraloría social en cinco obras con comités ciudadanos', 'Actas de instalación y reportes de los comités', '2026-10-30', 1, 'partially_met',
  '[{"url": "https://transparencia.durango.gob.mx/contraloria-social/comites-2026.pdf", "note": "Tres de cinco comités instalados.", "at": "2026-10-28"}]'),
 ('durango', '1', 'Informe de resultados y evaluación con el Secretariado', 'Informe público de resultados', '2027-03-31', 1, 'scheduled', '[]'),
 ('tepehuanes', '1', 'Diagnóstico participativo de cruceros peligrosos', 'Mapa de cruceros priorizados con los vecinos', '2026-01-30', 1, 'met',
  '[{"url": "https://www.tepehuanes.gob.mx/gobierno-abierto/diagnostico-cruceros.pdf", "note": "35 cruceros priorizados.", "at": "2026-01-28"}]'),
 ('tepehuanes', '1', 'Señalamiento en 35 cruceros del centro', 'Señalamiento horizontal y vertical instalado', '2026-07-31', 1, 'partially_met',
  '[{"url": "https://www.tepehuanes.gob.mx/obras/senalamiento-centro-avance.pdf", "note": "22 de 35 cruceros señalizados.", "at": "2026-07-30"}]'),
 ('tepehuanes', '1', 'Señalamiento escolar en 12 comunidades', 'Zonas escolares señalizadas', '2026-11-27', 1, 'not_met', '[]'),
 ('gomez-palacio', '1', 'Mapa abierto de rutas y horarios de recolección', 'Rutas y horarios en datos abiertos', '2026-03-31', 1, 'met',
  '[{"url": "https://www.gomezpalacio.gob.mx/datos-abiertos/rutas-recoleccion.csv", "note": "42 rutas publicadas.", "at": "2026-03-25"}]'),
 ('gomez-palacio', '1', 'Separación de residuos en 10 colonias piloto', 'Informe del programa piloto', '2026-08-31', 1, 'met',
  '[{"url": "https://www.gomezpalacio.gob.mx/servicios-publicos/piloto-separacion.pdf", "note": "10 colonias con separación.", "at": "2026-08-29"}]'),
 ('gomez-palacio', '1', 'Reporte ciudadano de tiraderos con seguimiento público', 'Tablero público de reportes atendidos', '2027-01-29', 1, 'partially_met', '[]'),
 ('gomez-palacio', '1', 'Evaluación con los comités vecinales', 'Informe de evaluación', '2027-04-30', 1, 'scheduled', '[]'),
 ('gomez-palacio', '2', 'Directorio público de servicios de salud mental', 'Directorio en línea y en centros de salud', '2026-04-30', 1, 'met',
  '[{"url": "https://www.gomezpalacio.gob.mx/salud/directorio-salud-mental", "note": "27 servicios registrados.", "at": "2026-04-22"}]'),
 ('gomez-palacio', '2', 'Capacitación de 200 primeros respondientes', 'Constancias y lista pública de sedes', '2026-09-30', 2, 'partially_met',
  '[{"url": "https://www.gomezpalacio.gob.mx/salud/capacitacion-primer-respondiente.pdf", "note": "118 personas capacitadas.", "at": "2026-09-30"}]'),
 ('gomez-palacio', '2', 'Línea de apoyo con horario ampliado y reporte trimestral', 'Primer reporte trimestral de la línea', '2027-01-29', 1, 'scheduled', '[]'),
 ('municipio-durango', '1', 'Diagnóstico de colonias prioritarias en datos abiertos', 'Diagnóstico publicado', '2026-02-27', 1, 'met',
  '[{"url": "https://www.municipiodurango.gob.mx/datos-abiertos/diagnostico-prevencion.csv", "note": "25 colonias prioritarias.", "at": "2026-02-25"}]'),
 ('municipio-durango', '1', 'Instalación de 20 comités vecinales de prevención', 'Actas de instalación', '2026-06-30', 1, 'met',
  '[{"url": "https://www.municipiodurango.gob.mx/seguridad/comites-vecinales.pdf", "note": "20 comités instalados.", "at": "2026-06-30"}]'),
 ('municipio-durango', '1', 'Tablero público de incidencia delictiva por colonia', 'Tablero en línea actualizado cada mes', '2026-10-30', 1, 'partially_met', '[]'),
 ('municipio-durango', '1', 'Evaluación ciudadana de las acciones de prevención', 'Informe de evaluación', '2027-02-26', 1, 'scheduled', '[]'),
 ('municipio-durango', '2', 'Inventario abierto de centros de acopio', 'Inventario en datos abiertos', '2026-03-31', 1, 'met',
  '[{"url": "https://www.municipiodurango.gob.mx/datos-abiertos/centros-acopio.csv", "note": "Inventario publicado.", "at": "2026-03-30"}]'),
 ('municipio-durango', '2', 'Tres nuevos centros de acopio de reciclables', 'Centros en operación', '2026-09-30', 2, 'not_met', '[]'),
 ('municipio-durango', '2', 'Separación de residuos en 40 escuelas', 'Informe de la campaña escolar', '2027-03-31', 1, 'scheduled', '[]'),
 ('municipio-durango', '3', 'Catálogo de trámites con los campos de la Ley General de Mejora Regulatoria', 'Catálogo completo', '2026-01-30', 1, 'met',
  '[{"url": "https://www.municipiodurango.gob.mx/tramites/catalogo.pdf", "note": "212 trámites y servicios.", "at": "2026-01-29"}]'),
 ('municipio-durango', '3', 'Registro en línea con búsqueda', 'Registro municipal en línea', '2026-05-29', 1, 'met',
  '[{"url": "https://tramites.municipiodurango.gob.mx", "note": "Registro en línea.", "at": "2026-05-27"}]'),
 ('municipio-durango', '3', 'Validación ciudadana de 50 fichas', 'Informe de validación', '2026-09-30', 1, 'met',
  '[{"url": "https://www.municipiodurango.gob.mx/tramites/validacion-ciudadana.pdf", "note": "54 fichas validadas.", "at": "2026-09-24"}]'),
 ('municipio-durango', '4', 'Estado de las 12 unidades deportivas publicado', 'Fichas públicas por unidad', '2026-04-30', 1, 'partially_met',
  '[{"url": "https://www.municipiodurango.gob.mx/deporte/unidades", "note": "7 de 12 fichas publicadas.", "at": "2026-04-30"}]'),
 ('municipio-durango', '4', 'Comités de usuarios en seis unidades deportivas', 'Actas de instalación', '2026-10-30', 1, 'scheduled', '[]'),
 ('municipio-durango', '5', 'Análisis de los 30 trámites de mayor demanda', 'Análisis publicado con propuestas ciudadanas', '2027-01-29', 1, 'scheduled', '[]'),
 ('municipio-durango', '5', 'Eliminar o simplificar 15 trámites', 'Acuerdos de simplificación publicados', '2027-04-30', 1, 'scheduled', '[]'),
 ('municipio-durango', '6', 'Padrón de becas en datos abiertos, sin datos personales', 'Padrón publicado', '2026-03-31', 1, 'met',
  '[{"url": "https://www.municipiodurango.gob.mx/datos-abiertos/padron-becas.csv", "note": "Padrón 2025-2026.", "at": "2026-03-27"}]'),
 ('municipio-durango', '6', 'Todas las convocatorias en un solo portal', 'Portal único de becas', '2026-08-31', 1, 'met',
  '[{"url": "https://becas.municipiodurango.gob.mx", "note": "Cuatro convocatorias en el portal.", "at": "2026-08-20"}]'),
 ('municipio-durango', '6', 'Solicitud en línea de todas las becas', 'Solicitud en línea', '2026-11-30', 1, 'partially_met', '[]'),
 ('municipio-durango', '6', 'Encuesta de satisfacción de solicitantes', 'Resultados de la encuesta', '2027-02-26', 1, 'scheduled', '[]');

DO $$
BEGIN
  -- Row-level security applies to the owner too: scope this transaction to
  -- the four demo tenants.
  PERFORM set_config('cabildo.tenant_ids',
                     (SELECT string_agg(id::text, ',') FROM core.tenants
                      WHERE slug IN ('durango', 'municipio-durango', 'gomez-palacio', 'tepehuanes')),
                     true);
  IF EXISTS (SELECT 1 FROM open_government.plans) THEN
    RAISE NOTICE 'demo-data: open-government already has data; skipped';
    RETURN;
  END IF;

  -- Members: titular and voice seats first, then the alternates that name them.
  CREATE TEMP TABLE og_member_ids ON COMMIT DROP AS
    SELECT m.slug, m.key, t.id AS tenant_id, gen_random_uuid() AS id
    FROM og_members m JOIN core.tenants t ON t.slug = m.slug;
  INSERT INTO open_government.members (tenant_id, id, name, sector, institution, position, seat,
    alternate_of, since, published)
  SELECT i.tenant_id, i.id, m.name, m.sector, m.institution, m.position, m.seat, a.id,
         s.held_on, true
  FROM og_members m
  JOIN og_member_ids i ON i.slug = m.slug AND i.key = m.key
  JOIN og_sessions s ON s.slug = m.slug
  LEFT JOIN og_member_ids a ON a.slug = m.slug AND a.key = m.alternate_of
  ORDER BY m.alternate_of IS NOT NULL;

  INSERT INTO open_government.sessions (tenant_id, held_on, kind, minutes_url, published)
  SELECT t.id, s.held_on, 'ordinary', s.minutes_url, true
  FROM og_sessions s JOIN core.tenants t ON t.slug = s.slug;
  INSERT INTO open_government.agreements (tenant_id, session_id, position, text, responsible, due,
    done)
  SELECT se.tenant_id, se.id, a.position, a.text, a.responsible, a.due, a.done
  FROM og_agreements a JOIN core.tenants t ON t.slug = a.slug
  JOIN open_government.sessions se ON se.tenant_id = t.id;

  -- The state's public-works commitment links to its demo project (dynamic
  -- SQL: the table may not exist when public-works is not installed).
  ALTER TABLE og_commitments ADD COLUMN linked_id uuid;
  IF to_regclass('public_works.projects') IS NOT NULL THEN
    EXECUTE 'UPDATE og_commitments c SET linked_id = x.id FROM public_works.projects x '
            'JOIN core.tenants t ON t.id = x.tenant_id WHERE t.slug = c.slug '
            'AND x.external_id = c.linked_project AND x.deleted_at IS NULL';
  END IF;

  INSERT INTO open_government.plans (tenant_id, title, description, cycle, period_start,
    period_end, phase, published)
  SELECT t.id, 'Tercer Plan de Acción Local de Gobierno Abierto de Durango — ' || t.name,
         'Compromisos cocreados por el Secretariado Técnico Local de ' || t.name ||
         ' en el ejercicio de Gobierno Abierto de Durango 2025-2027.',
         '2025-2027', '2025-06-01', '2027-06-30', 'implementation', true
  FROM core.tenants t
  WHERE t.slug IN ('durango', 'municipio-durango', 'gomez-palacio', 'tepehuanes');

  INSERT INTO open_government.commitments (tenant_id, plan_id, number, title, problem, baseline,
    objective, ogp_values, theme, lead_institution, lead_contact, co_responsible, start_date,
    end_date, linked_module, linked_ref)
  SELECT p.tenant_id, p.id, c.number, c.title, c.problem, c.baseline, c.objective, c.ogp_values,
         c.theme, c.lead_institution, c.lead_contact, c.co_responsible, c.start_date, c.end_date,
         CASE WHEN c.linked_id IS NOT NULL THEN 'public-works' END, c.linked_id::text
  FROM og_commitments c
  JOIN core.tenants t ON t.slug = c.slug
  JOIN open_government.plans p ON p.tenant_id = t.id;

  INSERT INTO open_government.milestones (tenant_id, commitment_id, title, deliverable, due,
    weight, status, evidence)
  SELECT c.tenant_id, c.id, m.title, m.deliverable, m.due, m.weight, m.status, m.evidence
  FROM og_milestones m
  JOIN core.tenants t ON t.slug = m.slug
  JOIN open_government.commitments c ON c.tenant_id = t.id AND c.number = m.number;
  -- The dated public history: each commitment and milestone registered when
  -- the commitment started, and each status change on its evidence's date
  -- (else its due date).
  INSERT INTO open_government.commitment_history (tenant_id, commitment_id, milestone_id, at,
    actor, action, changes)
  SELECT c.tenant_id, c.id, NULL, (c.start_date + time '10:00') AT TIME ZONE 'America/Mexico_City',
         'Personal del ente', 'commitment.created',
         jsonb_build_object('title', jsonb_build_object('from', NULL, 'to', c.title))
  FROM open_government.commitments c
  UNION ALL
  SELECT m.tenant_id, m.commitment_id, m.id,
         (c.start_date + time '10:05') AT TIME ZONE 'America/Mexico_City', 'Personal del ente',
         'milestone.created', jsonb_build_object('title', jsonb_build_object('from', NULL, 'to',
         m.title), 'due', jsonb_build_object('from', NULL, 'to', m.due))
  FROM open_government.milestones m
  JOIN open_government.commitments c ON c.tenant_id = m.tenant_id AND c.id = m.commitment_id
  UNION ALL
  SELECT m.tenant_id, m.commitment_id, m.id,
         (coalesce((m.evidence -> 0 ->> 'at')::date, m.due) + time '13:00')
           AT TIME ZONE 'America/Mexico_City',
         'Personal del ente', 'milestone.updated',
         jsonb_build_object('status', jsonb_build_object('from', 'scheduled', 'to', m.status))
  FROM open_government.milestones m WHERE m.status <> 'scheduled';
  RAISE NOTICE 'demo-data: open-government loaded';
END $$;
COMMIT;
