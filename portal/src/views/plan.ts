// The action plan dashboard (#/t/{tenant}/plan, ?plan=<id> for another plan):
// the plan's overall progress, each commitment with its progress bar and
// milestones, the Secretariado Técnico Local (STL) and its sessions. Every
// figure is the API's (open-government computes progress from the weighted
// milestones); the portal only shows it.
import type { components } from "@cabildo/client";

import { allPages, api, problemMessage, tenantPath } from "../api";
import type { ViewContext } from "../context";
import { downloadLink, h, progressBar, scrollTable } from "../dom";
import { formatDate } from "../format";

type Schemas = components["schemas"];
type Commitment = Schemas["OpenGovernmentCommitment"];
type Milestone = Schemas["OpenGovernmentMilestone"];
type DashboardPlan = Schemas["OpenGovernmentDashboardPlan"];
type DashboardTenant = Schemas["OpenGovernmentDashboardTenant"];
type Member = Schemas["OpenGovernmentDashboardMember"];
type Session = Schemas["OpenGovernmentSession"];

const phaseNames: Record<string, string> = {
  awareness: "Sensibilización",
  installation: "Instalación del Secretariado",
  co_creation: "Cocreación",
  implementation: "Implementación",
  monitoring: "Seguimiento",
  evaluation: "Evaluación",
};
const completionNames: Record<string, string> = {
  not_started: "Sin iniciar",
  limited: "Avance limitado",
  substantial: "Avance sustancial",
  complete: "Cumplido",
};
const milestoneNames: Record<string, string> = {
  met: "Cumplido",
  partially_met: "Cumplido en parte",
  not_met: "No cumplido",
  scheduled: "Pendiente",
};
const sectors = [
  { sector: "government", title: "Autoridades" },
  { sector: "civil_society", title: "Sociedad civil" },
  { sector: "guarantor", title: "Órgano garante de transparencia" },
  { sector: "facilitator", title: "Facilitación (con voz, sin voto)" },
] as const;

const oneDecimal = new Intl.NumberFormat("es-MX", { maximumFractionDigits: 1 });

/** The API's percentage to one decimal ("62.5 %"), on the bar and in its aria values. */
function exactProgress(percent: number | null | undefined, label: string): HTMLElement {
  const value = Math.max(0, Math.min(100, Math.round((percent ?? 0) * 10) / 10));
  const bar = progressBar(value, label);
  const track = bar.querySelector('[role="progressbar"]');
  track?.setAttribute("aria-valuenow", String(value));
  track?.setAttribute("aria-valuetext", `${oneDecimal.format(value)} %`);
  const text = bar.querySelector(".progress-value");
  if (text) text.textContent = `${oneDecimal.format(value)} %`;
  return bar;
}

const period = (start?: string | null, end?: string | null) =>
  start || end ? `del ${formatDate(start)} al ${formatDate(end)}` : "sin fechas";

/** The plan of today (its period contains as_of), else the most recent one. */
function currentPlan(plans: DashboardPlan[], asOf: string): DashboardPlan | undefined {
  const ongoing = plans.filter((plan) => (plan.period_start ?? "") <= asOf && asOf <= (plan.period_end ?? "9999"));
  const pool = ongoing.length ? ongoing : plans;
  return [...pool].sort((a, b) => (b.period_start ?? "").localeCompare(a.period_start ?? ""))[0];
}

/** The document's commitments, flat, parents before children (a child may come nested). */
function flatten(commitments: unknown[]): Commitment[] {
  const out: Commitment[] = [];
  const seen = new Set<string>();
  const stack = [...commitments].reverse();
  while (stack.length && out.length < 500) {
    const item = stack.pop() as Commitment | undefined;
    if (!item || typeof item !== "object" || !item.id || seen.has(item.id)) continue;
    seen.add(item.id);
    out.push(item);
    const nested = (item.children ?? []) as unknown[];
    for (let i = nested.length - 1; i >= 0; i--) if (nested[i] && typeof nested[i] === "object") stack.push(nested[i] as Commitment);
  }
  return out;
}

function milestoneItem(milestone: Milestone, showWeight: boolean): HTMLElement {
  const status = milestone.status ?? "scheduled";
  return h(
    "li",
    { class: "milestone" },
    h("span", { class: `badge status-${status}` }, milestoneNames[status] ?? status),
    " ",
    h("strong", null, milestone.title ?? "Hito"),
    milestone.deliverable ? h("span", { class: "muted" }, ` — ${milestone.deliverable}`) : null,
    h(
      "div",
      { class: "muted" },
      milestone.due ? `Fecha comprometida: ${formatDate(milestone.due)}` : "Sin fecha comprometida",
      milestone.overdue ? h("span", { class: "badge status-not_met" }, "Vencido") : null,
      showWeight && milestone.weight !== undefined ? ` · Peso: ${oneDecimal.format(milestone.weight)}` : null,
    ),
    milestone.evidence?.length
      ? h("ul", { class: "evidence" }, milestone.evidence.map((evidence) =>
          h("li", null, h("a", { href: evidence.url, rel: "noopener" }, evidence.note || "Evidencia"),
            evidence.at ? h("span", { class: "muted" }, ` (${formatDate(evidence.at)})`) : null)))
      : null,
  );
}

function commitmentItem(commitment: Commitment, numberOf: Map<string, string>): HTMLElement {
  const number = commitment.number ? `${commitment.number}. ` : "";
  const milestones = commitment.milestones ?? [];
  const weights = new Set(milestones.map((milestone) => milestone.weight ?? 1));
  const completion = commitment.completion ?? "not_started";
  const headingId = `compromiso-${commitment.id}`;
  return h(
    "li",
    { class: "card commitment", "aria-labelledby": headingId, "data-commitment": commitment.id },
    h("h3", { id: headingId }, number, commitment.title ?? "Compromiso"),
    commitment.parent_id && numberOf.has(commitment.parent_id)
      ? h("p", { class: "muted" }, `Parte del compromiso ${numberOf.get(commitment.parent_id)}`)
      : null,
    exactProgress(commitment.progress_pct, `Avance del compromiso ${commitment.number ?? commitment.title ?? ""}`.trim()),
    h(
      "ul",
      { class: "facts" },
      h("li", null, h("span", { class: "fact-name" }, "Estado: "), h("span", { class: `badge completion-${completion}` }, completionNames[completion] ?? completion)),
      h("li", null, h("span", { class: "fact-name" }, "Responsable: "), commitment.lead?.institution ?? "—"),
      commitment.co_responsible?.length
        ? h("li", null, h("span", { class: "fact-name" }, "Corresponsables: "), commitment.co_responsible.join(", "))
        : null,
      h("li", null, h("span", { class: "fact-name" }, "Periodo: "), period(commitment.start, commitment.end)),
    ),
    commitment.problem || commitment.objective || commitment.baseline
      ? h(
          "details",
          null,
          h("summary", null, "Problema, punto de partida y objetivo"),
          commitment.problem ? h("p", null, h("strong", null, "Problema: "), commitment.problem) : null,
          commitment.baseline ? h("p", null, h("strong", null, "Punto de partida: "), commitment.baseline) : null,
          commitment.objective ? h("p", null, h("strong", null, "Objetivo: "), commitment.objective) : null,
        )
      : null,
    h("h4", null, "Hitos"),
    milestones.length
      ? h("ul", { class: "milestones" }, milestones.map((milestone) => milestoneItem(milestone, weights.size > 1)))
      : h("p", { class: "muted" }, "Este compromiso aún no tiene hitos publicados."),
  );
}

function memberItem(member: Member, roster: Member[]): HTMLElement {
  let seat = "";
  if (member.seat === "titular") seat = "Titular";
  else if (member.seat === "voice") seat = "Con voz, sin voto";
  else if (member.seat === "alternate") {
    const titular = roster.find((candidate) => candidate.id === member.alternate_of);
    seat = titular ? `Suplente de ${titular.name}` : "Suplente";
  }
  return h(
    "li",
    null,
    h("strong", null, member.name),
    h("br"),
    [member.position, member.institution].filter(Boolean).join(", "),
    seat ? h("span", { class: "muted" }, ` · ${seat}`) : null,
  );
}

function rosterSection(roster: Member[]): HTMLElement {
  const groups = sectors
    .map((entry) => ({ ...entry, members: roster.filter((member) => member.sector === entry.sector) }))
    .filter((group) => group.members.length > 0);
  return h(
    "section",
    { "aria-labelledby": "stl" },
    h("h2", { id: "stl" }, "Secretariado Técnico Local"),
    h("p", null, "Autoridades, sociedad civil y el órgano garante deciden juntos el plan y dan seguimiento a sus compromisos."),
    groups.length
      ? h("div", { class: "roster" }, groups.map((group) =>
          h("section", { class: "card", "aria-labelledby": `stl-${group.sector}` },
            h("h3", { id: `stl-${group.sector}` }, group.title),
            h("ul", { class: "plain-list" }, group.members.map((member) => memberItem(member, roster))))))
      : h("p", null, "Todavía no se publican integrantes del Secretariado."),
  );
}

function sessionItem(session: Session): HTMLElement {
  const kind = session.kind === "extraordinary" ? "Sesión extraordinaria" : "Sesión ordinaria";
  const title = `${kind} del ${formatDate(session.date)}`;
  const agreements = session.agreements ?? [];
  return h(
    "li",
    { class: "session" },
    h("h3", null, title),
    session.minutes_url ? h("p", null, h("a", { href: session.minutes_url, rel: "noopener" }, "Acta de la sesión")) : null,
    agreements.length
      ? scrollTable(
          `Acuerdos: ${title}`,
          h(
            "table",
            { class: "compact" },
            h("caption", null, `Acuerdos de la ${title.charAt(0).toLowerCase()}${title.slice(1)}`),
            h("thead", null, h("tr", null,
              h("th", { scope: "col" }, "Acuerdo"),
              h("th", { scope: "col" }, "Responsable"),
              h("th", { scope: "col" }, "Fecha límite"),
              h("th", { scope: "col" }, "Estado"))),
            h("tbody", null, agreements.map((agreement) =>
              h("tr", null,
                h("td", null, agreement.text ?? ""),
                h("td", null, agreement.responsible ?? "—"),
                h("td", null, formatDate(agreement.due)),
                h("td", null, agreement.done ? "Cumplido" : agreement.overdue ? "Vencido" : "Pendiente")))),
          ),
        )
      : h("p", { class: "muted" }, "Sin acuerdos publicados."),
  );
}

function descendantsSection(tenants: DashboardTenant[], self: string): HTMLElement | null {
  const others = tenants.filter((entry) => entry.tenant !== self);
  if (others.length === 0) return null;
  return h(
    "section",
    { "aria-labelledby": "municipios-plan" },
    h("h2", { id: "municipios-plan" }, "Avance en los municipios"),
    h("ul", { class: "cards" }, others.map((entry) => {
      const plan = entry.plans[0];
      return h("li", { class: "card" },
        h("h3", null, h("a", { href: `#/t/${entry.tenant}/plan` }, entry.name)),
        plan
          ? [h("p", { class: "muted" }, `${plan.commitments} compromisos`), exactProgress(plan.mean_progress_pct, `Avance general del plan de ${entry.name}`)]
          : h("p", { class: "muted" }, "Sin plan publicado."));
    })),
  );
}

export async function renderPlan(context: ViewContext): Promise<Node> {
  const tenant = context.tenant!;
  const slug = tenant.slug;
  const heading = h("h1", null, "Plan de acción · ", tenant.name);

  const { data: dashboard, error } = await api.GET("/v1/tenants/{tenant}/open-government/dashboard", {
    params: { path: { tenant: slug }, query: tenant.children.length ? { include_descendants: true } : {} },
  });
  if (!dashboard) throw new Error(problemMessage(error));
  const own = dashboard.tenants.find((entry) => entry.tenant === slug);
  const plans = own?.plans ?? [];
  const wanted = context.query.get("plan");
  const plan = plans.find((candidate) => candidate.id === wanted) ?? currentPlan(plans, dashboard.as_of);

  const sessionsPromise = allPages(async (cursor) => {
    const { data } = await api.GET("/v1/tenants/{tenant}/open-government/secretariat/sessions", {
      params: { path: { tenant: slug }, query: { limit: 100, cursor } },
    });
    return data ? { items: data.items, next_cursor: data.next_cursor } : undefined;
  }, 3);

  if (!plan) {
    const sessions = await sessionsPromise;
    return h("section", null, heading,
      h("p", { class: "notice" }, `${tenant.name} todavía no publica un Plan de Acción Local.`),
      rosterSection(own?.roster ?? []),
      sessions.length ? sessionsSection(sessions) : null,
      descendantsSection(dashboard.tenants, slug));
  }

  const [documentAnswer, sessions] = await Promise.all([
    api.GET("/v1/tenants/{tenant}/open-government/plans/{id}/document.json", { params: { path: { tenant: slug, id: plan.id } } }),
    sessionsPromise,
  ]);
  if (!documentAnswer.data) throw new Error(problemMessage(documentAnswer.error));
  const commitments = flatten(documentAnswer.data.commitments as unknown[]);
  const numberOf = new Map(commitments.map((commitment) => [commitment.id, commitment.number ?? commitment.title ?? ""]));
  const overallProgress = documentAnswer.data.progress_pct ?? plan.mean_progress_pct;
  const base = `open-government/plans/${encodeURIComponent(plan.id)}`;
  const byCompletion = plan.by_completion ?? {};
  const otherPlans = plans.filter((candidate) => candidate.id !== plan.id);

  return h(
    "section",
    null,
    heading,
    h("p", { class: "lead" }, plan.title),
    h(
      "ul",
      { class: "facts" },
      h("li", null, h("span", { class: "fact-name" }, "Periodo: "), period(plan.period_start, plan.period_end)),
      plan.phase ? h("li", null, h("span", { class: "fact-name" }, "Etapa: "), phaseNames[plan.phase] ?? plan.phase) : null,
      plan.cycle ? h("li", null, h("span", { class: "fact-name" }, "Ejercicio: "), plan.cycle) : null,
    ),
    h(
      "section",
      { "aria-labelledby": "avance" },
      h("h2", { id: "avance" }, "Avance general"),
      exactProgress(overallProgress, "Avance general del plan"),
      h("p", null, `Promedio del avance de ${plan.top_level_commitments} compromisos, según sus hitos cumplidos.`),
      h("ul", { class: "chips completion-counts" }, Object.entries(completionNames).map(([key, name]) =>
        h("li", null, `${name}: `, h("strong", null, String((byCompletion as Record<string, number>)[key] ?? 0))))),
      plan.overdue_milestones_count
        ? h("p", { class: "notice" }, plan.overdue_milestones_count === 1
            ? "1 hito pasó su fecha comprometida sin cumplirse."
            : `${plan.overdue_milestones_count} hitos pasaron su fecha comprometida sin cumplirse.`)
        : null,
      h("h3", null, "Datos abiertos del plan"),
      h("ul", { class: "downloads" },
        h("li", null, downloadLink(tenantPath(slug, `${base}/results.csv`), "Resultados", "CSV")),
        h("li", null, downloadLink(tenantPath(slug, `${base}/results.json`), "Resultados", "JSON")),
        h("li", null, downloadLink(tenantPath(slug, `${base}/document.json`), "Plan completo", "JSON"))),
    ),
    h(
      "section",
      { "aria-labelledby": "compromisos" },
      h("h2", { id: "compromisos" }, "Compromisos"),
      commitments.length
        ? h("ol", { class: "commitments" }, commitments.map((commitment) => commitmentItem(commitment, numberOf)))
        : h("p", null, "Este plan aún no tiene compromisos publicados."),
    ),
    rosterSection(own?.roster ?? []),
    sessionsSection(sessions),
    otherPlans.length
      ? h("section", { "aria-labelledby": "otros-planes" },
          h("h2", { id: "otros-planes" }, "Otros planes"),
          h("ul", null, otherPlans.map((other) =>
            h("li", null, h("a", { href: `#/t/${slug}/plan?plan=${encodeURIComponent(other.id)}` }, other.title), ` (${period(other.period_start, other.period_end)})`))))
      : null,
    descendantsSection(dashboard.tenants, slug),
  );
}

function sessionsSection(sessions: Session[]): HTMLElement {
  const sorted = [...sessions].sort((a, b) => (b.date ?? "").localeCompare(a.date ?? ""));
  return h(
    "section",
    { "aria-labelledby": "sesiones" },
    h("h2", { id: "sesiones" }, "Sesiones del Secretariado"),
    sorted.length
      ? h("ul", { class: "sessions plain-list" }, sorted.map(sessionItem))
      : h("p", null, "Todavía no se publican sesiones."),
  );
}
