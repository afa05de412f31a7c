// What a view receives: the tenant it is about (already fetched), the query
// of its hash (#/t/durango/tramites?q=licencia) and a way to change it.
import type { components } from "@cabildo/client";

export type TenantDetail = components["schemas"]["TenantDetail"];

export interface ViewContext {
  /** The tenant of a #/t/{tenant}/… page (undefined on the home page). */
  tenant?: TenantDetail;
  /** The query of the hash, e.g. q=licencia for #/t/durango/tramites?q=licencia. */
  query: URLSearchParams;
  /** Replaces the hash's query without adding a history entry or re-rendering. */
  replaceQuery(query: URLSearchParams): void;
}

export type View = (context: ViewContext) => Promise<Node>;

/** The thematic modules the portal has a page for, in the order of the tenant's menu. */
export const modulePages = [
  { module: "open-government", page: "plan", title: "Plan de acción", blurb: "Compromisos del Plan de Acción Local, su avance y el Secretariado Técnico Local." },
  { module: "public-works", page: "obras", title: "Obra pública", blurb: "Obras con su ubicación, avance y de dónde viene el dinero." },
  { module: "procedure-registry", page: "tramites", title: "Trámites y servicios", blurb: "Catálogo de trámites con requisitos, costos y plazos." },
  { module: "scholarships", page: "becas", title: "Becas", blurb: "Convocatorias abiertas y padrones de beneficiarios." },
  { module: "service-requests", page: "reportes", title: "Reportes ciudadanos", blurb: "Reporta un problema de tu calle y sigue su atención." },
] as const;

export type ModulePage = (typeof modulePages)[number]["page"];
