// Placeholder until its owner (see /work/notes/portal-spec.md) lands the view.
import type { ViewContext } from "../context";
import { h } from "../dom";

export async function renderScholarships(context: ViewContext): Promise<Node> {
  return h("section", null, h("h1", null, "Becas · ", context.tenant?.name ?? ""));
}
