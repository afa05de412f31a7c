#!/usr/bin/env bash
# scholarships demo data (run by scripts/demo-data.sh; CABILDO_DEMO_DATA=1 of
# scripts/run): the portal shows an open, a closed and a resolved call.
#
#   Gobierno del Estado de Durango
#     "Beca Estatal de Permanencia Escolar" — open now (applications submitted,
#       under review, needs_info, approved, rejected, withdrawn)
#     "Beca Estatal de Transporte"          — closed, awaiting its results
#       (approved, rejected, an unanswered needs_info, withdrawn): an editor
#       can POST /calls/{id}/publish-results
#   Municipio de Durango
#     "Becas Municipales de Excelencia"     — resolved, with its padrón (a
#       minor shown by initials) and the decisions history
#
# Applicants are demo accounts (solicitante01..12@demo.cabildo.mx, created
# with `cabildo user create`, password demo-becas-2026). Their personal data
# is sealed exactly as the module seals it, with `cabildo data-key seal
# --module scholarships --context application:<id>` under the instance's
# CABILDO_DATA_KEY, and the CURP digested with `cabildo data-key digest
# --module scholarships --domain curp`: the database never sees it in clear.
# Needs CABILDO_BIN (the cabildo binary: scripts/run exports it), the
# services' environment (CABILDO_DATABASE_ADMIN_URL, CABILDO_DATA_KEY) and
# python3. Idempotent: nothing happens when the demo calls exist. Windows are
# relative to the day it is loaded (the open call must be open).
set -euo pipefail
: "${CABILDO_DATABASE_ADMIN_URL:?export the services environment first (scripts/services env)}"

psql_owner() { psql "$CABILDO_DATABASE_ADMIN_URL" -v ON_ERROR_STOP=1 -qAtX "$@"; }

if [[ "$(psql_owner -c "SELECT to_regclass('scholarships.calls') IS NOT NULL")" != t ]]; then
  echo "demo-data: scholarships is not installed; skipped"
  exit 0
fi
if [[ -z ${CABILDO_BIN:-} || ! -x ${CABILDO_BIN:-} ]]; then
  echo "demo-data: scholarships needs CABILDO_BIN (the cabildo binary) to seal personal data; skipped"
  exit 0
fi
if [[ -z ${CABILDO_DATA_KEY:-} ]]; then
  echo "demo-data: scholarships needs CABILDO_DATA_KEY; skipped"
  exit 0
fi
existing="$(psql_owner <<'SQL'
SELECT set_config('cabildo.tenant_ids', (SELECT string_agg(id::text, ',') FROM core.tenants), false) IS NULL;
SELECT count(*) FROM scholarships.calls
 WHERE document ->> 'title' IN ('Beca Estatal de Permanencia Escolar', 'Beca Estatal de Transporte',
                                'Becas Municipales de Excelencia');
SQL
)"
if [[ ${existing##*$'\n'} != 0 ]]; then
  echo "demo-data: scholarships already has its demo calls; skipped"
  exit 0
fi

export PASSWORD='demo-becas-2026'
python3 - "$CABILDO_BIN" <<'PY' | psql_owner
import json, os, subprocess, sys, uuid

BIN = sys.argv[1]

def run(args, data):
    out = subprocess.run([BIN] + args, input=data.encode(), capture_output=True, check=True)
    return out.stdout.decode().strip()

ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"

def curp(initials, birth, sex, consonants):
    yymmdd = birth[2:4] + birth[5:7] + birth[8:10]
    # RENAPO's homonymy differentiator: a letter from 2000, a digit before.
    body = initials + yymmdd + sex + "DG" + consonants + ("A" if birth >= "2000" else "0")
    s = sum(ALPHABET.index(c) * (18 - i) for i, c in enumerate(body))
    return body + str((10 - s % 10) % 10)

def q(text):
    return "'" + text.replace("'", "''") + "'" if text is not None else "NULL"

# Accounts of the applicants (existing ones are kept).
def account(n):
    email = "solicitante%02d@demo.cabildo.mx" % n
    found = subprocess.run(["psql", os.environ["CABILDO_DATABASE_ADMIN_URL"], "-qAtX", "-c",
                            "SELECT id FROM core.users WHERE email = '%s'" % email],
                           capture_output=True, check=True).stdout.decode().strip()
    if not found:
        subprocess.run([BIN, "user", "create", "--email", email, "--name",
                        "Solicitante de demostración %02d" % n, "--password-stdin"],
                       input=os.environ["PASSWORD"].encode(), capture_output=True, check=True)
    return email

CALL_DOC = {
    "description": "Apoyo económico para que estudiantes con buen promedio y necesidad económica "
                   "continúen sus estudios.",
    "program": "Programa de Becas para la Permanencia Escolar",
    "area": "Secretaría de Educación",
    "target_population": "Estudiantes de 15 a 29 años inscritos en escuelas públicas de Durango",
    "objectives": "Reducir el abandono escolar en educación media superior y superior.",
    "requirements": ["Constancia de estudios del ciclo vigente", "Boleta con promedio mínimo de 8.0",
                     "Comprobante de domicilio", "CURP"],
    "eligibility": {"min_age": 15, "max_age": 29,
                    "education_levels": ["media_superior", "superior"], "min_gpa": 8.0},
    "selection_criteria": ["Promedio general (60 %)", "Condición socioeconómica (30 %)",
                           "Residencia en localidades rurales (10 %)"],
    "legal_basis": [{"instrument": "Ley de Educación del Estado de Durango",
                     "article": "Artículo 12",
                     "url": "https://congresodurango.gob.mx/leyes/educacion.pdf"}],
    "rules_url": "https://educacion.durango.gob.mx/becas/reglas-de-operacion.pdf",
    "privacy_notice_url": "https://educacion.durango.gob.mx/becas/aviso-de-privacidad.pdf",
    "complaints_procedure": "Quejas ante el Órgano Interno de Control: oic.educacion@durango.gob.mx "
                            "o al 618 137 0000, de lunes a viernes de 9:00 a 15:00.",
    "contact": {"name": "Departamento de Becas", "email": "becas@durango.gob.mx",
                "phone": "6181370000", "address": "Blvd. Felipe Pescador 800, Durango, Dgo.",
                "hours": "Lunes a viernes de 9:00 a 15:00"},
    "questions": [{"code": "motivo", "text": "¿Por qué necesitas la beca?", "required": True}],
}

# (tenant, title, amount, slots, opens, closes, status, resolved)
CALLS = [
    ("durango", "Beca Estatal de Permanencia Escolar", "3000.00", 5,
     "now() - interval '3 days'", "now() + interval '30 days'", "published"),
    ("durango", "Beca Estatal de Transporte", "1500.00", 3,
     "now() - interval '40 days'", "now() - interval '5 days'", "published"),
    ("municipio-durango", "Becas Municipales de Excelencia", "2500.00", 3,
     "now() - interval '90 days'", "now() - interval '60 days'", "resolved"),
]

# (call index, n, full name, birth date, sex, municipality, status, score, note)
APPS = [
    (0, 1, "Carla Gómez Ruiz", "2006-04-18", "M", "10005", "submitted", None, None),
    (0, 2, "Diego Herrera Soto", "2005-09-02", "H", "10005", "submitted", None, None),
    (0, 3, "Elena Ibarra Luna", "2004-11-23", "M", "10032", "under_review", None, None),
    (0, 4, "Fernando Jiménez Mata", "2007-01-30", "H", "10012", "needs_info", None,
     "Falta la constancia de estudios del ciclo vigente."),
    (0, 5, "Gabriela Krauss Núñez", "2003-06-11", "M", "10005", "approved", 94, None),
    (0, 6, "Héctor López Ortiz", "2002-12-05", "H", "10007", "rejected", 58,
     "El promedio de la boleta es menor a 8.0."),
    (0, 7, "Irene Martínez Paz", "2005-02-14", "M", "10005", "withdrawn", None, None),
    (1, 8, "Jorge Navarro Quiñones", "2006-08-08", "H", "10005", "approved", 91, None),
    (1, 1, "Carla Gómez Ruiz", "2006-04-18", "M", "10005", "approved", 88, None),
    (1, 9, "Karen Olvera Ríos", "2001-03-03", "M", "10016", "rejected", 61,
     "No comprobó la residencia en Durango."),
    (1, 10, "Luis Peña Salas", "2004-05-27", "H", "10005", "needs_info", None,
     "Falta el comprobante de domicilio."),
    (1, 2, "Diego Herrera Soto", "2005-09-02", "H", "10005", "withdrawn", None, None),
    (2, 11, "Mariana Quintero Vela", "2009-10-01", "M", "10005", "approved", 98, None),
    (2, 12, "Ana Sofía de la Cruz Ríos", "2003-01-20", "M", "10005", "approved", 95, None),
    (2, 5, "Gabriela Krauss Núñez", "2003-06-11", "M", "10005", "approved", 90, None),
    (2, 6, "Héctor López Ortiz", "2002-12-05", "H", "10007", "rejected", 70,
     "Se otorgaron los lugares a promedios más altos."),
    (2, 9, "Karen Olvera Ríos", "2001-03-03", "M", "10016", "rejected", None,
     "No se atendió la prevención antes del cierre."),
]

MUNICIPALITIES = {"10005": "Durango", "10007": "Gómez Palacio", "10012": "Lerdo",
                  "10016": "Nombre de Dios", "10032": "Santiago Papasquiaro"}

print("BEGIN;")
print("\\o /dev/null")
print("SELECT set_config('cabildo.tenant_ids', (SELECT string_agg(id::text, ',') FROM core.tenants), true);")
print("\\o")
call_ids = []
for tenant, title, amount, slots, opens, closes, status in CALLS:
    cid = str(uuid.uuid4())
    call_ids.append(cid)
    doc = dict(CALL_DOC, title=title)
    print("INSERT INTO scholarships.calls (tenant_id, id, status, document, amount_mxn, slots,"
          " opens_at, closes_at, published_at, resolved_at) SELECT t.id, %s, %s, %s::jsonb,"
          " %s, %d, %s, %s, %s, %s FROM core.tenants t WHERE t.slug = %s;" % (
              q(cid), q(status), q(json.dumps(doc, ensure_ascii=False)), amount, slots, opens,
              closes, opens, "now() - interval '50 days'" if status == "resolved" else "NULL",
              q(tenant)))

for call, n, name, birth, sex, muni, status, score, note in APPS:
    tenant = CALLS[call][0]
    email = account(n)
    aid = str(uuid.uuid4())
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    the_curp = curp("G" + "AEIOU"[n % 5] + letters[n % 26] + letters[(n * 7) % 26], birth, sex,
                    "RRL")
    personal = {
        "curp": the_curp, "full_name": name, "birth_date": birth, "sex": sex,
        "address": {"street": "Calle Negrete", "exterior_number": str(100 + n),
                    "neighborhood": "Zona Centro", "locality": MUNICIPALITIES[muni],
                    "postal_code": "34000", "municipality_code": muni},
        "phone": "618555%04d" % (2000 + n), "email": "solicitante%02d@correo.demo" % n,
        "school": "Colegio de Bachilleres del Estado de Durango",
        "education_level": "media_superior" if birth >= "2005" else "superior",
        "gpa": 9.2, "answers": {"motivo": "Para pagar el transporte y los materiales."},
        "documents": [{"kind": "constancia_estudios",
                       "url": "https://archivos.ejemplo.mx/demo-%02d.pdf" % n}],
        "privacy_notice_accepted": True,
    }
    sealed = run(["data-key", "seal", "--module", "scholarships", "--context", "application:" + aid],
                 json.dumps(personal, ensure_ascii=False))
    digest = run(["data-key", "digest", "--module", "scholarships", "--domain", "curp"], the_curp)
    decided = status in ("approved", "rejected", "needs_info")
    print("INSERT INTO scholarships.applications (tenant_id, id, call_id, applicant_id, curp_digest,"
          " personal_data, status, score, decision_note, decided_at, submitted_at)"
          " SELECT t.id, %s, %s, u.id, %s, %s, %s, %s, %s, %s, c.opens_at + interval '1 day'"
          " FROM core.tenants t, core.users u, scholarships.calls c"
          " WHERE t.slug = %s AND u.email = %s AND c.id = %s;" % (
              q(aid), q(call_ids[call]), q(digest), q(sealed), q(status),
              score if score is not None else "NULL", q(note),
              "least(now(), c.closes_at - interval '1 day')" if decided else "NULL", q(tenant), q(email),
              q(call_ids[call])))
    if decided:
        decision = {"approved": "approve", "rejected": "reject", "needs_info": "needs_info"}[status]
        print("INSERT INTO scholarships.decisions (tenant_id, application_id, decision, score, note,"
              " decided_at) SELECT tenant_id, id, %s, score, decision_note, decided_at"
              " FROM scholarships.applications WHERE id = %s;" % (q(decision), q(aid)))
    if CALLS[call][6] == "resolved" and status == "approved":
        # The padrón as publish-results writes it: age on the closing day, a
        # minor by initials (the default policy).
        print("INSERT INTO scholarships.beneficiaries (tenant_id, call_id, application_id, name,"
              " amount_mxn, municipality_code, municipality, age, sex, published_at)"
              " SELECT c.tenant_id, c.id, %s, CASE WHEN a.age < 18 THEN %s ELSE %s END,"
              " c.amount_mxn, %s, %s, a.age, %s, c.resolved_at"
              " FROM scholarships.calls c, LATERAL (SELECT date_part('year', age("
              "(c.closes_at AT TIME ZONE 'America/Mexico_City')::date, %s::date))::int AS age) a"
              " WHERE c.id = %s;" % (
                  q(aid), q(" ".join(w[0] + "." for w in name.split()
                                      if w.lower() not in ("de", "del", "la", "las", "los", "y"))),
                  q(name), q(muni), q(MUNICIPALITIES[muni]), q(sex), q(birth), q(call_ids[call])))
print("COMMIT;")
print("\\echo demo-data: scholarships loaded (3 calls, %d applications)" % len(APPS))
PY
