-- Demo data of procedure-registry (run by scripts/demo-data.sh when the
-- module's tables exist, after open-government): the registry of procedures
-- and services ("registro de trámites y servicios") of the four Durango
-- tenants, with every item LGMR art. 46 asks for (domain.md §A) filled with
-- plausible content: agencies, offices with address, location and hours,
-- costs in MXN per each municipality's Ley de Ingresos, the legal bases in
-- Durango's state laws and municipal regulations (article numbers are
-- illustrative), forms, terms and contact channels. Phone numbers, e-mail
-- addresses and URLs are made up.
--
--   municipio-durango  licencia de construcción, alineamiento y número
--                      oficial, licencia de funcionamiento (SARE, en línea),
--                      constancia de residencia, permiso de anuncios,
--                      recolección de residuos voluminosos (servicio gratuito)
--                      and one draft missing legal items (visto bueno de
--                      protección civil: no legal basis, steps, offices, ...)
--   gomez-palacio      licencia de construcción, constancia de no adeudo del
--                      impuesto predial, poda o retiro de árboles (servicio)
--   tepehuanes         constancia de residencia, contrato de agua potable
--   durango (state)    constancia de no inhabilitación (en línea), registro
--                      en el padrón de proveedores
--
-- Each published one is stored as the publish route leaves it: status
-- published, the working copy (`draft`, no homoclave) equal to version 1's
-- document (the working copy + homoclave, valid_until NULL), published_version
-- 1 and public_updated_at = published_at. So publishing it again changes
-- nothing (same document: no new version).
--
-- Idempotent: a demo record whose homoclave its tenant already has is left
-- alone (ON CONFLICT DO NOTHING), so a second run inserts nothing and the demo
-- data can join other data. tests/exports_itest.cc checks it.
BEGIN;

-- What every record of a tenant shares unless it says otherwise.
CREATE TEMP TABLE pr_tenant_defaults (slug text, defaults jsonb) ON COMMIT DROP;
INSERT INTO pr_tenant_defaults VALUES
 ('municipio-durango', $${
   "audience": "citizens",
   "payment_methods": ["efectivo en las cajas de la Dirección Municipal de Administración y Finanzas",
                       "tarjeta de débito o crédito",
                       "transferencia con la línea de captura"],
   "contact_channels": [{"kind": "phone", "value": "618 137 8000"},
                        {"kind": "email", "value": "atencion.ciudadana@municipiodurango.gob.mx"},
                        {"kind": "web", "value": "https://www.municipiodurango.gob.mx/tramites"}],
   "prevention_terms": {"authority_days": 5, "applicant_days": 5}
 }$$),
 ('gomez-palacio', $${
   "audience": "citizens",
   "payment_methods": ["efectivo en las cajas de la Tesorería Municipal", "tarjeta de débito o crédito"],
   "contact_channels": [{"kind": "phone", "value": "871 175 1000"},
                        {"kind": "email", "value": "tramites@gomezpalacio.gob.mx"}],
   "prevention_terms": {"authority_days": 5, "applicant_days": 10}
 }$$),
 ('tepehuanes', $${
   "audience": "citizens",
   "payment_methods": ["efectivo en la Tesorería Municipal"],
   "contact_channels": [{"kind": "phone", "value": "674 868 0010"},
                        {"kind": "email", "value": "presidencia@tepehuanes.gob.mx"}],
   "prevention_terms": {"authority_days": 3, "applicant_days": 5}
 }$$),
 ('durango', $${
   "audience": "both",
   "payment_methods": ["pago en línea con tarjeta", "ventanilla bancaria con la línea de captura",
                       "recaudaciones de rentas del Estado"],
   "contact_channels": [{"kind": "phone", "value": "618 137 2900"},
                        {"kind": "email", "value": "tramites@durango.gob.mx"},
                        {"kind": "web", "value": "https://tramites.durango.gob.mx"}],
   "prevention_terms": {"authority_days": 5, "applicant_days": 10}
 }$$);

-- The offices records name by key.
CREATE TEMP TABLE pr_offices (key text, office jsonb) ON COMMIT DROP;
INSERT INTO pr_offices VALUES
 ('mdgo-du', $${"name": "Ventanilla Única de Desarrollo Urbano",
   "address": "Calle 5 de Febrero 800 Poniente, Zona Centro, 34000 Durango, Dgo.",
   "lat": 24.0277, "lon": -104.6532, "hours": "Lunes a viernes de 8:00 a 15:00"}$$),
 ('mdgo-sare', $${"name": "Centro Municipal de Atención Empresarial (SARE)",
   "address": "Blvd. Felipe Pescador 1401 Oriente, Col. Nueva Vizcaya, 34080 Durango, Dgo.",
   "lat": 24.0301, "lon": -104.6405, "hours": "Lunes a viernes de 8:30 a 16:00; sábados de 9:00 a 13:00"}$$),
 ('mdgo-sa', $${"name": "Secretaría del Ayuntamiento, ventanilla de constancias",
   "address": "Palacio Municipal, Calle 5 de Febrero 800 Poniente, Zona Centro, 34000 Durango, Dgo.",
   "lat": 24.0279, "lon": -104.6529, "hours": "Lunes a viernes de 8:00 a 15:00"}$$),
 ('mdgo-sa-norte', $${"name": "Módulo de atención ciudadana Norte",
   "address": "Av. Cuauhtémoc 1500 Norte, Col. El Refugio, 34170 Durango, Dgo.",
   "lat": 24.0452, "lon": -104.6611, "hours": "Lunes a viernes de 9:00 a 14:00"}$$),
 ('mdgo-sp', $${"name": "Dirección Municipal de Servicios Públicos",
   "address": "Calle Independencia 400 Sur, Zona Centro, 34000 Durango, Dgo.",
   "lat": 24.0231, "lon": -104.6570, "hours": "Lunes a viernes de 8:00 a 15:00; sábados de 8:00 a 12:00"}$$),
 ('gp-du', $${"name": "Dirección de Desarrollo Urbano y Obras Públicas",
   "address": "Av. Francisco I. Madero 400 Norte, Zona Centro, 35000 Gómez Palacio, Dgo.",
   "lat": 25.5614, "lon": -103.4980, "hours": "Lunes a viernes de 8:00 a 15:00"}$$),
 ('gp-tes', $${"name": "Tesorería Municipal, módulo de predial",
   "address": "Av. Francisco I. Madero 400 Norte, Zona Centro, 35000 Gómez Palacio, Dgo.",
   "lat": 25.5612, "lon": -103.4983, "hours": "Lunes a viernes de 8:00 a 16:00"}$$),
 ('gp-eco', $${"name": "Dirección de Medio Ambiente y Ecología",
   "address": "Blvd. Miguel Alemán 150 Oriente, Col. Centro, 35000 Gómez Palacio, Dgo.",
   "lat": 25.5650, "lon": -103.4921, "hours": "Lunes a viernes de 8:00 a 15:00"}$$),
 ('tep-pres', $${"name": "Presidencia Municipal de Tepehuanes",
   "address": "Calle Hidalgo s/n, Zona Centro, 34530 Santa Catarina de Tepehuanes, Dgo.",
   "lat": 25.3392, "lon": -105.7228, "hours": "Lunes a viernes de 9:00 a 15:00"}$$),
 ('tep-agua', $${"name": "Sistema Municipal de Agua Potable y Alcantarillado de Tepehuanes",
   "address": "Calle Morelos 12, Zona Centro, 34530 Santa Catarina de Tepehuanes, Dgo.",
   "lat": 25.3401, "lon": -105.7217, "hours": "Lunes a viernes de 9:00 a 15:00"}$$),
 ('dgo-sfa', $${"name": "Centro Integral de Servicios del Gobierno del Estado",
   "address": "Blvd. Felipe Pescador 800 Oriente, Zona Centro, 34000 Durango, Dgo.",
   "lat": 24.0263, "lon": -104.6478, "hours": "Lunes a viernes de 8:00 a 16:00"}$$),
 ('dgo-sfa-gp', $${"name": "Recaudación de Rentas de Gómez Palacio",
   "address": "Calle Centenario 222 Sur, Zona Centro, 35000 Gómez Palacio, Dgo.",
   "lat": 25.5598, "lon": -103.4962, "hours": "Lunes a viernes de 8:00 a 15:00"}$$);

-- The records: slug, homoclave, status, when it was published (NULL: a
-- draft), the offices by key and the rest of the working copy.
CREATE TEMP TABLE pr_records (
  slug text, homoclave text, status text, published_at timestamptz, offices text[], doc jsonb
) ON COMMIT DROP;
INSERT INTO pr_records VALUES
 -- Municipio de Durango --------------------------------------------------------
 ('municipio-durango', 'MDGO-DU-001', 'published', '2026-11-10 16:00:00+00', '{mdgo-du}', $${
   "kind": "procedure", "audience": "both",
   "name": "Licencia de construcción",
   "description": "Autorización municipal para construir, ampliar, modificar o demoler una obra en un predio del municipio de Durango.",
   "agency": "Dirección Municipal de Desarrollo Urbano",
   "category": "desarrollo urbano",
   "keywords": ["obra", "permiso de construcción", "ampliación", "remodelación", "demolición"],
   "legal_basis": [
     {"instrument": "Reglamento de Construcciones para el Municipio de Durango", "article": "Artículos 45 a 52",
      "url": "https://www.municipiodurango.gob.mx/normatividad/reglamento-de-construcciones.pdf"},
     {"instrument": "Ley General de Desarrollo Urbano para el Estado de Durango", "article": "Artículo 160"}],
   "modalities": [{"code": "A", "name": "Obra nueva"}, {"code": "B", "name": "Ampliación o remodelación"},
                  {"code": "C", "name": "Demolición"}],
   "cases": ["Cuando se construye una obra nueva de más de 20 metros cuadrados.",
             "Cuando se amplía o remodela una construcción cambiando su estructura.",
             "Cuando se demuele total o parcialmente una construcción."],
   "steps": ["Tramitar el alineamiento y número oficial del predio.",
             "Entregar la solicitud con sus requisitos en la Ventanilla Única de Desarrollo Urbano.",
             "Recibir la visita de verificación del predio.",
             "Pagar los derechos con la orden de pago.",
             "Recoger la licencia y los planos sellados."],
   "requirements": [
     {"description": "Solicitud en el formato oficial, firmada por el propietario", "original": true, "copies": 0},
     {"description": "Identificación oficial vigente del propietario", "original": false, "copies": 1,
      "issuer": "Instituto Nacional Electoral"},
     {"description": "Escritura o título de propiedad inscrito en el Registro Público", "original": false, "copies": 1,
      "issuer": "Registro Público de la Propiedad del Estado de Durango"},
     {"description": "Constancia de alineamiento y número oficial vigente", "original": false, "copies": 1,
      "prerequisite_homoclave": "MDGO-DU-002"},
     {"description": "Planos arquitectónicos y estructurales firmados por un director responsable de obra",
      "original": true, "copies": 3},
     {"description": "Recibo de pago del impuesto predial del año en curso", "original": false, "copies": 1}],
   "submission_channel": "form", "online": false,
   "form": {"url": "https://www.municipiodurango.gob.mx/formatos/DU-001-licencia-de-construccion.pdf",
            "published_on": "2025-01-30"},
   "inspection": {"required": true, "purpose": "Verificar que el predio, sus colindancias y el alineamiento coincidan con el proyecto."},
   "resolution_term": {"value": 10, "unit": "days", "business_days": true},
   "tacit_resolution": "negative",
   "cost": {"free": false, "amount_mxn": "1250.50",
            "calculation": "Derechos de 38.50 pesos por metro cuadrado de construcción, con una cuota mínima de 1,250.50 pesos.",
            "legal_basis": "Ley de Ingresos del Municipio de Durango, Dgo., para el Ejercicio Fiscal 2026, artículo 45"},
   "validity": "Un año a partir de su expedición; puede prorrogarse una vez por el mismo plazo.",
   "resolution_criteria": "Que el proyecto cumpla el Reglamento de Construcciones, el uso de suelo autorizado y el alineamiento.",
   "records_to_keep": "La licencia y un juego de planos sellados, en la obra y a la vista, hasta la terminación de obra."
 }$$),
 ('municipio-durango', 'MDGO-DU-002', 'published', '2026-11-10 16:05:00+00', '{mdgo-du}', $${
   "kind": "procedure",
   "name": "Constancia de alineamiento y número oficial",
   "description": "Documento que fija el límite del predio con la vía pública y le asigna su número oficial.",
   "agency": "Dirección Municipal de Desarrollo Urbano",
   "category": "desarrollo urbano",
   "keywords": ["alineamiento", "número oficial", "predio", "lote"],
   "legal_basis": [
     {"instrument": "Reglamento de Construcciones para el Municipio de Durango", "article": "Artículos 30 a 34",
      "url": "https://www.municipiodurango.gob.mx/normatividad/reglamento-de-construcciones.pdf"}],
   "modalities": [],
   "cases": ["Antes de tramitar una licencia de construcción.",
             "Cuando un predio no tiene número oficial o este cambió."],
   "steps": ["Entregar la solicitud con sus requisitos.", "Recibir la visita de medición del predio.",
             "Pagar los derechos.", "Recoger la constancia."],
   "requirements": [
     {"description": "Solicitud en el formato oficial", "original": true, "copies": 0},
     {"description": "Escritura o título de propiedad", "original": false, "copies": 1},
     {"description": "Croquis de ubicación del predio con medidas y calles colindantes", "original": true, "copies": 1},
     {"description": "Recibo de pago del impuesto predial del año en curso", "original": false, "copies": 1}],
   "submission_channel": "form", "online": false,
   "form": {"url": "https://www.municipiodurango.gob.mx/formatos/DU-002-alineamiento.pdf", "published_on": "2025-01-30"},
   "inspection": {"required": true, "purpose": "Medir el frente del predio y fijar el alineamiento sobre la vía pública."},
   "resolution_term": {"value": 5, "unit": "days", "business_days": true},
   "tacit_resolution": "negative",
   "cost": {"free": false, "amount_mxn": "480.00",
            "legal_basis": "Ley de Ingresos del Municipio de Durango, Dgo., para el Ejercicio Fiscal 2026, artículo 44"},
   "validity": "Seis meses a partir de su expedición.",
   "resolution_criteria": "Que el predio esté sobre una vía pública reconocida y su frente corresponda a la escritura.",
   "records_to_keep": "La constancia de alineamiento y número oficial; la placa con el número, visible desde la calle."
 }$$),
 ('municipio-durango', 'MDGO-DE-001', 'published', '2026-11-12 15:30:00+00', '{mdgo-sare}', $${
   "kind": "procedure", "audience": "businesses",
   "name": "Licencia de funcionamiento para negocios de bajo riesgo (SARE)",
   "description": "Licencia para abrir y operar un negocio de bajo riesgo (comercio, servicios u oficinas) en el Sistema de Apertura Rápida de Empresas.",
   "agency": "Dirección Municipal de Desarrollo Económico",
   "category": "desarrollo económico",
   "keywords": ["negocio", "apertura de empresas", "SARE", "comercio", "licencia de funcionamiento"],
   "legal_basis": [
     {"instrument": "Reglamento de Desarrollo Económico del Municipio de Durango", "article": "Artículos 18 a 25"},
     {"instrument": "Ley de Mejora Regulatoria del Estado de Durango", "article": "Artículo 58"}],
   "modalities": [{"code": "A", "name": "Apertura"}, {"code": "B", "name": "Refrendo anual"}],
   "cases": ["Cuando se abre un negocio de bajo riesgo del catálogo de giros SARE.",
             "Cada año, para refrendar la licencia."],
   "steps": ["Llenar la solicitud en línea o en el módulo SARE.", "Adjuntar los requisitos.",
             "Pagar los derechos con la línea de captura.", "Descargar la licencia."],
   "requirements": [
     {"description": "Identificación oficial vigente del titular o representante legal", "original": false, "copies": 1},
     {"description": "Constancia de situación fiscal", "original": false, "copies": 1,
      "issuer": "Servicio de Administración Tributaria"},
     {"description": "Comprobante de domicilio del negocio", "original": false, "copies": 1},
     {"description": "Acta constitutiva y poder del representante, en el caso de personas morales", "original": false, "copies": 1}],
   "submission_channel": "both", "online": true,
   "online_url": "https://tramites.municipiodurango.gob.mx/sare",
   "form": {"url": "https://www.municipiodurango.gob.mx/formatos/DE-001-sare.pdf", "published_on": "2025-02-14"},
   "inspection": {"required": false},
   "resolution_term": {"value": 3, "unit": "days", "business_days": true},
   "tacit_resolution": "positive",
   "cost": {"free": false, "amount_mxn": "650.00",
            "calculation": "Cuota fija por giro de bajo riesgo; el refrendo paga la misma cuota.",
            "legal_basis": "Ley de Ingresos del Municipio de Durango, Dgo., para el Ejercicio Fiscal 2026, artículo 61"},
   "validity": "Hasta el 31 de diciembre del año en que se expide.",
   "resolution_criteria": "Que el giro esté en el catálogo SARE de bajo riesgo y el uso de suelo del domicilio lo permita.",
   "records_to_keep": "La licencia, a la vista en el establecimiento, y los recibos de pago del refrendo."
 }$$),
 ('municipio-durango', 'MDGO-SA-001', 'published', '2026-11-13 17:00:00+00', '{mdgo-sa,mdgo-sa-norte}', $${
   "kind": "procedure",
   "name": "Constancia de residencia",
   "description": "Documento que hace constar que una persona vive en el municipio de Durango y desde cuándo.",
   "agency": "Secretaría del Ayuntamiento",
   "category": "constancias",
   "keywords": ["residencia", "domicilio", "vecindad", "constancia"],
   "legal_basis": [
     {"instrument": "Ley Orgánica del Municipio Libre del Estado de Durango", "article": "Artículo 30, fracción XIII"},
     {"instrument": "Bando de Policía y Gobierno de Durango", "article": "Artículo 14"}],
   "modalities": [],
   "cases": ["Cuando un trámite escolar, laboral, migratorio o de programas sociales pide acreditar la residencia."],
   "steps": ["Presentarse con los requisitos en una ventanilla de constancias.", "Pagar los derechos.",
             "Recibir la constancia firmada."],
   "requirements": [
     {"description": "Identificación oficial vigente con fotografía", "original": true, "copies": 1},
     {"description": "Comprobante de domicilio de no más de tres meses", "original": true, "copies": 1},
     {"description": "Dos testigos vecinos con su identificación oficial, cuando la residencia sea menor de seis meses",
      "original": true, "copies": 1}],
   "submission_channel": "free_letter", "online": false,
   "inspection": {"required": false},
   "resolution_term": {"value": 1, "unit": "days", "business_days": true},
   "tacit_resolution": "none",
   "cost": {"free": false, "amount_mxn": "95.00",
            "legal_basis": "Ley de Ingresos del Municipio de Durango, Dgo., para el Ejercicio Fiscal 2026, artículo 52"},
   "validity": "Tres meses a partir de su expedición.",
   "resolution_criteria": "Que el domicilio esté en el municipio y los documentos coincidan con la persona.",
   "records_to_keep": "La constancia original."
 }$$),
 ('municipio-durango', 'MDGO-DU-004', 'published', '2026-11-17 16:20:00+00', '{mdgo-du}', $${
   "kind": "procedure", "audience": "businesses",
   "name": "Permiso para la colocación de anuncios",
   "description": "Permiso para instalar anuncios en fachadas, azoteas, bardas o estructuras en el municipio de Durango.",
   "agency": "Dirección Municipal de Desarrollo Urbano",
   "category": "desarrollo urbano",
   "keywords": ["anuncio", "publicidad", "letrero", "espectacular", "toldo"],
   "legal_basis": [
     {"instrument": "Reglamento de Anuncios para el Municipio de Durango", "article": "Artículos 9 a 17"}],
   "modalities": [{"code": "A", "name": "Anuncio adosado a fachada"}, {"code": "B", "name": "Anuncio autosoportado o espectacular"}],
   "cases": ["Cuando un negocio coloca un anuncio visible desde la vía pública.",
             "Cuando se instala una estructura para anuncios espectaculares."],
   "steps": ["Entregar la solicitud con fotografías y medidas del anuncio.", "Recibir la visita de verificación.",
             "Pagar los derechos.", "Recoger el permiso y la calcomanía de control."],
   "requirements": [
     {"description": "Solicitud en el formato oficial", "original": true, "copies": 0},
     {"description": "Fotografía de la fachada con el anuncio simulado y sus medidas", "original": true, "copies": 1},
     {"description": "Licencia de funcionamiento vigente del negocio", "original": false, "copies": 1,
      "prerequisite_homoclave": "MDGO-DE-001"},
     {"description": "Memoria de cálculo estructural firmada por perito, para anuncios autosoportados", "original": true, "copies": 1}],
   "submission_channel": "form", "online": false,
   "form": {"url": "https://www.municipiodurango.gob.mx/formatos/DU-004-anuncios.pdf", "published_on": "2025-03-03"},
   "inspection": {"required": true, "purpose": "Verificar la ubicación, las medidas y la seguridad de la estructura del anuncio."},
   "resolution_term": {"value": 10, "unit": "days", "business_days": true},
   "tacit_resolution": "negative",
   "cost": {"free": false, "amount_mxn": "1150.00",
            "calculation": "Cuota por metro cuadrado de superficie del anuncio según su tipo; la cantidad es la de un anuncio adosado de hasta 2 metros cuadrados.",
            "legal_basis": "Ley de Ingresos del Municipio de Durango, Dgo., para el Ejercicio Fiscal 2026, artículo 48"},
   "validity": "Un año; los anuncios espectaculares refrendan cada año con la revisión estructural.",
   "resolution_criteria": "Que el anuncio respete las zonas, medidas y materiales del Reglamento de Anuncios y no obstruya la vía pública.",
   "records_to_keep": "El permiso y la calcomanía de control, adherida al anuncio."
 }$$),
 ('municipio-durango', 'MDGO-SP-001', 'published', '2026-11-18 18:00:00+00', '{mdgo-sp}', $${
   "kind": "service",
   "name": "Recolección de residuos voluminosos (descacharrización)",
   "description": "Servicio gratuito que recoge muebles, colchones, electrodomésticos y cacharros en el domicilio, con cita.",
   "agency": "Dirección Municipal de Servicios Públicos",
   "category": "servicios públicos",
   "keywords": ["basura", "cacharros", "muebles", "colchones", "descacharrización", "limpia"],
   "legal_basis": [
     {"instrument": "Reglamento de Limpia del Municipio de Durango", "article": "Artículo 21"}],
   "modalities": [],
   "cases": ["Cuando se quiere desechar objetos que el camión recolector ordinario no recoge."],
   "steps": ["Pedir la cita por teléfono o en la oficina.", "Sacar los objetos a la banqueta el día de la cita.",
             "Recibir la cuadrilla de recolección."],
   "requirements": [
     {"description": "Nombre, domicilio y teléfono de quien solicita", "original": true, "copies": 0}],
   "submission_channel": "other", "online": false,
   "inspection": {"required": false},
   "resolution_term": {"value": 7, "unit": "days", "business_days": false},
   "tacit_resolution": "none",
   "cost": {"free": true},
   "payment_methods": [],
   "validity": "No aplica: el servicio se presta una vez por cita.",
   "resolution_criteria": "Que los objetos sean de origen doméstico y no sean residuos peligrosos ni de construcción.",
   "records_to_keep": "El número de folio de la cita."
 }$$),
 ('municipio-durango', 'MDGO-PC-001', 'draft', NULL, '{}', $${
   "kind": "procedure", "audience": "businesses",
   "name": "Visto bueno de protección civil para eventos masivos",
   "description": "Revisión de las medidas de seguridad de un evento con más de 500 asistentes.",
   "agency": "Coordinación Municipal de Protección Civil",
   "category": "protección civil",
   "keywords": ["evento", "seguridad", "aforo"]
 }$$),
 -- Gómez Palacio ----------------------------------------------------------------
 ('gomez-palacio', 'GPAL-DU-001', 'published', '2026-11-11 16:00:00+00', '{gp-du}', $${
   "kind": "procedure", "audience": "both",
   "name": "Licencia de construcción",
   "description": "Autorización para construir, ampliar o remodelar una obra en el municipio de Gómez Palacio.",
   "agency": "Dirección de Desarrollo Urbano y Obras Públicas",
   "category": "desarrollo urbano",
   "keywords": ["obra", "permiso de construcción", "ampliación"],
   "legal_basis": [
     {"instrument": "Reglamento de Construcciones del Municipio de Gómez Palacio, Dgo.", "article": "Artículo 37"}],
   "modalities": [{"code": "A", "name": "Obra nueva"}, {"code": "B", "name": "Ampliación"}],
   "cases": ["Cuando se construye o amplía una obra de más de 15 metros cuadrados."],
   "steps": ["Entregar la solicitud con sus requisitos.", "Recibir la inspección del predio.",
             "Pagar los derechos.", "Recoger la licencia."],
   "requirements": [
     {"description": "Solicitud firmada por el propietario y el director responsable de obra", "original": true, "copies": 0},
     {"description": "Título de propiedad", "original": false, "copies": 1},
     {"description": "Planos del proyecto firmados por el director responsable de obra", "original": true, "copies": 2},
     {"description": "Recibo del impuesto predial al corriente", "original": false, "copies": 1}],
   "submission_channel": "form", "online": false,
   "form": {"url": "https://www.gomezpalacio.gob.mx/formatos/licencia-de-construccion.pdf", "published_on": "2025-02-05"},
   "inspection": {"required": true, "purpose": "Confirmar la ubicación, el uso de suelo y las medidas del predio."},
   "resolution_term": {"value": 15, "unit": "days", "business_days": true},
   "tacit_resolution": "negative",
   "cost": {"free": false, "amount_mxn": "1380.00",
            "calculation": "Derechos de 42.00 pesos por metro cuadrado, con una cuota mínima de 1,380.00 pesos.",
            "legal_basis": "Ley de Ingresos del Municipio de Gómez Palacio, Dgo., para el Ejercicio Fiscal 2026, artículo 39"},
   "validity": "Un año a partir de su expedición.",
   "resolution_criteria": "Que el proyecto cumpla el Reglamento de Construcciones y el Plan de Desarrollo Urbano del municipio.",
   "records_to_keep": "La licencia y los planos autorizados, en la obra."
 }$$),
 ('gomez-palacio', 'GPAL-TES-001', 'published', '2026-11-14 15:00:00+00', '{gp-tes}', $${
   "kind": "procedure",
   "name": "Constancia de no adeudo del impuesto predial",
   "description": "Constancia de que un predio no debe impuesto predial, necesaria para escriturar, vender o tramitar licencias.",
   "agency": "Tesorería Municipal",
   "category": "hacienda municipal",
   "keywords": ["predial", "no adeudo", "escrituración", "catastro"],
   "legal_basis": [
     {"instrument": "Ley de Hacienda para los Municipios del Estado de Durango", "article": "Artículo 32"},
     {"instrument": "Ley de Ingresos del Municipio de Gómez Palacio, Dgo., para el Ejercicio Fiscal 2026", "article": "Artículo 28"}],
   "modalities": [],
   "cases": ["Para escriturar, vender, donar o heredar un predio.", "Cuando otro trámite municipal la pide."],
   "steps": ["Solicitarla con la clave catastral.", "Pagar los derechos.", "Recibir la constancia."],
   "requirements": [
     {"description": "Clave catastral o último recibo de predial", "original": false, "copies": 1},
     {"description": "Identificación oficial del propietario o de quien tramita con carta poder", "original": true, "copies": 1}],
   "submission_channel": "free_letter", "online": false,
   "inspection": {"required": false},
   "resolution_term": {"value": 1, "unit": "days", "business_days": true},
   "tacit_resolution": "none",
   "cost": {"free": false, "amount_mxn": "150.00",
            "legal_basis": "Ley de Ingresos del Municipio de Gómez Palacio, Dgo., para el Ejercicio Fiscal 2026, artículo 28"},
   "validity": "Hasta el final del bimestre en que se expide.",
   "resolution_criteria": "Que el predio esté al corriente del impuesto predial y sus accesorios.",
   "records_to_keep": "La constancia original."
 }$$),
 ('gomez-palacio', 'GPAL-ECO-001', 'published', '2026-11-19 16:45:00+00', '{gp-eco}', $${
   "kind": "service",
   "name": "Poda o retiro de árboles en la vía pública",
   "description": "Servicio gratuito de poda, derribo o retiro de árboles que ponen en riesgo a personas, viviendas o el cableado.",
   "agency": "Dirección de Medio Ambiente y Ecología",
   "category": "medio ambiente",
   "keywords": ["árbol", "poda", "derribo", "ramas"],
   "legal_basis": [
     {"instrument": "Reglamento de Ecología y Protección al Ambiente del Municipio de Gómez Palacio, Dgo.", "article": "Artículo 88"}],
   "modalities": [{"code": "A", "name": "Poda"}, {"code": "B", "name": "Derribo o retiro"}],
   "cases": ["Cuando un árbol en la banqueta o en un espacio público representa un riesgo."],
   "steps": ["Presentar la solicitud por escrito o por teléfono.", "Recibir la inspección del árbol.",
             "Recibir la cuadrilla en la fecha programada."],
   "requirements": [
     {"description": "Escrito con el domicilio y la ubicación del árbol", "original": true, "copies": 0},
     {"description": "Fotografía del árbol", "original": false, "copies": 1}],
   "submission_channel": "free_letter", "online": false,
   "inspection": {"required": true, "purpose": "Dictaminar el riesgo y si procede la poda, el derribo o ninguno."},
   "resolution_term": {"value": 15, "unit": "days", "business_days": true},
   "tacit_resolution": "none",
   "cost": {"free": true},
   "payment_methods": [],
   "validity": "No aplica: el dictamen se cumple con la poda o el retiro.",
   "resolution_criteria": "El dictamen de riesgo de la inspección; el derribo solo procede cuando la poda no elimina el riesgo.",
   "records_to_keep": "El folio de la solicitud y el dictamen de la inspección."
 }$$),
 -- Tepehuanes -------------------------------------------------------------------
 ('tepehuanes', 'TEP-SA-001', 'published', '2026-11-15 17:30:00+00', '{tep-pres}', $${
   "kind": "procedure",
   "name": "Constancia de residencia",
   "description": "Documento que hace constar que una persona vive en el municipio de Tepehuanes.",
   "agency": "Secretaría del Ayuntamiento de Tepehuanes",
   "category": "constancias",
   "keywords": ["residencia", "domicilio", "vecindad"],
   "legal_basis": [
     {"instrument": "Ley Orgánica del Municipio Libre del Estado de Durango", "article": "Artículo 30, fracción XIII"},
     {"instrument": "Bando de Policía y Gobierno del Municipio de Tepehuanes", "article": "Artículo 11"}],
   "modalities": [],
   "cases": ["Cuando un trámite escolar, agrario o de programas sociales pide acreditar la residencia."],
   "steps": ["Presentarse en la Presidencia Municipal con los requisitos.", "Pagar los derechos.",
             "Recibir la constancia."],
   "requirements": [
     {"description": "Identificación oficial vigente", "original": true, "copies": 1},
     {"description": "Comprobante de domicilio o constancia del jefe de tenencia de la comunidad", "original": true, "copies": 1}],
   "submission_channel": "free_letter", "online": false,
   "inspection": {"required": false},
   "resolution_term": {"value": 1, "unit": "days", "business_days": true},
   "tacit_resolution": "none",
   "cost": {"free": false, "amount_mxn": "60.00",
            "legal_basis": "Ley de Ingresos del Municipio de Tepehuanes, Dgo., para el Ejercicio Fiscal 2026, artículo 22"},
   "validity": "Tres meses a partir de su expedición.",
   "resolution_criteria": "Que el domicilio esté en el municipio de Tepehuanes.",
   "records_to_keep": "La constancia original."
 }$$),
 ('tepehuanes', 'TEP-AP-001', 'published', '2026-11-20 16:00:00+00', '{tep-agua}', $${
   "kind": "procedure",
   "name": "Contrato de conexión a la red de agua potable",
   "description": "Contratación de la toma domiciliaria de agua potable y su conexión a la red municipal.",
   "agency": "Sistema Municipal de Agua Potable y Alcantarillado de Tepehuanes",
   "category": "agua potable",
   "keywords": ["agua", "toma domiciliaria", "drenaje", "contrato"],
   "legal_basis": [
     {"instrument": "Ley de Agua para el Estado de Durango", "article": "Artículo 97"},
     {"instrument": "Ley de Ingresos del Municipio de Tepehuanes, Dgo., para el Ejercicio Fiscal 2026", "article": "Artículo 35"}],
   "modalities": [{"code": "A", "name": "Toma doméstica"}, {"code": "B", "name": "Toma comercial"}],
   "cases": ["Cuando una vivienda o negocio nuevo necesita agua potable de la red municipal."],
   "steps": ["Entregar la solicitud con los requisitos.", "Recibir la inspección de factibilidad.",
             "Pagar el contrato y los materiales.", "Recibir la instalación de la toma y el medidor."],
   "requirements": [
     {"description": "Solicitud en el formato del sistema de agua", "original": true, "copies": 0},
     {"description": "Identificación oficial del propietario", "original": false, "copies": 1},
     {"description": "Documento que acredite la propiedad o posesión del predio", "original": false, "copies": 1},
     {"description": "Constancia de alineamiento y número oficial o croquis de ubicación", "original": false, "copies": 1}],
   "submission_channel": "form", "online": false,
   "form": {"url": "https://www.tepehuanes.gob.mx/formatos/contrato-agua.pdf", "published_on": "2025-04-01"},
   "inspection": {"required": true, "purpose": "Confirmar que hay red de agua frente al predio y la distancia de la toma."},
   "resolution_term": {"value": 1, "unit": "months", "business_days": false},
   "tacit_resolution": "negative",
   "cost": {"free": false, "amount_mxn": "1850.00",
            "calculation": "Cuota de contrato más el costo de los materiales de la toma; la cantidad es la de una toma doméstica de hasta 6 metros.",
            "legal_basis": "Ley de Ingresos del Municipio de Tepehuanes, Dgo., para el Ejercicio Fiscal 2026, artículo 35"},
   "validity": "Indefinida mientras se paguen las cuotas del servicio.",
   "resolution_criteria": "Que exista red de agua potable frente al predio y capacidad en la fuente de abastecimiento.",
   "records_to_keep": "El contrato y los recibos de pago del servicio."
 }$$),
 -- Estado de Durango --------------------------------------------------------------
 ('durango', 'DGO-SECOED-001', 'published', '2026-11-09 17:00:00+00', '{dgo-sfa,dgo-sfa-gp}', $${
   "kind": "procedure", "audience": "citizens",
   "name": "Constancia de no inhabilitación",
   "description": "Constancia de que una persona no está inhabilitada para desempeñar un empleo, cargo o comisión en el servicio público.",
   "agency": "Secretaría de Contraloría del Estado de Durango",
   "category": "servicio público",
   "keywords": ["no inhabilitación", "empleo público", "constancia", "servidores públicos"],
   "legal_basis": [
     {"instrument": "Ley de Responsabilidades Administrativas del Estado de Durango", "article": "Artículo 27"},
     {"instrument": "Ley de Hacienda del Estado de Durango", "article": "Artículo 85"}],
   "modalities": [],
   "cases": ["Cuando una dependencia pública la pide para contratar a una persona."],
   "steps": ["Solicitarla en línea con la CURP.", "Pagar los derechos con la línea de captura.",
             "Descargar la constancia con firma electrónica."],
   "requirements": [
     {"description": "CURP", "original": false, "copies": 0, "issuer": "Registro Nacional de Población"},
     {"description": "Identificación oficial vigente", "original": false, "copies": 1}],
   "submission_channel": "form", "online": true,
   "online_url": "https://tramites.durango.gob.mx/constancia-no-inhabilitacion",
   "form": {"url": "https://tramites.durango.gob.mx/formatos/constancia-no-inhabilitacion.pdf", "published_on": "2024-12-20"},
   "inspection": {"required": false},
   "resolution_term": {"value": 3, "unit": "days", "business_days": true},
   "tacit_resolution": "positive",
   "cost": {"free": false, "amount_mxn": "182.00",
            "legal_basis": "Ley de Hacienda del Estado de Durango, artículo 85"},
   "validity": "Treinta días naturales a partir de su expedición.",
   "resolution_criteria": "Que la persona no tenga una sanción de inhabilitación vigente en el registro de servidores públicos sancionados.",
   "records_to_keep": "La constancia electrónica y su cadena de verificación."
 }$$),
 ('durango', 'DGO-SFA-002', 'published', '2026-11-16 16:30:00+00', '{dgo-sfa}', $${
   "kind": "procedure", "audience": "businesses",
   "name": "Inscripción en el Padrón de Proveedores del Gobierno del Estado",
   "description": "Registro que permite a personas físicas y morales vender bienes o servicios al Gobierno del Estado de Durango.",
   "agency": "Secretaría de Finanzas y de Administración",
   "category": "compras públicas",
   "keywords": ["proveedores", "padrón", "licitaciones", "compras de gobierno"],
   "legal_basis": [
     {"instrument": "Ley de Adquisiciones, Arrendamientos y Servicios del Estado de Durango", "article": "Artículos 22 a 25"}],
   "modalities": [{"code": "A", "name": "Inscripción"}, {"code": "B", "name": "Refrendo"}],
   "cases": ["Antes de participar en una licitación, invitación o adjudicación del Gobierno del Estado."],
   "steps": ["Registrarse en el portal de proveedores.", "Cargar los documentos.", "Pagar los derechos.",
             "Recibir la cédula de proveedor."],
   "requirements": [
     {"description": "Constancia de situación fiscal", "original": false, "copies": 1,
      "issuer": "Servicio de Administración Tributaria"},
     {"description": "Opinión de cumplimiento de obligaciones fiscales en sentido positivo", "original": false, "copies": 1,
      "issuer": "Servicio de Administración Tributaria"},
     {"description": "Acta constitutiva y poder notarial del representante, en el caso de personas morales", "original": false, "copies": 1},
     {"description": "Estado de cuenta bancario con la CLABE interbancaria", "original": false, "copies": 1}],
   "submission_channel": "form", "online": true,
   "online_url": "https://proveedores.durango.gob.mx",
   "form": {"url": "https://proveedores.durango.gob.mx/formatos/solicitud-de-inscripcion.pdf", "published_on": "2025-01-15"},
   "inspection": {"required": false},
   "resolution_term": {"value": 10, "unit": "days", "business_days": true},
   "tacit_resolution": "negative",
   "cost": {"free": false, "amount_mxn": "1560.00",
            "legal_basis": "Ley de Hacienda del Estado de Durango, artículo 87"},
   "validity": "Hasta el 31 de diciembre del año en que se inscribe; se refrenda cada año.",
   "resolution_criteria": "Que la documentación esté completa, vigente y acredite la actividad que se ofrece.",
   "records_to_keep": "La cédula de proveedor y los comprobantes de refrendo."
 }$$);

DO $$
DECLARE
  inserted integer;
BEGIN
  -- Row-level security applies to the owner too: scope this transaction to
  -- the four demo tenants.
  PERFORM set_config('cabildo.tenant_ids',
                     (SELECT string_agg(id::text, ',') FROM core.tenants
                      WHERE slug IN ('durango', 'municipio-durango', 'gomez-palacio', 'tepehuanes')),
                     true);
  -- The working copy: the tenant's defaults, the record, its offices.
  CREATE TEMP TABLE pr_documents ON COMMIT DROP AS
    SELECT r.slug, r.homoclave, r.status, r.published_at,
           coalesce(d.defaults, '{}'::jsonb) || r.doc ||
             CASE WHEN cardinality(r.offices) = 0 THEN '{}'::jsonb
                  ELSE jsonb_build_object('offices',
                         (SELECT jsonb_agg(o.office ORDER BY k.n)
                          FROM unnest(r.offices) WITH ORDINALITY AS k(key, n)
                          JOIN pr_offices o ON o.key = k.key)) END AS draft
    FROM pr_records r LEFT JOIN pr_tenant_defaults d ON d.slug = r.slug;
  -- Drafts keep only what the record says (no tenant defaults): the draft
  -- misses legal items.
  UPDATE pr_documents x SET draft = r.doc
  FROM pr_records r WHERE r.slug = x.slug AND r.homoclave = x.homoclave AND x.status = 'draft';

  WITH created AS (
    INSERT INTO procedure_registry.procedures (tenant_id, homoclave, status, draft, published_version,
      public_updated_at, created_at, updated_at)
    SELECT t.id, x.homoclave, x.status, x.draft,
           CASE WHEN x.status = 'published' THEN 1 END, x.published_at,
           coalesce(x.published_at, timestamptz '2026-11-21 16:00:00+00') - interval '2 days',
           coalesce(x.published_at, timestamptz '2026-11-21 16:00:00+00')
    FROM pr_documents x JOIN core.tenants t ON t.slug = x.slug
    ON CONFLICT (tenant_id, homoclave) DO NOTHING
    RETURNING tenant_id, id, homoclave, status, draft, public_updated_at
  ), versions AS (
    INSERT INTO procedure_registry.versions (tenant_id, procedure_id, version, document, published_at)
    SELECT c.tenant_id, c.id, 1, c.draft || jsonb_build_object('homoclave', c.homoclave),
           c.public_updated_at
    FROM created c WHERE c.status = 'published'
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM created) INTO inserted;
  IF inserted = 0 THEN
    RAISE NOTICE 'demo-data: procedure-registry already has the demo records; skipped';
  ELSE
    RAISE NOTICE 'demo-data: procedure-registry loaded (% records)', inserted;
  END IF;
END $$;
COMMIT;
