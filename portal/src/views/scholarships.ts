// Scholarships (#/t/{tenant}/becas): the calls, open ones first, and the
// padrón (beneficiaries) of each resolved call exactly as the API publishes it
// (name — initials for a minor —, municipality, age, sex, amount: nothing
// else). On the state's page it is the single portal of every call in the
// state (include_descendants). Applying needs a signed-in citizen: the page
// says where to do it instead of offering a form.
import type { components } from "@cabildo/client";

import { allPages, api, problemMessage, tenantPath } from "../api";
import type { ViewContext } from "../context";
import { downloadLink, h, scrollTable } from "../dom";
import { formatDate, formatNumber } from "../format";

type Call = components["schemas"]["ScholarshipsCall"];
type Beneficiary = components["schemas"]["ScholarshipsBeneficiary"];

const pesos = new Intl.NumberFormat("es-MX", { style: "currency", currency: "MXN" });
const money = (amount: string | null | undefined) => (amount ? pesos.format(Number(amount)) : "—");
const sexNames: Record<string, string> = { H: "Hombre", M: "Mujer", X: "No binario" };
const levelNames: Record<string, string> = {
  primaria: "primaria",
  secundaria: "secundaria",
  media_superior: "media superior",
  superior: "superior",
  posgrado: "posgrado",
};

function eligibilityText(call: Call): string | null {
  const rules = call.eligibility;
  if (!rules) return null;
  const parts: string[] = [];
  if (rules.min_age != null && rules.max_age != null) parts.push(`de ${rules.min_age} a ${rules.max_age} años`);
  else if (rules.min_age != null) parts.push(`desde ${rules.min_age} años`);
  else if (rules.max_age != null) parts.push(`hasta ${rules.max_age} años`);
  if (rules.education_levels?.length) parts.push(`nivel ${rules.education_levels.map((level) => levelNames[level] ?? level).join(" o ")}`);
  if (rules.min_gpa != null) parts.push(`promedio mínimo de ${rules.min_gpa}`);
  return parts.length ? parts.join(", ") : null;
}

function callCard(call: Call, tenantName: string | null, headingLevel: "h3"): HTMLElement {
  const eligibility = eligibilityText(call);
  const contact = call.contact;
  return h(
    "li",
    { class: "card call", "data-call": call.id },
    h(headingLevel, null, call.title),
    tenantName || call.program ? h("p", { class: "muted" }, [tenantName, call.program].filter(Boolean).join(" · ")) : null,
    call.open ? h("p", null, h("span", { class: "badge open" }, "Recibe solicitudes")) : null,
    call.description ? h("p", null, call.description) : null,
    h(
      "ul",
      { class: "facts" },
      h("li", null, h("span", { class: "fact-name" }, "Monto: "), money(call.amount_mxn)),
      h("li", null, h("span", { class: "fact-name" }, "Becas: "), formatNumber(call.slots)),
      h("li", null, h("span", { class: "fact-name" }, "Solicitudes: "), `del ${formatDate(call.opens_at)} al ${formatDate(call.closes_at)}`),
      call.results_at ? h("li", null, h("span", { class: "fact-name" }, "Resultados: "), formatDate(call.results_at)) : null,
    ),
    call.target_population ? h("p", null, h("strong", null, "Para quién: "), call.target_population, eligibility ? ` (${eligibility}).` : "") : null,
    call.requirements?.length
      ? h("details", { open: call.open },
          h("summary", null, "Requisitos", h("span", { class: "visually-hidden" }, ` de ${call.title}`)),
          h("ul", null, call.requirements.map((requirement) => h("li", null, requirement))),
          call.selection_criteria?.length
            ? [h("p", null, h("strong", null, "Cómo se elige: ")), h("ul", null, call.selection_criteria.map((criterion) => h("li", null, criterion)))]
            : null)
      : null,
    call.rules_url ? h("p", null, h("a", { href: call.rules_url, rel: "noopener" }, "Reglas de operación", h("span", { class: "visually-hidden" }, ` de ${call.title}`))) : null,
    call.open
      ? h("p", { class: "notice" },
          "Para solicitarla inicia sesión en la aplicación de Cabildo, o acude a la oficina",
          contact?.name ? ` (${contact.name}${contact.address ? `, ${contact.address}` : ""}${contact.hours ? `; ${contact.hours}` : ""})` : "",
          ". Ten a la mano tu CURP y los requisitos.")
      : null,
  );
}

function padronTable(call: Call, beneficiaries: Beneficiary[]): HTMLElement {
  const title = `Padrón de beneficiarios de ${call.title}`;
  return scrollTable(
    title,
    h(
      "table",
      { class: "padron compact", "data-call": call.id },
      h("caption", null, title),
      h("thead", null, h("tr", null,
        h("th", { scope: "col" }, "Nombre"),
        h("th", { scope: "col" }, "Municipio"),
        h("th", { scope: "col", class: "num" }, "Edad"),
        h("th", { scope: "col" }, "Sexo"),
        h("th", { scope: "col", class: "num" }, "Monto"))),
      h("tbody", null, beneficiaries.map((person) =>
        h("tr", null,
          h("td", null, person.name),
          h("td", null, person.municipality),
          h("td", { class: "num" }, String(person.age)),
          h("td", null, sexNames[person.sex] ?? person.sex),
          h("td", { class: "num" }, money(person.amount_mxn))))),
    ),
  );
}

const byDate = (field: "opens_at" | "closes_at") => (a: Call, b: Call) => (a[field] ?? "").localeCompare(b[field] ?? "");

export async function renderScholarships(context: ViewContext): Promise<Node> {
  const tenant = context.tenant!;
  const slug = tenant.slug;
  const withDescendants = tenant.children.length > 0;

  const [calls, directory] = await Promise.all([
    allPages<Call>(async (cursor) => {
      const { data, error } = await api.GET("/v1/tenants/{tenant}/scholarships/calls", {
        params: { path: { tenant: slug }, query: { limit: 100, cursor, include_descendants: withDescendants || undefined } },
      });
      if (!data) throw new Error(problemMessage(error));
      return { items: data.items.filter((call): call is Call => !("deleted" in call && call.deleted)), next_cursor: data.next_cursor };
    }, 5),
    withDescendants ? api.GET("/v1/tenants", { params: { query: { limit: 100 } } }).then((answer) => answer.data?.items ?? []) : Promise.resolve([]),
  ]);
  const names = new Map(directory.map((item) => [item.slug, item.name]));
  const whose = (call: Call) => (withDescendants ? names.get(call.tenant) ?? call.tenant : null);

  const now = new Date().toISOString();
  const open = calls.filter((call) => call.open).sort(byDate("closes_at"));
  const upcoming = calls.filter((call) => !call.open && call.status === "published" && call.opens_at > now).sort(byDate("opens_at"));
  const resolved = calls.filter((call) => call.status === "resolved").sort((a, b) => (b.resolved_at ?? "").localeCompare(a.resolved_at ?? ""));
  const closed = calls.filter((call) => !open.includes(call) && !upcoming.includes(call) && !resolved.includes(call));

  // Every resolved call's padrón, in parallel, each bounded to a few pages.
  const padrones = await Promise.all(resolved.map((call) =>
    allPages<Beneficiary>(async (cursor) => {
      const { data, error } = await api.GET("/v1/tenants/{tenant}/scholarships/calls/{id}/beneficiaries", {
        params: { path: { tenant: call.tenant, id: call.id }, query: { limit: 100, cursor } },
      });
      if (!data) throw new Error(problemMessage(error));
      return data;
    }, 20)));

  const group = (id: string, title: string, list: Call[], empty: string | null) =>
    list.length || empty
      ? h("section", { "aria-labelledby": id },
          h("h2", { id }, title),
          list.length ? h("ul", { class: "results" }, list.map((call) => callCard(call, whose(call), "h3"))) : h("p", null, empty))
      : null;
  const exportQuery = withDescendants ? "?include_descendants=true" : "";

  return h(
    "section",
    null,
    h("h1", null, "Becas · ", tenant.name),
    h("p", { class: "lead" }, withDescendants
      ? "Todas las convocatorias de becas del estado y de sus municipios en un solo lugar, y quiénes las recibieron."
      : "Convocatorias de becas y quiénes las recibieron."),
    group("abiertas", "Convocatorias abiertas", open, "No hay convocatorias abiertas en este momento. Vuelve a consultar pronto."),
    group("proximas", "Próximas convocatorias", upcoming, null),
    group("cerradas", "Convocatorias cerradas, en revisión", closed, null),
    h(
      "section",
      { "aria-labelledby": "padrones" },
      h("h2", { id: "padrones" }, "Resultados: padrones de beneficiarios"),
      h("p", null, "Cada padrón se publica cuando se resuelve su convocatoria. Solo dice nombre, municipio, edad, sexo y monto de cada persona; de quienes son menores de edad, solo sus iniciales."),
      resolved.length
        ? resolved.map((call, index) =>
            h("section", { class: "padron-call", "aria-labelledby": `padron-${call.id}` },
              h("h3", { id: `padron-${call.id}` }, call.title),
              h("p", { class: "muted" }, [whose(call), call.resolved_at ? `Resuelta el ${formatDate(call.resolved_at)}` : null].filter(Boolean).join(" · ")),
              padrones[index].length
                ? padronTable(call, padrones[index])
                : h("p", null, "Esta convocatoria se resolvió sin beneficiarios.")))
        : h("p", null, "Todavía no hay convocatorias resueltas."),
      h("h3", null, "Datos abiertos de los padrones"),
      h("ul", { class: "downloads" },
        h("li", null, downloadLink(tenantPath(slug, `scholarships/beneficiaries.csv${exportQuery}`), "Padrón de beneficiarios", "CSV")),
        h("li", null, downloadLink(tenantPath(slug, `scholarships/beneficiaries.json${exportQuery}`), "Padrón de beneficiarios", "JSON"))),
    ),
  );
}
