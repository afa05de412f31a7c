// Form fields with their label, hint and error slot wired for assistive
// technology: the error sits next to its field, is referenced by
// aria-describedby and marks the control aria-invalid. Used by the sign-in
// block (auth.ts) and the report form (reports.ts).
import { h, type Child } from "../dom";

export type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

export interface Field {
  wrapper: HTMLElement;
  /** The control that receives focus when the field is wrong. */
  control: HTMLElement;
  error: HTMLElement;
  set(message: string | null): void;
}

function describe(control: HTMLElement, ids: string[]): void {
  control.setAttribute("aria-describedby", ids.join(" "));
}

/** Wires an error slot to a control (or a fieldset of controls). */
export function makeField(wrapper: HTMLElement, control: HTMLElement, id: string, hintId: string | null): Field {
  const error = h("p", { class: "field-error", id: `${id}-error` });
  wrapper.appendChild(error);
  describe(control, hintId ? [hintId, error.id] : [error.id]);
  return {
    wrapper,
    control,
    error,
    set(message) {
      error.textContent = message ?? "";
      const targets = control instanceof HTMLFieldSetElement ? Array.from(control.querySelectorAll("input")) : [control];
      for (const target of targets) {
        if (message) target.setAttribute("aria-invalid", "true");
        else target.removeAttribute("aria-invalid");
      }
    },
  };
}

export interface InputOptions {
  type?: string;
  hint?: string;
  required?: boolean;
  autocomplete?: string;
  inputmode?: string;
  maxlength?: number;
  multiline?: boolean;
  rows?: number;
  /** Not required on its own but part of a choice (an address or coordinates): no "(opcional)". */
  partOfChoice?: boolean;
}

/** A labelled text input (or textarea). */
export function inputField(id: string, label: string, options: InputOptions = {}): Field & { input: HTMLInputElement | HTMLTextAreaElement } {
  const hintId = options.hint ? `${id}-hint` : null;
  const attrs = {
    id,
    name: id,
    autocomplete: options.autocomplete ?? null,
    inputmode: options.inputmode ?? null,
    maxlength: options.maxlength ?? null,
    "aria-required": options.required ? "true" : null,
  };
  const input = options.multiline
    ? h("textarea", { ...attrs, rows: options.rows ?? 4 })
    : h("input", { ...attrs, type: options.type ?? "text" });
  const wrapper = h(
    "div",
    { class: "field" },
    h("label", { for: id }, label, options.required || options.partOfChoice ? null : h("span", { class: "muted" }, " (opcional)")),
    options.hint ? h("p", { class: "hint", id: hintId }, options.hint) : null,
    input,
  );
  return { ...makeField(wrapper, input, id, hintId), input };
}

/** A labelled select. */
export function selectField(id: string, label: string, options: { value: string; label: string; group?: string }[], extra: { hint?: string; placeholder?: string } = {}): Field & { select: HTMLSelectElement } {
  const hintId = extra.hint ? `${id}-hint` : null;
  const groups = new Map<string, Child[]>();
  const loose: Child[] = [];
  for (const option of options) {
    const element = h("option", { value: option.value }, option.label);
    if (option.group) groups.set(option.group, [...(groups.get(option.group) ?? []), element]);
    else loose.push(element);
  }
  const select = h(
    "select",
    { id, name: id },
    extra.placeholder ? h("option", { value: "" }, extra.placeholder) : null,
    loose,
    Array.from(groups, ([group, children]) => h("optgroup", { label: group }, children)),
  );
  const wrapper = h("div", { class: "field" }, h("label", { for: id }, label), extra.hint ? h("p", { class: "hint", id: hintId }, extra.hint) : null, select);
  return { ...makeField(wrapper, select, id, hintId), select };
}

/** The form-level message (an alert region), empty until there is something to say. */
export function formAlert(): HTMLElement & { show(message: string | null, tone?: "error" | "ok"): void } {
  const region = h("div", { role: "alert", class: "form-alert" });
  return Object.assign(region, {
    show(message: string | null, tone: "error" | "ok" = "error") {
      region.replaceChildren(message ? h("p", { class: `notice ${tone}` }, message) : "");
    },
  });
}

/**
 * Shows a problem document's per-field errors next to their fields (the
 * `route` function maps the API's field name to a field, or null) and
 * returns the messages that belong to no field. Focuses the first wrong field.
 */
export function showFieldErrors(problem: unknown, route: (apiField: string) => Field | null | undefined): string[] {
  const leftover: string[] = [];
  let first: Field | null = null;
  const errors = problem && typeof problem === "object" && Array.isArray((problem as { errors?: unknown }).errors)
    ? ((problem as { errors: { field?: unknown; message?: unknown }[] }).errors)
    : [];
  const byField = new Map<Field, string[]>();
  for (const error of errors) {
    const message = typeof error?.message === "string" ? error.message : "";
    const field = typeof error?.field === "string" ? route(error.field) : null;
    if (field) byField.set(field, [...(byField.get(field) ?? []), message]);
    else if (message) leftover.push(message);
  }
  for (const [field, messages] of byField) {
    field.set(messages.join(" "));
    first ??= field;
  }
  ((first?.control.querySelector("input") as HTMLElement | null) ?? first?.control)?.focus();
  return leftover;
}
