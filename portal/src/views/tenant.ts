// A tenant's page: what it publishes, its parent and its municipalities.
import { api } from "../api";
import { modulePages, type ViewContext } from "../context";
import { h } from "../dom";

const kindNames = { state: "Estado", municipality: "Municipio", agency: "Dependencia" } as const;

export async function renderTenant(context: ViewContext): Promise<Node> {
  const tenant = context.tenant!;
  const sections = modulePages.filter((entry) => tenant.modules.includes(entry.module));
  // Names for the parent and children links (the detail carries only slugs).
  const { data: directory } = await api.GET("/v1/tenants", { params: { query: { limit: 100 } } });
  const nameOf = (slug: string) => directory?.items?.find((item) => item.slug === slug)?.name ?? slug;
  return h(
    "section",
    null,
    h("h1", null, tenant.name),
    h("p", { class: "muted" }, kindNames[tenant.kind] ?? tenant.kind,
      tenant.parent ? [" · ", h("a", { href: `#/t/${tenant.parent}` }, nameOf(tenant.parent))] : null),
    sections.length
      ? h("ul", { class: "cards" }, sections.map((entry) =>
          h("li", { class: "card" },
            h("h2", null, h("a", { href: `#/t/${tenant.slug}/${entry.page}` }, entry.title)),
            h("p", null, entry.blurb))))
      : h("p", null, "Esta institución aún no publica secciones en el portal."),
    tenant.children.length
      ? h("section", { "aria-labelledby": "municipios" },
          h("h2", { id: "municipios" }, "Municipios y dependencias"),
          h("ul", { class: "plain" }, tenant.children.map((slug) => h("li", null, h("a", { href: `#/t/${slug}` }, nameOf(slug))))))
      : null,
  );
}
