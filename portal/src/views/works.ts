// Public works (#/t/{tenant}/obras): where the works are (an SVG map over the
// bounding box of their points: no tile server is reachable), how far along
// they are, and follow the money (budget → contracted → spent, and who pays:
// federal funds such as FAIS and FORTAMUN, the state, the municipality).
// A state's page includes its municipalities' works (include_descendants).
import type { components } from "@cabildo/client";

import { allPages, api, problemMessage, tenantPath } from "../api";
import type { ViewContext } from "../context";
import { downloadLink, h, progressBar, svg } from "../dom";
import { formatDate, formatMoney, formatMoneyExact, formatNumber } from "../format";

type Project = components["schemas"]["PublicWorksProject"];
type Summary = components["schemas"]["PublicWorksSummary"];

const statusNames: Record<string, string> = {
  identification: "En identificación",
  preparation: "En preparación",
  implementation: "En ejecución",
  completion: "Terminada",
  maintenance: "En mantenimiento",
  decommissioning: "En retiro",
  decommissioned: "Retirada",
  cancelled: "Cancelada",
};

const originNames: Record<string, string> = { federal: "Federal", state: "Estatal", municipal: "Municipal" };

const procurementNames: Record<string, string> = {
  open: "Licitación pública",
  selective: "Invitación restringida",
  direct: "Adjudicación directa",
};

const statusName = (status: string | undefined): string => (status ? statusNames[status] ?? status : "Sin estado");

/** A project's DOM id, for the map's links to its entry in the list. */
const entryId = (project: Project): string => `obra-${project.id}`;

const hasPoint = (project: Project): boolean =>
  typeof project.location?.lat === "number" && typeof project.location?.lon === "number";

// ---------------------------------------------------------------------------
// Map: an equirectangular projection of the points' bounding box (with a
// margin), scaled by cos(latitude) so that a degree east is as long as it is
// on the ground at these latitudes. Each point is a keyboard-focusable button
// named after the project; the numbered list below is the text alternative.

function worksMap(projects: Project[], numberOf: Map<string, number>, onSelect: (project: Project) => void): Element {
  const located = projects.filter(hasPoint);
  const lats = located.map((p) => p.location!.lat as number);
  const lons = located.map((p) => p.location!.lon as number);
  let [south, north] = [Math.min(...lats), Math.max(...lats)];
  let [west, east] = [Math.min(...lons), Math.max(...lons)];
  // At least ~2 km of extent, plus a 12 % margin on every side.
  const minSpan = 0.02;
  if (north - south < minSpan) [south, north] = [(south + north) / 2 - minSpan / 2, (south + north) / 2 + minSpan / 2];
  if (east - west < minSpan) [west, east] = [(west + east) / 2 - minSpan / 2, (west + east) / 2 + minSpan / 2];
  const latMargin = (north - south) * 0.12;
  const lonMargin = (east - west) * 0.12;
  south -= latMargin;
  north += latMargin;
  west -= lonMargin;
  east += lonMargin;
  const xScale = Math.cos((((south + north) / 2) * Math.PI) / 180);
  const width = 600;
  const naturalHeight = (width * (north - south)) / ((east - west) * xScale);
  const height = Math.round(Math.max(260, Math.min(520, naturalHeight)));
  // Keep the aspect: widen the shorter extent so the points are not distorted.
  const lonPerPx = Math.max((east - west) / width, (north - south) / (height * xScale));
  const centerLon = (west + east) / 2;
  const centerLat = (south + north) / 2;
  const x = (lon: number) => width / 2 + (lon - centerLon) / lonPerPx;
  const y = (lat: number) => height / 2 - ((lat - centerLat) / lonPerPx) * xScale;

  const titleId = "mapa-obras-titulo";
  const descId = "mapa-obras-desc";
  const grid: Element[] = [];
  // A light graticule: lines every "nice" step of latitude/longitude.
  const spanDeg = (width * lonPerPx) / 4;
  const step = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2].find((s) => s >= spanDeg) ?? 5;
  const leftLon = centerLon - (width / 2) * lonPerPx;
  const topLat = centerLat + ((height / 2) * lonPerPx) / xScale;
  for (let lon = Math.ceil(leftLon / step) * step; x(lon) < width; lon += step) {
    grid.push(svg("line", { x1: x(lon).toFixed(1), y1: 0, x2: x(lon).toFixed(1), y2: height, class: "map-grid" }));
  }
  for (let lat = Math.floor(topLat / step) * step; y(lat) < height; lat -= step) {
    grid.push(svg("line", { x1: 0, y1: y(lat).toFixed(1), x2: width, y2: y(lat).toFixed(1), class: "map-grid" }));
  }

  // Points closer than a dot's size are spread on a small circle around their
  // centre, each with a leader line to its true place, so every one stays
  // visible and clickable (works in one town are often a few blocks apart).
  const placed = located.map((project) => ({
    project,
    trueX: x(project.location!.lon as number),
    trueY: y(project.location!.lat as number),
    drawX: 0,
    drawY: 0,
  }));
  const clusters: (typeof placed)[] = [];
  for (const point of placed) {
    const near = clusters.find((cluster) => cluster.some((other) => Math.hypot(other.trueX - point.trueX, other.trueY - point.trueY) < 30));
    if (near) near.push(point);
    else clusters.push([point]);
  }
  for (const cluster of clusters) {
    const meanX = cluster.reduce((sum, p) => sum + p.trueX, 0) / cluster.length;
    const meanY = cluster.reduce((sum, p) => sum + p.trueY, 0) / cluster.length;
    const radius = cluster.length === 1 ? 0 : Math.max(24, (cluster.length * 30) / (2 * Math.PI));
    cluster.forEach((point, index) => {
      const angle = (2 * Math.PI * index) / cluster.length - Math.PI / 2;
      point.drawX = Math.min(width - 16, Math.max(16, meanX + radius * Math.cos(angle)));
      point.drawY = Math.min(height - 16, Math.max(16, meanY + radius * Math.sin(angle)));
    });
  }

  const points = placed.map(({ project, trueX, trueY, drawX, drawY }) => {
    const number = numberOf.get(project.id) ?? 0;
    const cx = drawX.toFixed(1);
    const cy = drawY.toFixed(1);
    const name = `${number}. ${project.title ?? "Obra sin título"} (${statusName(project.status)})`;
    const activate = (event: Event) => {
      if (event instanceof KeyboardEvent && event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      onSelect(project);
    };
    return svg(
      "g",
      {
        class: "map-point",
        role: "button",
        tabindex: 0,
        "aria-label": name,
        "data-project": project.id,
        onclick: activate,
        onkeydown: activate,
      },
      drawX !== trueX || drawY !== trueY
        ? [
            svg("line", { x1: trueX.toFixed(1), y1: trueY.toFixed(1), x2: cx, y2: cy, class: "map-leader" }),
            svg("circle", { cx: trueX.toFixed(1), cy: trueY.toFixed(1), r: 3, class: "map-true" }),
          ]
        : null,
      svg("circle", { cx, cy, r: 22, class: "map-hit" }),
      svg("circle", { cx, cy, r: 13, class: `map-dot status-${project.status ?? "none"}` }),
      svg("text", { x: cx, y: cy, dy: "0.35em", "text-anchor": "middle", class: "map-label", "aria-hidden": "true" }, String(number)),
    );
  });

  return svg(
    "svg",
    {
      class: "works-map",
      viewBox: `0 0 ${width} ${height}`,
      role: "group",
      "aria-labelledby": titleId,
      "aria-describedby": descId,
    },
    svg("title", { id: titleId }, "Mapa de las obras"),
    svg(
      "desc",
      { id: descId },
      `${located.length} obras ubicadas entre las latitudes ${south.toFixed(3)} y ${north.toFixed(3)} y las longitudes ${west.toFixed(3)} y ${east.toFixed(3)}. Cada punto lleva el número de la obra en la lista.`,
    ),
    svg("rect", { x: 0, y: 0, width, height, class: "map-bg" }),
    grid,
    points,
    svg("text", { x: 8, y: height - 10, class: "map-caption", "aria-hidden": "true" }, "N ↑ · proyección equirectangular"),
  );
}

// ---------------------------------------------------------------------------
// Charts: horizontal bars, labels above each bar so they fit a phone; every
// chart is an image with a title and a description, and its data table follows.

interface Bar {
  label: string;
  value: number;
  raw: string;
  tone?: string;
}

let chartCounter = 0;

function barChart(title: string, description: string, bars: Bar[]): Element {
  const id = `grafica-${++chartCounter}`;
  const width = 400;
  const rowHeight = 54;
  const height = bars.length * rowHeight + 6;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  return svg(
    "svg",
    { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-t ${id}-d` },
    svg("title", { id: `${id}-t` }, title),
    svg("desc", { id: `${id}-d` }, description, " ", bars.map((bar) => `${bar.label}: ${formatMoney(bar.raw)}.`).join(" ")),
    bars.map((bar, index) => {
      const top = index * rowHeight;
      const barWidth = Math.max(2, (bar.value / max) * width);
      return svg(
        "g",
        { class: "chart-row", "data-value": bar.raw },
        svg("text", { x: 0, y: top + 17, class: "chart-label" }, bar.label),
        svg("text", { x: width, y: top + 17, "text-anchor": "end", class: "chart-value" }, formatMoney(bar.raw)),
        svg("rect", { x: 0, y: top + 25, width: barWidth.toFixed(1), height: 20, rx: 3, class: `chart-bar ${bar.tone ?? ""}` }),
      );
    }),
  );
}

function moneyTable(caption: string, headers: string[], rows: { cells: (string | number)[]; raw?: string }[]): Element {
  // Focusable and named: on a phone the table may scroll sideways inside its box.
  return h(
    "div",
    { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption },
    h(
      "table",
      { class: "money-table" },
      h("caption", null, caption),
      h("thead", null, h("tr", null, headers.map((header, index) => h("th", { scope: "col", class: index > 0 ? "num" : null }, header)))),
      h(
        "tbody",
        null,
        rows.map((row) =>
          h(
            "tr",
            { "data-value": row.raw ?? null },
            row.cells.map((cell, index) => (index === 0 ? h("th", { scope: "row" }, String(cell)) : h("td", { class: "num" }, String(cell)))),
          ),
        ),
      ),
    ),
  );
}

function followTheMoney(summary: Summary): Element {
  const totals = summary.totals;
  const flowBars: Bar[] = [
    { label: "Presupuesto", value: Number(totals.budget_mxn), raw: String(totals.budget_mxn), tone: "budget" },
    { label: "Contratado", value: Number(totals.contracted_mxn), raw: String(totals.contracted_mxn), tone: "contracted" },
    { label: "Ejercido (gastado)", value: Number(totals.spent_mxn), raw: String(totals.spent_mxn), tone: "spent" },
  ];
  const funds = [...summary.by_fund].sort((a, b) => Number(b.funded_mxn) - Number(a.funded_mxn));
  const fundBars: Bar[] = funds.map((fund) => ({
    label: fund.fund === originNames[fund.origin] ? fund.fund : `${fund.fund} (${originNames[fund.origin] ?? fund.origin})`,
    value: Number(fund.funded_mxn),
    raw: String(fund.funded_mxn),
    tone: `origin-${fund.origin}`,
  }));
  const origins = [...summary.by_funding_origin].sort((a, b) => Number(b.funded_mxn) - Number(a.funded_mxn));
  return h(
    "section",
    { "aria-labelledby": "sigue-el-dinero", class: "money" },
    h("h2", { id: "sigue-el-dinero" }, "Sigue el dinero"),
    h(
      "p",
      null,
      `${formatNumber(totals.projects)} obras publicadas. Cifras exactas de la API, en pesos mexicanos; una obra con varias fuentes cuenta en cada una.`,
    ),
    h(
      "div",
      { class: "charts" },
      h(
        "figure",
        { class: "chart-figure", id: "grafica-flujo" },
        h("h3", null, "Presupuesto, contratado y ejercido"),
        barChart(
          "Presupuesto, contratado y ejercido",
          "Del dinero aprobado para las obras, cuánto se comprometió en contratos y cuánto se ha gastado.",
          flowBars,
        ),
        moneyTable(
          "Datos de la gráfica: presupuesto, contratado y ejercido",
          ["Concepto", "Monto"],
          flowBars.map((bar) => ({ cells: [bar.label, formatMoneyExact(bar.raw)], raw: bar.raw })),
        ),
      ),
      h(
        "figure",
        { class: "chart-figure", id: "grafica-fondos" },
        h("h3", null, "¿De dónde viene el dinero?"),
        fundBars.length
          ? barChart(
              "Aportación por fondo",
              "Lo que aporta cada fondo: federales (como FAIS y FORTAMUN), estatales y municipales.",
              fundBars,
            )
          : h("p", null, "Las obras no registran sus fuentes de financiamiento."),
        fundBars.length
          ? moneyTable(
              "Datos de la gráfica: aportación por fondo",
              ["Fondo", "Origen", "Obras", "Aportado", "Ejercido en esas obras"],
              funds.map((fund) => ({
                cells: [fund.fund, originNames[fund.origin] ?? fund.origin, formatNumber(fund.projects), formatMoneyExact(fund.funded_mxn), formatMoneyExact(fund.spent_mxn)],
                raw: String(fund.funded_mxn),
              })),
            )
          : null,
        origins.length
          ? moneyTable(
              "Aportación por origen del recurso",
              ["Origen", "Obras", "Aportado", "Presupuesto de esas obras"],
              origins.map((origin) => ({
                cells: [originNames[origin.origin] ?? origin.origin, formatNumber(origin.projects), formatMoneyExact(origin.funded_mxn), formatMoneyExact(origin.budget_mxn)],
                raw: String(origin.funded_mxn),
              })),
            )
          : null,
      ),
    ),
  );
}

// ---------------------------------------------------------------------------
// The list (the map's text alternative).

function definition(term: string, value: string | Node | null | undefined): Node[] {
  return [h("dt", null, term), h("dd", null, value ?? "—")];
}

function projectEntry(project: Project, number: number, tenantName: string | null): HTMLElement {
  const funding = project.funding ?? [];
  return h(
    "li",
    { class: "card project", id: entryId(project), tabindex: -1, "data-project": project.id },
    h("h3", null, h("span", { class: "project-number" }, `${number}.`), " ", project.title ?? "Obra sin título"),
    h(
      "p",
      { class: "muted" },
      h("span", { class: `status-badge status-${project.status ?? "none"}` }, statusName(project.status)),
      tenantName ? ` · ${tenantName}` : null,
      project.location?.address ? ` · ${project.location.address}` : null,
      hasPoint(project) ? null : " · Sin ubicación en el mapa",
    ),
    project.description ? h("p", null, project.description) : null,
    h(
      "div",
      { class: "project-progress" },
      h("p", { class: "progress-caption" }, "Avance físico"),
      progressBar(project.physical_progress_pct ?? 0, `Avance físico de ${project.title ?? "la obra"}`),
      h("p", { class: "progress-caption" }, "Avance financiero"),
      progressBar(project.financial_progress_pct ?? 0, `Avance financiero de ${project.title ?? "la obra"}`),
    ),
    h(
      "dl",
      { class: "project-facts" },
      definition("Presupuesto", formatMoney(project.budget_mxn)),
      definition("Contratado", formatMoney(project.contract_value_mxn)),
      definition("Ejercido", formatMoney(project.spent_mxn)),
      definition("Contratista", project.contractor?.name ?? "Sin contratar"),
      project.procurement_method ? definition("Procedimiento", procurementNames[project.procurement_method] ?? project.procurement_method) : null,
      definition("Inicio", formatDate(project.start_date)),
      definition("Término", formatDate(project.end_date)),
      funding.length
        ? definition(
            "Financiamiento",
            funding.map((source) => `${source.fund} (${originNames[source.origin] ?? source.origin}): ${formatMoney(source.amount_mxn)}`).join("; "),
          )
        : null,
    ),
  );
}

export async function renderWorks(context: ViewContext): Promise<Node> {
  const tenant = context.tenant!;
  const slug = tenant.slug;
  const withDescendants = tenant.children.length > 0;
  const [projects, summaryAnswer, directory] = await Promise.all([
    allPages<Project>(async (cursor) => {
      const { data, error } = await api.GET("/v1/tenants/{tenant}/public-works/projects", {
        params: { path: { tenant: slug }, query: { limit: 100, cursor, include_descendants: withDescendants || undefined } },
      });
      if (error) throw new Error(problemMessage(error));
      return data ? { items: (data.items ?? []).filter((p) => !p.deleted), next_cursor: data.next_cursor } : undefined;
    }),
    api.GET("/v1/tenants/{tenant}/public-works/summary", {
      params: { path: { tenant: slug }, query: { include_descendants: withDescendants || undefined } },
    }),
    withDescendants ? api.GET("/v1/tenants", { params: { query: { limit: 100 } } }) : Promise.resolve(null),
  ]);
  const tenantNames = new Map((directory?.data?.items ?? []).map((item) => [item.slug, item.name]));

  // The list in a stable, readable order: by tenant (the state first), then title.
  projects.sort((a, b) =>
    a.tenant === b.tenant ? (a.title ?? "").localeCompare(b.title ?? "", "es") : a.tenant === slug ? -1 : b.tenant === slug ? 1 : a.tenant.localeCompare(b.tenant),
  );
  const numberOf = new Map(projects.map((project, index) => [project.id, index + 1]));

  const downloads = h(
    "ul",
    { class: "downloads", "aria-label": "Descargar los datos de obra pública" },
    h("li", null, downloadLink(tenantPath(slug, "public-works/export.csv"), "Obras publicadas", "CSV")),
    h("li", null, downloadLink(tenantPath(slug, "public-works/export.json"), "Obras publicadas", "JSON")),
    projects.some((p) => p.tenant === slug)
      ? h("li", null, downloadLink(tenantPath(slug, "public-works/oc4ids.json"), "Paquete OC4IDS 0.9", "JSON"))
      : null,
  );

  if (projects.length === 0) {
    return h(
      "section",
      null,
      h("h1", null, `Obra pública · ${tenant.name}`),
      h("p", { class: "notice" }, "Todavía no hay obras publicadas."),
      downloads,
    );
  }

  // The map's selection: a short card under the map (announced politely)
  // with a link to the project's entry in the list.
  const selection = h("div", { class: "map-selection", "aria-live": "polite" });
  const located = projects.filter(hasPoint);
  const select = (project: Project) => {
    for (const point of document.querySelectorAll(".map-point")) {
      point.classList.toggle("selected", point.getAttribute("data-project") === project.id);
    }
    const goToEntry = h("a", { href: `#${entryId(project)}`, class: "map-entry-link" }, "Ver la ficha completa en la lista");
    goToEntry.addEventListener("click", (event) => {
      // A hash link would leave the portal's hash route: focus the entry instead.
      event.preventDefault();
      const entry = document.getElementById(entryId(project));
      entry?.scrollIntoView({ block: "start" });
      entry?.focus({ preventScroll: true });
    });
    selection.replaceChildren(
      h(
        "div",
        { class: "card" },
        h("p", { class: "map-selection-title" }, h("strong", null, `${numberOf.get(project.id)}. ${project.title ?? "Obra sin título"}`)),
        h(
          "p",
          null,
          `${statusName(project.status)} · avance físico ${Math.round(project.physical_progress_pct ?? 0)} % · presupuesto ${formatMoney(project.budget_mxn)}`,
        ),
        h("p", null, goToEntry),
      ),
    );
  };

  const summary = summaryAnswer.data;
  return h(
    "section",
    null,
    h("h1", null, `Obra pública · ${tenant.name}`),
    h(
      "p",
      { class: "lead" },
      withDescendants
        ? "Las obras publicadas del estado y de sus municipios: dónde están, cuánto avanzan y de dónde viene el dinero."
        : "Las obras publicadas: dónde están, cuánto avanzan y de dónde viene el dinero.",
    ),
    downloads,
    h(
      "section",
      { "aria-labelledby": "mapa" },
      h("h2", { id: "mapa" }, "Mapa de las obras"),
      located.length
        ? [
            h(
              "p",
              { class: "hint", id: "mapa-ayuda" },
              "Cada punto es una obra, con su número en la lista de abajo. Elige un punto (con el ratón, el dedo o Tab y Enter) para ver sus datos. La lista tiene la misma información.",
            ),
            h("div", { class: "map-frame" }, worksMap(projects, numberOf, select)),
            selection,
          ]
        : h("p", null, "Ninguna obra tiene coordenadas registradas; consulta la lista."),
      located.length < projects.length
        ? h("p", { class: "hint" }, `${projects.length - located.length} de ${projects.length} obras no tienen coordenadas y solo aparecen en la lista.`)
        : null,
    ),
    summary
      ? followTheMoney(summary)
      : h("p", { class: "notice error", role: "alert" }, "No se pudieron cargar los totales: ", problemMessage(summaryAnswer.error)),
    h(
      "section",
      { "aria-labelledby": "lista-obras" },
      h("h2", { id: "lista-obras" }, `Lista de obras (${formatNumber(projects.length)})`),
      h(
        "ol",
        { class: "cards project-list" },
        projects.map((project) =>
          projectEntry(project, numberOf.get(project.id) ?? 0, withDescendants ? tenantNames.get(project.tenant) ?? project.tenant : null),
        ),
      ),
    ),
  );
}
