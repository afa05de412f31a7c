// Placeholder until its owner (see /work/notes/portal-spec.md) lands the view.
import type { ViewContext } from "../context";
import { h } from "../dom";

export async function renderReports(context: ViewContext): Promise<Node> {
  return h("section", null, h("h1", null, "Reportes ciudadanos · ", context.tenant?.name ?? ""));
}
