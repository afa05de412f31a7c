// The portal: a hash router (#/t/gomez-palacio/obras) over views that each
// render one page from the public API. Hash routes let any static server (or
// `cabildo serve`'s CABILDO_PORTAL_DIR) serve the same three files.
import { api, problemMessage } from "./api";
import { modulePages, type ModulePage, type View, type ViewContext } from "./context";
import { h } from "./dom";
import { renderHome } from "./views/home";
import { renderPlan } from "./views/plan";
import { renderProcedures } from "./views/procedures";
import { renderReports } from "./views/reports";
import { renderScholarships } from "./views/scholarships";
import { renderTenant } from "./views/tenant";
import { renderWorks } from "./views/works";

const pages: Record<ModulePage, View> = {
  plan: renderPlan,
  obras: renderWorks,
  tramites: renderProcedures,
  becas: renderScholarships,
  reportes: renderReports,
};

const main = document.getElementById("main") as HTMLElement;
const breadcrumb = document.getElementById("breadcrumb") as HTMLElement;
let renderCount = 0;

function parseHash(): { parts: string[]; query: URLSearchParams } {
  const hash = location.hash.startsWith("#/") ? location.hash.slice(1) : "/";
  const [path, query = ""] = hash.split("?", 2);
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

function showBreadcrumb(context: ViewContext, pageTitle?: string): void {
  const items: Node[] = [h("li", null, h("a", { href: "#/" }, "Inicio"))];
  if (context.tenant) {
    const tenantHref = `#/t/${context.tenant.slug}`;
    items.push(h("li", null, pageTitle ? h("a", { href: tenantHref }, context.tenant.name) : h("span", { "aria-current": "page" }, context.tenant.name)));
  }
  if (pageTitle) items.push(h("li", null, h("span", { "aria-current": "page" }, pageTitle)));
  breadcrumb.replaceChildren(...items);
}

function tenantMenu(context: ViewContext, current?: ModulePage): Node | null {
  const tenant = context.tenant;
  if (!tenant) return null;
  const enabled = modulePages.filter((entry) => tenant.modules.includes(entry.module));
  if (enabled.length === 0) return null;
  return h(
    "nav",
    { class: "tenant-menu", "aria-label": `Secciones de ${tenant.name}` },
    h("ul", null, enabled.map((entry) =>
      h("li", null, h("a", { href: `#/t/${tenant.slug}/${entry.page}`, "aria-current": entry.page === current ? "page" : null }, entry.title)))),
  );
}

async function render(): Promise<void> {
  const run = ++renderCount;
  const { parts, query } = parseHash();
  const context: ViewContext = {
    query,
    replaceQuery(next) {
      const base = location.hash.split("?", 1)[0] || "#/";
      const text = next.toString();
      history.replaceState(null, "", text ? `${base}?${text}` : base);
    },
  };
  main.dataset.state = "loading";
  main.setAttribute("aria-busy", "true");
  let content: Node;
  let title = "Gobierno Abierto";
  try {
    if (parts.length === 0) {
      showBreadcrumb(context);
      content = await renderHome(context);
    } else if (parts[0] === "t" && parts[1]) {
      const { data, error, response } = await api.GET("/v1/tenants/{tenant}", { params: { path: { tenant: parts[1] } } });
      if (!data) throw new PageError(response.status === 404 ? "No existe esa institución en este portal." : problemMessage(error));
      context.tenant = data;
      const page = parts[2] as ModulePage | undefined;
      const entry = modulePages.find((candidate) => candidate.page === page);
      if (page && (!entry || parts.length > 3)) throw new PageError("Esta página no existe.");
      if (entry && !data.modules.includes(entry.module)) throw new PageError(`${data.name} no publica ${entry.title.toLowerCase()} en este portal.`);
      showBreadcrumb(context, entry?.title);
      const body = entry ? await pages[entry.page](context) : await renderTenant(context);
      content = h("div", null, tenantMenu(context, entry?.page), body);
      title = entry ? `${entry.title} · ${data.name}` : data.name;
    } else {
      throw new PageError("Esta página no existe.");
    }
    main.dataset.state = "ready";
  } catch (error) {
    const message = error instanceof PageError ? error.message : "No se pudo cargar esta página. Revisa tu conexión e intenta de nuevo.";
    if (!(error instanceof PageError)) console.error(error);
    content = h("div", { class: "notice error", role: "alert" }, h("h1", null, "No se pudo mostrar la página"), h("p", null, message), h("p", null, h("a", { href: "#/" }, "Volver al inicio")));
    main.dataset.state = "error";
  }
  if (run !== renderCount) return; // a newer navigation won
  main.replaceChildren(content);
  main.removeAttribute("aria-busy");
  document.title = `${title} · Portal de Gobierno Abierto`;
  // After a navigation, screen readers and keyboards start at the new page's
  // content. Not on the first load: there the first Tab is the skip link's.
  if (run > 1) main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

class PageError extends Error {}

window.addEventListener("hashchange", () => {
  if (location.hash === "" || location.hash.startsWith("#/")) void render();
});
document.getElementById("skip-link")?.addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
void render();
