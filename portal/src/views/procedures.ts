// The catalogue of procedures and services (#/t/{tenant}/tramites?q=…): a
// search box (the server's Spanish full-text search ignores accents and case,
// and offers names that look alike when nothing matches), and each procedure
// with what a person needs to know before going: requirements, cost, time,
// where, and its legal basis. On the state's page the catalogue includes its
// municipalities' procedures.
import type { components } from "@cabildo/client";

import { allPages, api, problemMessage, tenantPath } from "../api";
import type { ViewContext } from "../context";
import { downloadLink, h } from "../dom";
import { formatDate } from "../format";

type Procedure = components["schemas"]["ProcedureRegistryProcedure"];
type Match = components["schemas"]["ProcedureRegistryProcedurePage"]["match"];

const maxQueryChars = 200; // the API's bound (and 12 words)
const pesos = new Intl.NumberFormat("es-MX", { style: "currency", currency: "MXN" });

function costText(procedure: Procedure): string {
  const cost = procedure.cost;
  if (!cost) return "Sin dato";
  if (cost.free) return "Gratuito";
  if (cost.amount_mxn) return pesos.format(Number(cost.amount_mxn));
  return cost.calculation ? "Según cálculo" : "Sin dato";
}

function termText(procedure: Procedure): string {
  const term = procedure.resolution_term;
  if (!term || term.value === undefined) return "Sin dato";
  if (term.unit === "months") return term.value === 1 ? "1 mes" : `${term.value} meses`;
  const days = term.value === 1 ? "1 día" : `${term.value} días`;
  return term.business_days ? `${days} hábil${term.value === 1 ? "" : "es"}` : `${days} naturales`;
}

const tacitNames: Record<string, string> = {
  positive: "Si la autoridad no responde en el plazo, se entiende que la respuesta es favorable (afirmativa ficta).",
  negative: "Si la autoridad no responde en el plazo, se entiende que la respuesta es negativa (negativa ficta).",
  none: "Si la autoridad no responde en el plazo, no hay una respuesta automática.",
};
const channelNames: Record<string, string> = { phone: "Teléfono", email: "Correo", web: "Sitio web" };

function requirementText(requirement: NonNullable<Procedure["requirements"]>[number]): string {
  const parts = [requirement.description ?? "Requisito"];
  const forms: string[] = [];
  if (requirement.original) forms.push("original");
  if (requirement.copies) forms.push(requirement.copies === 1 ? "1 copia" : `${requirement.copies} copias`);
  if (forms.length) parts.push(` (${forms.join(" y ")})`);
  if (requirement.issuer) parts.push(`. Lo expide: ${requirement.issuer}`);
  return parts.join("");
}

function detailBlock(title: string, content: Node | null): Node[] {
  return content ? [h("h4", null, title), content] : [];
}

function details(procedure: Procedure): HTMLElement {
  const requirements = procedure.requirements ?? [];
  const steps = procedure.steps ?? [];
  const legal = procedure.legal_basis ?? [];
  const offices = procedure.offices ?? [];
  const contacts = procedure.contact_channels ?? [];
  return h(
    "details",
    null,
    h("summary", null, "Requisitos, pasos y fundamento legal", h("span", { class: "visually-hidden" }, ` de ${procedure.name ?? "este trámite"}`)),
    detailBlock("Requisitos", requirements.length
      ? h("ul", null, requirements.map((requirement) => h("li", null, requirementText(requirement))))
      : h("p", null, "No pide requisitos.")),
    procedure.modalities?.length
      ? detailBlock("Modalidades", h("ul", null, procedure.modalities.map((modality) => h("li", null, modality.name ?? modality.code ?? ""))))
      : [],
    steps.length ? detailBlock("Pasos", h("ol", null, steps.map((step) => h("li", null, step)))) : [],
    detailBlock("Costo y pago", h("div", null,
      h("p", null, costText(procedure), procedure.cost?.calculation ? `. ${procedure.cost.calculation}` : ""),
      procedure.cost?.legal_basis ? h("p", { class: "muted" }, `Fundamento del cobro: ${procedure.cost.legal_basis}`) : null,
      procedure.payment_methods?.length ? h("p", null, "Formas de pago: ", procedure.payment_methods.join("; "), ".") : null)),
    detailBlock("Plazo de respuesta", h("div", null,
      h("p", null, termText(procedure), procedure.validity ? `. Vigencia: ${procedure.validity}` : ""),
      procedure.tacit_resolution ? h("p", null, tacitNames[procedure.tacit_resolution] ?? "") : null)),
    offices.length
      ? detailBlock("Dónde se hace", h("ul", null, offices.map((office) =>
          h("li", null, h("strong", null, office.name ?? "Oficina"), office.address ? `, ${office.address}` : "", office.hours ? `. ${office.hours}` : ""))))
      : [],
    procedure.form?.url
      ? detailBlock("Formato", h("p", null, h("a", { href: procedure.form.url, rel: "noopener" }, "Descargar el formato"),
          procedure.form.published_on ? ` (publicado el ${formatDate(procedure.form.published_on)})` : ""))
      : [],
    contacts.length
      ? detailBlock("Dudas y quejas", h("ul", null, contacts.map((contact) =>
          h("li", null, `${channelNames[contact.kind ?? ""] ?? "Contacto"}: `, contact.kind === "web" && contact.value
            ? h("a", { href: contact.value, rel: "noopener" }, contact.value)
            : contact.value ?? ""))))
      : [],
    legal.length
      ? detailBlock("Fundamento legal", h("ul", null, legal.map((basis) => {
          const text = [basis.instrument, basis.article].filter(Boolean).join(", ");
          return h("li", null, basis.url ? h("a", { href: basis.url, rel: "noopener" }, text) : text);
        })))
      : [],
    procedure.homoclave ? h("p", { class: "muted" }, `Homoclave: ${procedure.homoclave}`) : null,
  );
}

function procedureItem(procedure: Procedure, tenantName: string | null): HTMLElement {
  return h(
    "li",
    { class: "card procedure", "data-procedure": procedure.id },
    h("h3", null, procedure.name ?? "Trámite"),
    tenantName ? h("p", { class: "muted" }, tenantName) : null,
    procedure.description ? h("p", null, procedure.description) : null,
    h(
      "ul",
      { class: "facts" },
      h("li", null, h("span", { class: "fact-name" }, "Dependencia: "), procedure.agency ?? "—"),
      h("li", null, h("span", { class: "fact-name" }, "Costo: "), costText(procedure)),
      h("li", null, h("span", { class: "fact-name" }, "Respuesta en: "), termText(procedure)),
      h("li", null, h("span", { class: "fact-name" }, "En línea: "), procedure.online && procedure.online_url
        ? h("a", { href: procedure.online_url, rel: "noopener" }, "Sí, hacerlo en línea")
        : "No, se hace en oficina"),
    ),
    details(procedure),
  );
}

export async function renderProcedures(context: ViewContext): Promise<Node> {
  const tenant = context.tenant!;
  const slug = tenant.slug;
  const withDescendants = tenant.children.length > 0;
  const initial = (context.query.get("q") ?? "").slice(0, maxQueryChars);

  // The state's catalogue includes its municipalities: say whose each one is.
  let names = new Map<string, string>([[slug, tenant.name]]);
  if (withDescendants) {
    const { data } = await api.GET("/v1/tenants", { params: { query: { limit: 100 } } });
    names = new Map((data?.items ?? []).map((item) => [item.slug, item.name]));
  }

  const input = h("input", {
    id: "q", name: "q", type: "search", value: initial, maxlength: maxQueryChars,
    autocomplete: "off", "aria-describedby": "q-hint",
  });
  const status = h("p", { role: "status", class: "search-status" });
  const results = h("div", { id: "resultados" });

  async function search(query: string): Promise<void> {
    results.setAttribute("aria-busy", "true");
    status.className = "search-status";
    let match: Match = null;
    const items = await allPages<Procedure>(async (cursor) => {
      const { data, error } = await api.GET("/v1/tenants/{tenant}/procedure-registry/procedures", {
        params: {
          path: { tenant: slug },
          query: { q: query || undefined, limit: 100, cursor, include_descendants: withDescendants || undefined },
        },
      });
      if (!data) throw new Error(problemMessage(error));
      match = data.match;
      return { items: data.items.filter((item): item is Procedure => !("deleted" in item && item.deleted)), next_cursor: data.next_cursor };
    }, 5);
    const label = (procedure: Procedure) => (withDescendants ? names.get(procedure.tenant) ?? procedure.tenant : null);
    const list = h("ul", { class: "results" }, items.map((procedure) => procedureItem(procedure, label(procedure))));
    const everything = h("a", { href: `#/t/${slug}/tramites` }, "Ver todos los trámites y servicios");
    if (!query) {
      status.textContent = items.length === 1 ? "1 trámite o servicio en el catálogo." : `${items.length} trámites y servicios en el catálogo.`;
      results.replaceChildren(h("h2", null, "Catálogo"), items.length ? list : h("p", null, "Todavía no hay trámites publicados."));
    } else if (items.length && match !== "suggestions") {
      status.textContent = items.length === 1 ? `1 resultado para «${query}».` : `${items.length} resultados para «${query}».`;
      results.replaceChildren(h("h2", null, "Resultados"), list, h("p", null, everything));
    } else if (items.length) {
      status.textContent = `No encontramos «${query}» tal cual; estos nombres se parecen.`;
      results.replaceChildren(h("h2", null, "¿Quisiste decir…?"), list, h("p", null, everything));
    } else {
      status.textContent = `No encontramos trámites ni servicios para «${query}».`;
      status.className = "search-status visually-hidden"; // the notice below says it on screen
      results.replaceChildren(
        h("div", { class: "notice empty-result" },
          h("h2", null, "Sin resultados"),
          h("p", null, `No encontramos ningún trámite ni servicio que coincida con «${query}».`),
          h("ul", null,
            h("li", null, "Prueba con menos palabras o con otras, por ejemplo «licencia», «constancia» o «predial»."),
            h("li", null, "Busca por lo que necesitas hacer o por la dependencia que lo atiende."),
            h("li", null, "Si no está en el catálogo, pregunta en la oficina de atención ciudadana.")),
          h("p", null, everything)),
      );
    }
    results.removeAttribute("aria-busy");
  }

  const form = h(
    "form",
    {
      role: "search",
      class: "search-form",
      "aria-label": "Buscar trámites y servicios",
      onsubmit: (event: Event) => {
        event.preventDefault();
        const query = input.value.trim().slice(0, maxQueryChars);
        const next = new URLSearchParams(context.query);
        if (query) next.set("q", query);
        else next.delete("q");
        context.replaceQuery(next);
        search(query).catch((error) => {
          results.setAttribute("aria-busy", "false");
          status.textContent = error instanceof Error ? error.message : problemMessage(error);
        });
      },
    },
    h("div", { class: "field" },
      h("label", { for: "q" }, "¿Qué trámite buscas?"),
      h("p", { id: "q-hint", class: "hint" }, "Por ejemplo «licencia de construcción»; no importan los acentos ni las mayúsculas."),
      input),
    h("button", { type: "submit" }, "Buscar"),
  );

  await search(initial);
  const exportQuery = withDescendants ? "?include_descendants=true" : "";
  return h(
    "section",
    null,
    h("h1", null, "Trámites y servicios · ", tenant.name),
    h("p", { class: "lead" }, withDescendants
      ? "Requisitos, costos y plazos de los trámites del estado y de sus municipios."
      : "Requisitos, costos y plazos de cada trámite y servicio."),
    form,
    status,
    results,
    h("h2", null, "Datos abiertos del catálogo"),
    h("ul", { class: "downloads" },
      h("li", null, downloadLink(tenantPath(slug, `procedure-registry/export.csv${exportQuery}`), "Catálogo de trámites", "CSV")),
      h("li", null, downloadLink(tenantPath(slug, `procedure-registry/export.json${exportQuery}`), "Catálogo de trámites", "JSON"))),
  );
}
