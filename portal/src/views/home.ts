// The home page: the state and its municipalities (and agencies) that
// publish on this instance, each with the sections it has enabled.
import { allPages, api, problemMessage, type Tenant } from "../api";
import { modulePages, type ViewContext } from "../context";
import { h } from "../dom";

const kindNames: Record<Tenant["kind"], string> = { state: "Estado", municipality: "Municipio", agency: "Dependencia" };

function tenantCard(tenant: Tenant): HTMLElement {
  const sections = modulePages.filter((entry) => tenant.modules.includes(entry.module));
  return h(
    "li",
    { class: "card" },
    h("h3", null, h("a", { href: `#/t/${tenant.slug}` }, tenant.name)),
    h("p", { class: "muted" }, kindNames[tenant.kind] ?? tenant.kind),
    sections.length
      ? h("ul", { class: "chips", "aria-label": `Secciones de ${tenant.name}` }, sections.map((entry) =>
          h("li", null, h("a", { href: `#/t/${tenant.slug}/${entry.page}` }, entry.title))))
      : h("p", { class: "muted" }, "Aún no publica secciones."),
  );
}

export async function renderHome(_context: ViewContext): Promise<Node> {
  const tenants = await allPages(async (cursor) => {
    const { data, error } = await api.GET("/v1/tenants", { params: { query: { limit: 100, cursor } } });
    if (error) throw new Error(problemMessage(error));
    return data ? { items: data.items ?? [], next_cursor: data.next_cursor } : undefined;
  });
  const roots = tenants.filter((tenant) => !tenant.parent);
  const childrenOf = (slug: string) => tenants.filter((tenant) => tenant.parent === slug);
  return h(
    "section",
    null,
    h("h1", null, "Gobierno Abierto"),
    h("p", { class: "lead" }, "Los compromisos del Plan de Acción Local, la obra pública, los trámites, las becas y los reportes ciudadanos de cada gobierno, con sus datos abiertos para descargar."),
    roots.length === 0 ? h("p", null, "Todavía no hay instituciones publicadas.") : null,
    roots.map((root) =>
      h(
        "section",
        { class: "tenant-group", "aria-labelledby": `grupo-${root.slug}` },
        h("h2", { id: `grupo-${root.slug}` }, root.name),
        h("ul", { class: "cards" }, tenantCard(root), childrenOf(root.slug).map(tenantCard)),
      ),
    ),
  );
}
